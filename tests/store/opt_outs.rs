//! Opt-outs: the keywords, the admin calls and sending agree on one list.

use crate::refused;
use crate::support::*;
use evo::domain::{Direction, Missing, Received, Refusal};
use std::time::Duration;

pub async fn stop_and_start_keywords_and_the_admin_calls_agree(db: Db) {
    let s = db.store.as_ref();
    let t = tenant(s, "Acme").await;
    let scope = t.scope();
    let who = "+15556667777";
    let stop = s
        .receive_message(inbound(&db, &t, who, " stop ", "SM1"))
        .await
        .unwrap();
    assert!(matches!(stop, Received::Stored { replied: false, .. }));
    let list = s.list_opt_outs(&scope, &t.endpoint).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].address, who);
    let first_date = list[0].created;
    refused!(
        s.send_message(&scope, outgoing(&db, &t, who, "promo"))
            .await,
        Refusal::RecipientOptedOut(_)
    );
    db.advance(Duration::from_secs(10));
    let again = s
        .add_opt_out(&scope, &t.endpoint, &phone(who))
        .await
        .unwrap();
    assert_eq!(
        again.created, first_date,
        "adding again keeps the first date"
    );
    s.receive_message(inbound(&db, &t, who, "START", "SM2"))
        .await
        .unwrap();
    assert!(
        s.list_opt_outs(&scope, &t.endpoint)
            .await
            .unwrap()
            .is_empty()
    );
    send(&db, &t, who, "welcome back").await;
    refused!(
        s.remove_opt_out(&scope, &t.endpoint, &phone(who)).await,
        Refusal::NotFound(Missing::OptOut { .. })
    );
    s.add_opt_out(&scope, &t.endpoint, &phone(who))
        .await
        .unwrap();
    s.remove_opt_out(&scope, &t.endpoint, &phone(who))
        .await
        .unwrap();
    assert!(
        s.list_opt_outs(&scope, &t.endpoint)
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn help_is_answered_with_the_endpoints_text(db: Db) {
    let s = db.store.as_ref();
    let t = tenant(s, "Acme").await;
    let help = s
        .receive_message(inbound(&db, &t, "+15556667777", "HELP", "SM1"))
        .await
        .unwrap();
    assert!(matches!(help, Received::Stored { replied: true, .. }));
    let changes = evo::domain::EndpointChanges {
        help_text: Some("Acme: call 555-0100".into()),
        ..Default::default()
    };
    s.update_endpoint(&t.scope(), &t.endpoint, changes)
        .await
        .unwrap();
    s.receive_message(inbound(&db, &t, "+15556667777", "info", "SM2"))
        .await
        .unwrap();
    let page = s
        .list_messages(&crate::messaging::all_messages(t.scope()))
        .await
        .unwrap();
    let replies: Vec<&str> = page
        .items
        .iter()
        .filter(|m| m.direction == Direction::Outgoing)
        .map(|m| m.text.as_str())
        .collect();
    assert_eq!(replies.len(), 2, "{replies:?}");
    assert!(
        replies[0].contains("Acme line"),
        "the default names the endpoint: {replies:?}"
    );
    assert_eq!(replies[1], "Acme: call 555-0100");
    assert_eq!(
        s.outbox_stats().await.unwrap().depth,
        2,
        "replies are queued"
    );
}
