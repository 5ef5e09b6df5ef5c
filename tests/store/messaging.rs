//! Sending, receiving, idempotency, lists and read state.

use crate::refused;
use crate::support::*;
use evo::domain::{
    AccountScope, CarrierAccount, DeliveryStatus, Direction, EndpointChanges, Idempotency, Missing,
    Received, Refusal,
};
use evo::store::{ConversationQuery, MessageQuery, MessageSort};
use std::time::Duration;

/// Every message in `scope`, oldest first, with the total.
pub fn all_messages(scope: AccountScope) -> MessageQuery {
    MessageQuery {
        scope,
        customer_ids: Vec::new(),
        endpoint_ids: Vec::new(),
        conversation_ids: Vec::new(),
        specific_ids: Vec::new(),
        after: None,
        sort: MessageSort::Date,
        descending: false,
        offset: 0,
        limit: 100,
        with_total: true,
    }
}

fn conversations(scope: AccountScope) -> ConversationQuery {
    ConversationQuery {
        scope,
        customer_ids: Vec::new(),
        endpoint_ids: Vec::new(),
        after: None,
        unread_only: false,
        limit: 100,
    }
}

pub async fn a_send_threads_into_one_conversation_and_session_per_address(db: Db) {
    let t = tenant(db.store.as_ref(), "Acme").await;
    let first = send(&db, &t, "+15556667777", "one").await;
    assert_eq!(first.direction, Direction::Outgoing);
    assert_eq!(first.status, DeliveryStatus::Queued);
    assert_eq!(first.account_id, t.account);
    assert_eq!(first.customer_id.as_ref(), Some(&t.customer));
    assert_eq!(first.other_address, "+15556667777");
    assert!(!first.is_unread);
    let second = send(&db, &t, "+15556667777", "two").await;
    assert_eq!(second.conversation_id, first.conversation_id);
    assert_eq!(second.session_id, first.session_id);
    let elsewhere = send(&db, &t, "+15558889999", "three").await;
    assert_ne!(elsewhere.conversation_id, first.conversation_id);
    let into = db
        .store
        .send_message(&t.scope(), into_session(&db, &first.session_id, "four"))
        .await
        .unwrap();
    assert_eq!(into.other_address, "+15556667777");
    assert_eq!(into.session_id, first.session_id);
    // Accepted means stored and queued for the carrier, visible to every process.
    assert_eq!(db.handle().await.outbox_stats().await.unwrap().depth, 4);
    let got = db
        .handle()
        .await
        .message(&t.scope(), &first.id)
        .await
        .unwrap();
    assert_eq!(got, first);
}

pub async fn a_send_is_refused_for_the_reasons_a_client_can_read(db: Db) {
    let s = db.store.as_ref();
    let t = tenant(s, "Acme").await;
    let m = send(&db, &t, "+15556667777", "hi").await;
    s.add_opt_out(&t.scope(), &t.endpoint, &phone("+15550000001"))
        .await
        .unwrap();
    refused!(
        s.send_message(&t.scope(), outgoing(&db, &t, "+15550000001", "x"))
            .await,
        Refusal::RecipientOptedOut(_)
    );
    s.end_session(&t.scope(), &m.session_id).await.unwrap();
    refused!(
        s.send_message(&t.scope(), into_session(&db, &m.session_id, "x"))
            .await,
        Refusal::SessionEnded(_)
    );
    let off = EndpointChanges {
        sms_enabled: Some(false),
        ..Default::default()
    };
    s.update_endpoint(&t.scope(), &t.endpoint, off)
        .await
        .unwrap();
    refused!(
        s.send_message(&t.scope(), outgoing(&db, &t, "+15556667777", "x"))
            .await,
        Refusal::SmsDisabled(_)
    );
    // Nothing refused was written.
    let page = s.list_messages(&all_messages(t.scope())).await.unwrap();
    assert_eq!(page.total, Some(1));
    assert_eq!(s.outbox_stats().await.unwrap().depth, 1);
}

fn keyed(db: &Db, t: &Tenant, key: &str, hash: u8, text: &str) -> evo::store::NewMessage {
    let mut m = outgoing(db, t, "+15556667777", text);
    m.idempotency = Some(Idempotency {
        user: t.user.clone(),
        key: key.into(),
        request_hash: [hash; 32],
    });
    m
}

