//! Accounts, customers, users, endpoints and credentials; and the rule under every id-taking
//! call: outside the caller's accounts reads exactly like missing.

use crate::refused;
use crate::support::*;
use evo::domain::{
    AccountId, AccountScope, ConversationId, EndpointChanges, EndpointId, Missing, Refusal, Role,
    UserId,
};
use evo::store::{NewEndpoint, NewUser, TranscriptQuery};
use std::time::Duration;

pub async fn accounts_customers_users_and_endpoints_are_created_as_asked(db: Db) {
    let s = db.store.as_ref();
    let t = tenant(s, "Acme").await;
    let child = s
        .create_customer(&t.account, Some(&t.customer), "Branch")
        .await
        .unwrap();
    assert_eq!(child.parent_id.as_ref(), Some(&t.customer));
    assert_eq!(child.account_id, t.account);
    let accounts = s.accounts(&t.scope()).await.unwrap();
    assert_eq!(accounts, vec![(t.account.clone(), "Acme".to_owned())]);
    let other = tenant(s, "Other").await;
    let all = s.accounts(&AccountScope::All).await.unwrap();
    assert!(all.iter().any(|(id, _)| id == &other.account));
    assert_eq!(all.len(), 2);
    let principal = s.principal(&t.user).await.unwrap().expect("principal");
    assert_eq!(principal.roles, vec![Role::User]);
    assert_eq!(principal.accounts, accounts);
    refused!(
        s.create_customer(&AccountId::from_string("nope"), None, "x")
            .await,
        Refusal::NotFound(Missing::Account(_))
    );
    refused!(
        s.create_api_key(&UserId::from_string("nope"), None, [7; 32])
            .await,
        Refusal::NotFound(Missing::User(_))
    );
    refused!(
        s.set_account_carrier(&AccountId::from_string("nope"), "AC1", "tok")
            .await,
        Refusal::NotFound(Missing::Account(_))
    );
    s.set_account_carrier(&t.account, "ACacme", "acme-token")
        .await
        .unwrap();
    assert_eq!(
        s.carrier_token("ACacme").await.unwrap().as_deref(),
        Some("acme-token")
    );
    assert_eq!(s.carrier_token("ACnobody").await.unwrap(), None);
}

pub async fn emails_are_unique_regardless_of_case(db: Db) {
    let s = db.store.as_ref();
    let t = tenant(s, "Acme").await;
    let user = |email: &str| NewUser {
        email: email.to_owned(),
        first_name: None,
        last_name: None,
        password_hash: "h".into(),
        roles: vec![Role::Manager],
        accounts: vec![t.account.clone()],
    };
    s.create_user(user("Ann@Example.com")).await.unwrap();
    refused!(
        s.create_user(user(" ann@example.COM ")).await,
        Refusal::EmailTaken(_)
    );
    // A login finds the user by any spelling.
    let (id, hash) = s.password_hash("ANN@example.com").await.unwrap().unwrap();
    assert_eq!(hash, "h");
    s.set_password("ann@EXAMPLE.com", "h2").await.unwrap();
    assert_eq!(
        s.password_hash("ann@example.com").await.unwrap(),
        Some((id, "h2".to_owned()))
    );
    refused!(
        s.set_password("nobody@example.com", "h").await,
        Refusal::NotFound(Missing::UserEmail(_))
    );
    let mut in_nowhere = user("b@example.com");
    in_nowhere.accounts = vec![AccountId::from_string("nope")];
    refused!(
        s.create_user(in_nowhere).await,
        Refusal::NotFound(Missing::Account(_))
    );
}

pub async fn numbers_are_unique(db: Db) {
    let s = db.store.as_ref();
    let t = tenant(s, "Acme").await;
    let other = tenant(s, "Other").await;
    let again = NewEndpoint {
        account_id: other.account.clone(),
        customer_id: None,
        number: phone(&t.number),
        display_name: "Copy".into(),
        mps: None,
    };
    refused!(s.create_endpoint(again).await, Refusal::NumberTaken(_));
}

pub async fn a_customer_parent_must_be_in_the_same_account(db: Db) {
    let s = db.store.as_ref();
    let a = tenant(s, "Acme").await;
    let b = tenant(s, "Other").await;
    refused!(
        s.create_customer(&b.account, Some(&a.customer), "Stray")
            .await,
        Refusal::NotFound(Missing::Customer { .. })
    );
    let endpoint = NewEndpoint {
        account_id: b.account.clone(),
        customer_id: Some(a.customer.clone()),
        number: number(),
        display_name: "Stray".into(),
        mps: None,
    };
    refused!(
        s.create_endpoint(endpoint).await,
        Refusal::NotFound(Missing::Customer { .. })
    );
}

