//! The promises that must hold when several processes use one database at once. Each race runs
//! on two store handles (two processes, for SQLite two connections with their own writers on
//! one file), many callers at a time.

use crate::refused;
use crate::support::*;
use evo::domain::{
    CarrierStatus, DeliveryStatus, Idempotency, MessageId, Outcome, Received, Refusal, Role,
};
use evo::store::{NewUser, Store, StoreError};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinSet;

/// `n` callers alternating between the two handles, all started together.
async fn race<T, F, Fut>(handles: [&Arc<dyn Store>; 2], n: usize, call: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(Arc<dyn Store>, usize) -> Fut,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    let start = Arc::new(tokio::sync::Barrier::new(n));
    let mut set = JoinSet::new();
    for i in 0..n {
        let (store, start) = (handles[i % 2].clone(), start.clone());
        let work = call(store, i);
        set.spawn(async move {
            start.wait().await;
            work.await
        });
    }
    let mut out = Vec::with_capacity(n);
    while let Some(done) = set.join_next().await {
        out.push(done.expect("caller panicked"));
    }
    out
}

pub async fn one_idempotency_key_raced_from_two_processes_makes_one_message(db: Db) {
    let t = tenant(db.store.as_ref(), "Acme").await;
    let (one, two) = (db.handle().await, db.handle().await);
    let keyed = |hash: u8, text: &str| {
        let mut m = outgoing(&db, &t, "+15556667777", text);
        m.idempotency = Some(Idempotency {
            user: t.user.clone(),
            key: "order-42".into(),
            request_hash: [hash; 32],
        });
        m
    };
    let scope = t.scope();
    let results = race([&one, &two], 16, |store, i| {
        // Two in sixteen carry other fields under the same key.
        let m = if i % 8 == 7 {
            keyed(2, "other fields")
        } else {
            keyed(1, "the order")
        };
        let scope = scope.clone();
        async move { store.send_message(&scope, m).await }
    })
    .await;
    let mut ids = HashSet::new();
    let mut reused = 0;
    for r in results {
        match r {
            Ok(m) => {
                ids.insert(m.id);
            }
            Err(StoreError::Refused(Refusal::IdempotencyKeyReused(_))) => reused += 1,
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(ids.len(), 1, "one message, the others replay it");
    // The fields of whichever came first win; the others are refused.
    assert!(reused == 2 || reused == 14, "{reused} refused");
    let page = db
        .store
        .list_messages(&crate::messaging::all_messages(t.scope()))
        .await
        .unwrap();
    assert_eq!(page.total, Some(1));
    assert_eq!(db.store.outbox_stats().await.unwrap().depth, 1);
}

pub async fn one_inbound_sid_raced_from_two_processes_is_stored_once(db: Db) {
    let t = tenant(db.store.as_ref(), "Acme").await;
    let (one, two) = (db.handle().await, db.handle().await);
    let m = inbound(&db, &t, "+15556667777", "HELP", "SMraced");
    let results = race([&one, &two], 12, |store, _| {
        let m = m.clone();
        async move { store.receive_message(m).await.expect("received") }
    })
    .await;
    let stored: Vec<MessageId> = results
        .iter()
        .filter_map(|r| match r {
            Received::Stored { message, .. } => Some(message.id.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(stored.len(), 1, "{results:?}");
    assert!(
        results.iter().all(|r| matches!(r, Received::Stored { .. })
            || r == &Received::Duplicate(stored[0].clone())),
        "{results:?}"
    );
    let page = db
        .store
        .list_messages(&crate::messaging::all_messages(t.scope()))
        .await
        .unwrap();
    // The message and one HELP reply: the keyword acted on once.
    assert_eq!(page.total, Some(2));
}

pub async fn no_row_is_held_by_two_live_leases(db: Db) {
    let t = tenant(db.store.as_ref(), "Acme").await;
    for i in 0..60 {
        send(&db, &t, "+15556667777", &format!("m{i}")).await;
    }
    let (one, two) = (db.handle().await, db.handle().await);
    let now = db.now();
    // Eight workers claim ten at a time, at the same instant, until the outbox is empty.
    let claims = race([&one, &two], 8, |store, i| {
        let mut c = claim(&db, &format!("w{i}"), 10_000);
        c.now = now;
        c.limit = 10;
        async move {
            let mut mine = Vec::new();
            loop {
                let got = store.claim_outbox(c.clone()).await.expect("claim");
                if got.is_empty() {
                    return mine;
                }
                mine.extend(got);
            }
        }
    })
    .await;
    let mut seen = HashSet::new();
    for item in claims.into_iter().flatten() {
        assert!(
            seen.insert(item.message_id.clone()),
            "{} claimed twice",
            item.message_id
        );
    }
    assert_eq!(seen.len(), 60, "every row claimed once");
}

pub async fn a_lease_holder_that_lost_its_lease_changes_nothing(db: Db) {
    let t = tenant(db.store.as_ref(), "Acme").await;
    let m = send(&db, &t, "+15556667777", "contested").await;
    let (one, two) = (db.handle().await, db.handle().await);
    let mut c = claim(&db, "slow", 1_000);
    c.limit = 1;
    let old = one.claim_outbox(c).await.unwrap().remove(0);
    db.advance(Duration::from_millis(1_500));
    let new = claim_one(&db, two.as_ref(), "fast").await;
    // The slow node comes back: none of its writes but `Accepted` count any more.
    let lost = [
        Outcome::Refused {
            error: "late refusal".into(),
        },
        Outcome::Retry {
            error: "late retry".into(),
            due: db.now(),
        },
        Outcome::Defer { due: db.now() },
        Outcome::Abandon {
            error: "late".into(),
        },
    ];
    for outcome in lost {
        one.record_outcome(&old.message_id, &old.lease, outcome, db.now())
            .await
            .unwrap();
    }
    assert!(
        one.record_attempt(&old.message_id, &old.lease, db.now(), 1_000)
            .await
            .unwrap()
            .is_none(),
        "no attempt under a lost lease"
    );
    let info = db.store.delivery_info(&t.scope(), &m.id).await.unwrap();
    assert_eq!(info.status, DeliveryStatus::Sending);
    assert_eq!(info.last_error, None);
    assert_eq!(db.store.outbox_stats().await.unwrap().depth, 1);
    // The carrier having the message is kept whoever holds the lease.
    one.record_outcome(
        &old.message_id,
        &old.lease,
        Outcome::Accepted {
            sid: "SMslow".into(),
            delivered: false,
        },
        db.now(),
    )
    .await
    .unwrap();
    let info = db.store.delivery_info(&t.scope(), &m.id).await.unwrap();
    assert_eq!(info.status, DeliveryStatus::Sent);
    assert_eq!(info.carrier_sid.as_deref(), Some("SMslow"));
    // The new holder's later word cannot undo it.
    two.record_outcome(
        &new.message_id,
        &new.lease,
        Outcome::Refused {
            error: "after the fact".into(),
        },
        db.now(),
    )
    .await
    .unwrap();
    let info = db.store.delivery_info(&t.scope(), &m.id).await.unwrap();
    assert_eq!(info.status, DeliveryStatus::Sent);
}

pub async fn racing_callbacks_never_move_a_status_back(db: Db) {
    let t = tenant(db.store.as_ref(), "Acme").await;
    let mut ids = Vec::new();
    for i in 0..10 {
        ids.push(send(&db, &t, "+15556667777", &format!("m{i}")).await.id);
    }
    let items = db
        .store
        .claim_outbox(claim(&db, "w", 10_000))
        .await
        .unwrap();
    for (i, item) in items.iter().enumerate() {
        let accepted = Outcome::Accepted {
            sid: format!("SM{i}"),
            delivered: false,
        };
        db.store
            .record_outcome(&item.message_id, &item.lease, accepted, db.now())
            .await
            .unwrap();
    }
    let (one, two) = (db.handle().await, db.handle().await);
    let at = db.now();
    // For each message: sent, delivered, sent again, queued-looking sending, all at once.
    let statuses = [
        DeliveryStatus::Sent,
        DeliveryStatus::Delivered,
        DeliveryStatus::Sent,
        DeliveryStatus::Sending,
    ];
    race([&one, &two], 40, |store, i| {
        let update = CarrierStatus {
            sid: format!("SM{}", i % 10),
            message_id: None,
            status: statuses[i / 10],
            error: None,
            at,
            carrier: server_wide(),
        };
        async move { store.apply_carrier_status(update).await.expect("applied") }
    })
    .await;
    for id in &ids {
        let info = db.store.delivery_info(&t.scope(), id).await.unwrap();
        assert_eq!(info.status, DeliveryStatus::Delivered, "{id}");
    }
}

pub async fn racing_user_creations_of_one_email_make_one_user(db: Db) {
    let t = tenant(db.store.as_ref(), "Acme").await;
    let (one, two) = (db.handle().await, db.handle().await);
    let results = race([&one, &two], 10, |store, i| {
        let user = NewUser {
            email: if i % 2 == 0 {
                "Race@Example.com".into()
            } else {
                "race@example.com".into()
            },
            first_name: None,
            last_name: None,
            password_hash: "h".into(),
            roles: vec![Role::User],
            accounts: vec![t.account.clone()],
        };
        async move { store.create_user(user).await }
    })
    .await;
    let created = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(created, 1);
    for r in results.into_iter().filter(|r| r.is_err()) {
        refused!(r, Refusal::EmailTaken(_));
    }
}

pub async fn a_conversation_raced_into_from_two_processes_has_one_open_session(db: Db) {
    let t = tenant(db.store.as_ref(), "Acme").await;
    let (one, two) = (db.handle().await, db.handle().await);
    let scope = t.scope();
    let sent = race([&one, &two], 12, |store, i| {
        let m = outgoing(&db, &t, "+15556667777", &format!("m{i}"));
        let scope = scope.clone();
        async move { store.send_message(&scope, m).await.expect("sent") }
    })
    .await;
    let conversations: HashSet<_> = sent.iter().map(|m| m.conversation_id.clone()).collect();
    let sessions: HashSet<_> = sent.iter().map(|m| m.session_id.clone()).collect();
    assert_eq!(conversations.len(), 1);
    assert_eq!(sessions.len(), 1);
}