pub async fn an_idempotency_key_replays_and_refuses_other_fields(db: Db) {
    let s = db.store.as_ref();
    let t = tenant(s, "Acme").await;
    let first = s
        .send_message(&t.scope(), keyed(&db, &t, "k1", 1, "once"))
        .await
        .unwrap();
    db.advance(Duration::from_secs(3600));
    let again = s
        .send_message(&t.scope(), keyed(&db, &t, "k1", 1, "once"))
        .await
        .unwrap();
    assert_eq!(
        again, first,
        "a replay answers the first message as it is now"
    );
    refused!(
        s.send_message(&t.scope(), keyed(&db, &t, "k1", 2, "other"))
            .await,
        Refusal::IdempotencyKeyReused(_)
    );
    // Keys are per user: another user's k1 is a different key.
    let other = tenant(s, "Other").await;
    let theirs = s
        .send_message(&other.scope(), keyed(&db, &other, "k1", 2, "theirs"))
        .await
        .unwrap();
    assert_ne!(theirs.id, first.id);
    let page = s.list_messages(&all_messages(t.scope())).await.unwrap();
    assert_eq!(page.total, Some(1));
}

pub async fn an_idempotency_key_expires_after_its_window(db: Db) {
    let s = db.store.as_ref();
    let t = tenant(s, "Acme").await;
    let first = s
        .send_message(&t.scope(), keyed(&db, &t, "k", 1, "day one"))
        .await
        .unwrap();
    db.advance(Duration::from_secs(24 * 3600 + 1));
    let later = s
        .send_message(&t.scope(), keyed(&db, &t, "k", 2, "day two"))
        .await
        .unwrap();
    assert_ne!(later.id, first.id, "past 24 h the key is free again");
    // And it now replays the second use.
    let again = s
        .send_message(&t.scope(), keyed(&db, &t, "k", 2, "day two"))
        .await
        .unwrap();
    assert_eq!(again.id, later.id);
}

pub async fn a_replay_outside_the_callers_accounts_is_not_found(db: Db) {
    let s = db.store.as_ref();
    let t = tenant(s, "Acme").await;
    s.send_message(&t.scope(), keyed(&db, &t, "k", 1, "mine"))
        .await
        .unwrap();
    // The user has since lost the account: the replay must not show its message.
    let lost = AccountScope::Only(Vec::new());
    refused!(
        s.send_message(&lost, keyed(&db, &t, "k", 1, "mine")).await,
        Refusal::NotFound(Missing::Message(_)) | Refusal::NotFound(Missing::Endpoint(_))
    );
}

pub async fn lists_page_filter_sort_and_count(db: Db) {
    let s = db.store.as_ref();
    let t = tenant(s, "Acme").await;
    let second_line = s
        .create_endpoint(evo::store::NewEndpoint {
            account_id: t.account.clone(),
            customer_id: None,
            number: number(),
            display_name: "Second".into(),
            mps: None,
        })
        .await
        .unwrap();
    let mut sent = Vec::new();
    for i in 0..5 {
        sent.push(send(&db, &t, "+15556667777", &format!("m{i}")).await);
        db.advance(Duration::from_secs(1));
    }
    let mut from_second = outgoing(&db, &t, "+15556667777", "second line");
    from_second.target = evo::store::SendTarget::Endpoint {
        endpoint: second_line.id.clone(),
        to: phone("+15556667777"),
    };
    let other = s.send_message(&t.scope(), from_second).await.unwrap();
    let all = s.list_messages(&all_messages(t.scope())).await.unwrap();
    assert_eq!(all.total, Some(6));
    assert_eq!(all.items.first().map(|m| &m.id), Some(&sent[0].id));
    let mut q = all_messages(t.scope());
    q.descending = true;
    q.offset = 1;
    q.limit = 2;
    let page = s.list_messages(&q).await.unwrap();
    let texts: Vec<&str> = page.items.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, ["m4", "m3"]);
    assert_eq!(page.total, Some(6), "the total ignores paging");
    let mut q = all_messages(t.scope());
    q.endpoint_ids = vec![second_line.id.clone()];
    let page = s.list_messages(&q).await.unwrap();
    assert_eq!(page.items, vec![other.clone()]);
    let mut q = all_messages(t.scope());
    q.after = Some(sent[2].date);
    q.with_total = false;
    let page = s.list_messages(&q).await.unwrap();
    assert_eq!(page.total, None);
    assert!(page.items.iter().all(|m| m.date > sent[2].date));
    assert_eq!(page.items.len(), 3);
    let mut q = all_messages(t.scope());
    q.specific_ids = vec![sent[1].id.clone(), sent[3].id.clone()];
    q.conversation_ids = vec![sent[0].conversation_id.clone()];
    let page = s.list_messages(&q).await.unwrap();
    assert_eq!(page.items, vec![sent[1].clone(), sent[3].clone()]);
    let mut q = all_messages(t.scope());
    q.customer_ids = vec![t.customer.clone()];
    assert_eq!(s.list_messages(&q).await.unwrap().total, Some(5));
    let list = s
        .list_conversations(&conversations(t.scope()))
        .await
        .unwrap();
    assert_eq!(list.len(), 2, "one per endpoint and address");
}