pub async fn every_id_outside_the_callers_accounts_is_not_found(db: Db) {
    let s = db.store.as_ref();
    let a = tenant(s, "Acme").await;
    let b = tenant(s, "Other").await;
    let m = send(&db, &a, "+15556667777", "private").await;
    let inbound = s
        .receive_message(inbound(&db, &a, "+15556667777", "reply", "SMin1"))
        .await
        .unwrap();
    assert!(matches!(inbound, evo::domain::Received::Stored { .. }));
    let bs = b.scope();
    let none = AccountScope::Only(Vec::new());
    for scope in [&bs, &none] {
        refused!(
            s.message(scope, &m.id).await,
            Refusal::NotFound(Missing::Message(_))
        );
        refused!(
            s.set_message_unread(scope, &m.id, true).await,
            Refusal::NotFound(Missing::Message(_))
        );
        refused!(
            s.set_conversation_unread(scope, &m.conversation_id, false)
                .await,
            Refusal::NotFound(Missing::Conversation(_))
        );
        refused!(
            s.session(scope, &m.session_id).await,
            Refusal::NotFound(Missing::Session(_))
        );
        refused!(
            s.end_session(scope, &m.session_id).await,
            Refusal::NotFound(Missing::Session(_))
        );
        let transcript = TranscriptQuery {
            scope: scope.clone(),
            session: m.session_id.clone(),
            include_historical: true,
            historical_cutoff: None,
            mark_read: true,
        };
        refused!(
            s.transcript(transcript).await,
            Refusal::NotFound(Missing::Session(_))
        );
        refused!(
            s.delivery_info(scope, &m.id).await,
            Refusal::NotFound(Missing::Message(_))
        );
        refused!(
            s.update_endpoint(scope, &a.endpoint, EndpointChanges::default())
                .await,
            Refusal::NotFound(Missing::Endpoint(_))
        );
        refused!(
            s.list_opt_outs(scope, &a.endpoint).await,
            Refusal::NotFound(Missing::Endpoint(_))
        );
        refused!(
            s.add_opt_out(scope, &a.endpoint, &phone("+15550001111"))
                .await,
            Refusal::NotFound(Missing::Endpoint(_))
        );
        refused!(
            s.remove_opt_out(scope, &a.endpoint, &phone("+15550001111"))
                .await,
            Refusal::NotFound(Missing::Endpoint(_))
        );
        refused!(
            s.send_message(scope, outgoing(&db, &a, "+15556667777", "x"))
                .await,
            Refusal::NotFound(Missing::Endpoint(_))
        );
        refused!(
            s.send_message(scope, into_session(&db, &m.session_id, "x"))
                .await,
            Refusal::NotFound(Missing::Session(_))
        );
    }
    // Ids that exist nowhere read the same.
    let all = AccountScope::All;
    refused!(
        s.set_conversation_unread(&all, &ConversationId::from_string("nope"), true)
            .await,
        Refusal::NotFound(Missing::Conversation(_))
    );
    refused!(
        s.update_endpoint(
            &all,
            &EndpointId::from_string("nope"),
            EndpointChanges::default()
        )
        .await,
        Refusal::NotFound(Missing::Endpoint(_))
    );
    // Lists never show another account's rows.
    let page = s
        .list_messages(&crate::messaging::all_messages(bs.clone()))
        .await
        .unwrap();
    assert!(page.items.is_empty());
    assert_eq!(page.total, Some(0));
    // Nothing changed for the owner.
    let mine = s.message(&a.scope(), &m.id).await.unwrap();
    assert_eq!(mine, m);
}

pub async fn endpoint_updates_write_only_what_they_change(db: Db) {
    let s = db.store.as_ref();
    let t = tenant(s, "Acme").await;
    let scope = t.scope();
    let (one, two) = (db.handle().await, db.handle().await);
    let mps = EndpointChanges {
        mps: Some(5.0),
        ..Default::default()
    };
    let help = EndpointChanges {
        help_text: Some("Call us".into()),
        ..Default::default()
    };
    let (a, b) = tokio::join!(
        one.update_endpoint(&scope, &t.endpoint, mps),
        two.update_endpoint(&scope, &t.endpoint, help)
    );
    a.unwrap();
    b.unwrap();
    let off = EndpointChanges {
        sms_enabled: Some(false),
        ..Default::default()
    };
    let e = s.update_endpoint(&scope, &t.endpoint, off).await.unwrap();
    assert_eq!(e.mps, Some(5.0));
    assert_eq!(e.help_text.as_deref(), Some("Call us"));
    assert!(!e.sms_enabled);
}

pub async fn credentials_and_logins_follow_the_clock(db: Db) {
    let s = db.store.as_ref();
    let t = tenant(s, "Acme").await;
    let key = s
        .create_api_key(&t.user, Some("ci"), [1; 32])
        .await
        .unwrap();
    assert_eq!(key.user_id, t.user);
    let by_key = s.principal_by_api_key(&[1; 32]).await.unwrap().unwrap();
    assert_eq!(by_key.user_id, t.user);
    assert!(s.principal_by_api_key(&[2; 32]).await.unwrap().is_none());
    let expires = db.now().plus_millis(60_000);
    s.create_login([3; 32], &t.user, false, expires)
        .await
        .unwrap();
    let at = |d: &Db| d.now();
    assert!(
        s.principal_by_login(&[3; 32], at(&db))
            .await
            .unwrap()
            .is_some()
    );
    db.advance(Duration::from_secs(61));
    assert!(
        s.principal_by_login(&[3; 32], at(&db))
            .await
            .unwrap()
            .is_none(),
        "expired by the clock"
    );
    s.create_login([4; 32], &t.user, true, db.now().plus_millis(60_000))
        .await
        .unwrap();
    // Another process sees the login, and its end, at once.
    let other = db.handle().await;
    assert!(
        other
            .principal_by_login(&[4; 32], at(&db))
            .await
            .unwrap()
            .is_some()
    );
    s.delete_login(&[4; 32]).await.unwrap();
    assert!(
        other
            .principal_by_login(&[4; 32], at(&db))
            .await
            .unwrap()
            .is_none()
    );
}