pub async fn read_state_marks_all_read_or_the_latest_incoming_unread(db: Db) {
    let s = db.store.as_ref();
    let t = tenant(s, "Acme").await;
    let from = "+15556667777";
    let mut incoming = Vec::new();
    for (i, sid) in ["SMa", "SMb"].iter().enumerate() {
        let r = s
            .receive_message(inbound(&db, &t, from, &format!("in{i}"), sid))
            .await
            .unwrap();
        let Received::Stored { message, replied } = r else {
            panic!("stored: {r:?}")
        };
        assert!(!replied);
        assert!(message.is_unread);
        incoming.push(*message);
        db.advance(Duration::from_secs(1));
    }
    send(&db, &t, from, "an answer").await;
    let conversation = incoming[0].conversation_id.clone();
    let mut unread_only = conversations(t.scope());
    unread_only.unread_only = true;
    let listed = s.list_conversations(&unread_only).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].unread_count, 2);
    let read = s
        .set_conversation_unread(&t.scope(), &conversation, false)
        .await
        .unwrap();
    assert_eq!(read.unread_count, 0);
    assert!(s.list_conversations(&unread_only).await.unwrap().is_empty());
    let unread = s
        .set_conversation_unread(&t.scope(), &conversation, true)
        .await
        .unwrap();
    assert_eq!(unread.unread_count, 1, "only the latest incoming");
    assert!(
        s.message(&t.scope(), &incoming[1].id)
            .await
            .unwrap()
            .is_unread
    );
    assert!(
        !s.message(&t.scope(), &incoming[0].id)
            .await
            .unwrap()
            .is_unread
    );
    let m = s
        .set_message_unread(&t.scope(), &incoming[0].id, true)
        .await
        .unwrap();
    assert!(m.is_unread);
}

pub async fn inbound_is_stored_once_and_only_for_the_signing_carrier_account(db: Db) {
    let s = db.store.as_ref();
    let t = tenant(s, "Acme").await;
    let own = tenant(s, "Own carrier").await;
    s.set_account_carrier(&own.account, "ACown", "tok")
        .await
        .unwrap();
    let m = inbound(&db, &t, "+15556667777", "hello", "SM1");
    let Received::Stored { message, .. } = s.receive_message(m.clone()).await.unwrap() else {
        panic!("stored")
    };
    assert_eq!(message.direction, Direction::Incoming);
    assert_eq!(message.status, DeliveryStatus::Received);
    assert_eq!(
        s.receive_message(m).await.unwrap(),
        Received::Duplicate(message.id.clone())
    );
    // Another carrier account cannot reach a number that uses the server-wide one…
    let mut foreign = inbound(&db, &t, "+15556667777", "x", "SM2");
    foreign.carrier = CarrierAccount {
        signed_by: "ACown".into(),
        server_wide: Some(SERVER_SID.into()),
    };
    assert_eq!(
        s.receive_message(foreign).await.unwrap(),
        Received::UnknownNumber
    );
    // …and the server-wide account cannot reach a number of an account with its own.
    let to_own = inbound(&db, &own, "+15556667777", "x", "SM3");
    assert_eq!(
        s.receive_message(to_own).await.unwrap(),
        Received::UnknownNumber
    );
    let mut signed = inbound(&db, &own, "+15556667777", "x", "SM4");
    signed.carrier = CarrierAccount {
        signed_by: "ACown".into(),
        server_wide: Some(SERVER_SID.into()),
    };
    assert!(matches!(
        s.receive_message(signed).await.unwrap(),
        Received::Stored { .. }
    ));
    let mut nowhere = inbound(&db, &t, "+15556667777", "x", "SM5");
    nowhere.to = "+15550009999".into();
    assert_eq!(
        s.receive_message(nowhere).await.unwrap(),
        Received::UnknownNumber
    );
    let page = s
        .list_messages(&all_messages(AccountScope::All))
        .await
        .unwrap();
    assert_eq!(page.total, Some(2));
}

pub async fn inbound_on_a_disabled_endpoint_is_dropped(db: Db) {
    let s = db.store.as_ref();
    let t = tenant(s, "Acme").await;
    let off = EndpointChanges {
        sms_enabled: Some(false),
        ..Default::default()
    };
    s.update_endpoint(&t.scope(), &t.endpoint, off)
        .await
        .unwrap();
    let m = inbound(&db, &t, "+15556667777", "STOP", "SM1");
    assert_eq!(s.receive_message(m).await.unwrap(), Received::SmsDisabled);
    let page = s.list_messages(&all_messages(t.scope())).await.unwrap();
    assert_eq!(page.total, Some(0));
    assert!(
        s.list_opt_outs(&t.scope(), &t.endpoint)
            .await
            .unwrap()
            .is_empty()
    );
}
