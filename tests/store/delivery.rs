//! The outbox and delivery state: what a claim plans, what each outcome does, reconciliation,
//! expiry, pacing, status callbacks and the upkeep sweep.

use crate::refused;
use crate::support::*;
use evo::domain::{
    CarrierAccount, CarrierStatus, DeliveryRecord, DeliveryStatus, Idempotency, MessageId, Outcome,
    Pacer, Plan, Refusal, StatusApplied,
};
use evo::store::Store;
use std::sync::{Arc, Mutex};
use std::time::Duration;

async fn record(db: &Db, id: &MessageId) -> DeliveryRecord {
    db.store
        .delivery_info(&evo::domain::AccountScope::All, id)
        .await
        .expect("delivery info")
}

async fn settle(db: &Db, store: &dyn Store, item: &evo::domain::OutboxItem, outcome: Outcome) {
    store
        .record_outcome(&item.message_id, &item.lease, outcome, db.now())
        .await
        .expect("outcome recorded");
}

fn accepted(sid: &str) -> Outcome {
    Outcome::Accepted {
        sid: sid.into(),
        delivered: false,
    }
}

fn callback(db: &Db, sid: &str, status: DeliveryStatus) -> CarrierStatus {
    CarrierStatus {
        sid: sid.into(),
        message_id: None,
        status,
        error: None,
        at: db.now(),
        carrier: server_wide(),
    }
}

pub async fn a_claim_plans_each_row_and_records_the_attempt_with_it(db: Db) {
    let t = tenant(db.store.as_ref(), "Acme").await;
    let a = send(&db, &t, "+15556667777", "one").await;
    let b = send(&db, &t, "+15556667777", "two").await;
    let items = db
        .store
        .claim_outbox(claim(&db, "w1", 10_000))
        .await
        .unwrap();
    assert_eq!(
        items.iter().map(|i| &i.message_id).collect::<Vec<_>>(),
        vec![&a.id, &b.id],
        "oldest due first"
    );
    for item in &items {
        assert_eq!(item.plan, Plan::Send { at: db.now() });
        assert_eq!(item.attempts, 1);
        assert_eq!(item.lease.owner, "w1");
        assert_eq!(item.lease.until, db.now().plus_millis(10_000));
        assert_eq!(item.to, "+15556667777");
        assert_eq!(item.from, t.number);
        let r = record(&db, &item.message_id).await;
        assert_eq!(r.status, DeliveryStatus::Sending);
        assert_eq!(r.attempts, 1, "the claim is the attempt record");
    }
    let again = db
        .handle()
        .await
        .claim_outbox(claim(&db, "w2", 10_000))
        .await
        .unwrap();
    assert!(again.is_empty(), "leased rows are not claimed twice");
    assert_eq!(db.store.outbox_stats().await.unwrap().depth, 2);
    // A restarted node takes back its own leases at once.
    assert_eq!(db.store.reclaim_leases("w1").await.unwrap(), 2);
    let back = db
        .store
        .claim_outbox(claim(&db, "w1", 10_000))
        .await
        .unwrap();
    assert!(
        back.iter().all(|i| i.plan == Plan::Reconcile),
        "an attempt on record with no answer is asked about first: {back:?}"
    );
}

pub async fn each_outcome_settles_the_message_as_documented(db: Db) {
    let s = db.store.as_ref();
    let t = tenant(s, "Acme").await;
    let mut ids = Vec::new();
    for text in [
        "sent",
        "delivered",
        "refused",
        "retried",
        "expired",
        "deferred",
        "abandoned",
    ] {
        ids.push(send(&db, &t, "+15556667777", text).await.id);
    }
    let items = s.claim_outbox(claim(&db, "w", 10_000)).await.unwrap();
    assert_eq!(items.len(), 7);
    let later = db.now().plus_millis(5_000);
    let outcomes = [
        accepted("SMsent"),
        Outcome::Accepted {
            sid: "SMdelivered".into(),
            delivered: true,
        },
        Outcome::Refused {
            error: "21211: invalid To".into(),
        },
        Outcome::Retry {
            error: "429 busy".into(),
            due: later,
        },
        Outcome::Expired {
            error: "too late".into(),
        },
        Outcome::Defer { due: later },
        Outcome::Abandon {
            error: "cannot tell".into(),
        },
    ];
    for (item, outcome) in items.iter().zip(outcomes) {
        settle(&db, s, item, outcome).await;
    }
    let r: Vec<DeliveryRecord> = {
        let mut v = Vec::new();
        for id in &ids {
            v.push(record(&db, id).await);
        }
        v
    };
    assert_eq!(r[0].status, DeliveryStatus::Sent);
    assert_eq!(r[0].carrier_sid.as_deref(), Some("SMsent"));
    assert_eq!(r[0].sent, Some(db.now()));
    assert_eq!(r[0].finished, None);
    assert_eq!(r[1].status, DeliveryStatus::Delivered);
    assert_eq!(r[1].finished, Some(db.now()));
    assert_eq!(r[2].status, DeliveryStatus::Failed);
    assert_eq!(r[2].last_error.as_deref(), Some("21211: invalid To"));
    assert!(r[2].finished.is_some());
    assert_eq!(r[3].status, DeliveryStatus::Sending);
    assert_eq!(r[3].last_error.as_deref(), Some("429 busy"));
    assert_eq!(r[4].status, DeliveryStatus::Expired);
    assert_eq!(
        r[5].status,
        DeliveryStatus::Sending,
        "a deferral changes nothing"
    );
    assert_eq!(r[6].status, DeliveryStatus::Unknown);
    assert_eq!(r[6].last_error.as_deref(), Some("cannot tell"));
    // Left in the outbox: the retried and the deferred one, due later.
    assert_eq!(s.outbox_stats().await.unwrap().depth, 2);
    assert!(
        s.claim_outbox(claim(&db, "w", 10_000))
            .await
            .unwrap()
            .is_empty()
    );
    db.advance(Duration::from_secs(5));
    let back = s.claim_outbox(claim(&db, "w", 10_000)).await.unwrap();
    let back_ids: Vec<&MessageId> = back.iter().map(|i| &i.message_id).collect();
    assert_eq!(back_ids, vec![&ids[3], &ids[5]]);
    let retried = &back[0];
    assert_eq!(
        retried.plan,
        Plan::Send { at: db.now() },
        "a retry is sent, not reconciled"
    );
    assert_eq!(retried.attempts, 2);
}

pub async fn an_unanswered_attempt_is_reconciled_on_the_next_claim(db: Db) {
    let s = db.store.as_ref();
    let t = tenant(s, "Acme").await;
    let ambiguous = send(&db, &t, "+15556667777", "no answer").await;
    let crashed = send(&db, &t, "+15556667777", "node died").await;
    let items = s.claim_outbox(claim(&db, "w", 1_000)).await.unwrap();
    let item = items.iter().find(|i| i.message_id == ambiguous.id).unwrap();
    let due = db.now().plus_millis(500);
    settle(
        &db,
        s,
        item,
        Outcome::Ambiguous {
            error: "timed out".into(),
            due,
        },
    )
    .await;
    assert_eq!(
        record(&db, &ambiguous.id).await.status,
        DeliveryStatus::Unknown
    );
    // The other row's lease lapses with no outcome (its node died mid-call).
    db.advance(Duration::from_millis(1_000));
    let other = db.handle().await;
    let back = other.claim_outbox(claim(&db, "w2", 1_000)).await.unwrap();
    assert_eq!(back.len(), 2);
    assert!(back.iter().all(|i| i.plan == Plan::Reconcile), "{back:?}");
    let died = back.iter().find(|i| i.message_id == crashed.id).unwrap();
    assert_eq!(died.attempts, 1, "reconciling is not another attempt");
    // Found absent, the holder records a fresh attempt and sends.
    let renewed = other
        .record_attempt(&died.message_id, &died.lease, db.now(), 1_000)
        .await
        .unwrap()
        .expect("still the holder");
    assert_eq!(renewed.owner, "w2");
    assert_eq!(record(&db, &crashed.id).await.attempts, 2);
}

pub async fn a_row_past_its_validity_is_planned_to_expire(db: Db) {
    let s = db.store.as_ref();
    let t = tenant(s, "Acme").await;
    let m = send(&db, &t, "+15556667777", "stale").await;
    db.advance(Duration::from_secs(2));
    let mut c = claim(&db, "w", 10_000);
    c.validity_ms = 1_000;
    let items = s.claim_outbox(c).await.unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].plan, Plan::Expire);
    assert_eq!(
        record(&db, &m.id).await.attempts,
        0,
        "no attempt for an expired row"
    );
    settle(
        &db,
        s,
        &items[0],
        Outcome::Expired {
            error: "validity".into(),
        },
    )
    .await;
    let r = record(&db, &m.id).await;
    assert_eq!(r.status, DeliveryStatus::Expired);
    assert_eq!(s.outbox_stats().await.unwrap().depth, 0);
}

pub async fn pacing_defers_rows_beyond_the_horizon_unleased(db: Db) {
    let s = db.store.as_ref();
    let t = tenant(s, "Acme").await;
    // A long code paces at one segment per second by default.
    let mut ids = Vec::new();
    for text in ["p1", "p2", "p3"] {
        ids.push(send(&db, &t, "+15556667777", text).await.id);
    }
    let pacer = Arc::new(Mutex::new(Pacer::new(1_000)));
    let mut c = claim(&db, "w", 10_000);
    c.pacer = Some(pacer.clone());
    let items = s.claim_outbox(c.clone()).await.unwrap();
    let now = db.now();
    assert_eq!(items.len(), 2, "{items:?}");
    assert_eq!(items[0].plan, Plan::Send { at: now });
    assert_eq!(
        items[1].plan,
        Plan::SendAt {
            at: now.plus_millis(1_000)
        }
    );
    // Waiting for its slot is not an attempt: a crash now leaves it plainly queued.
    let waiting = record(&db, &ids[1]).await;
    assert_eq!(waiting.attempts, 0);
    assert_eq!(waiting.status, DeliveryStatus::Queued);
    // The third is beyond the horizon: put back unleased, due at its slot.
    assert_eq!(record(&db, &ids[2]).await.attempts, 0);
    db.advance(Duration::from_secs(10));
    c.now = db.now();
    c.pacer = None;
    let back = s.claim_outbox(c).await.unwrap();
    let by_id = |id: &MessageId| back.iter().find(|i| &i.message_id == id).unwrap();
    assert_eq!(
        by_id(&ids[0]).plan,
        Plan::Reconcile,
        "p1's attempt is on record"
    );
    assert_eq!(
        by_id(&ids[1]).plan,
        Plan::Send { at: db.now() },
        "p2 was never handed over: sent, not reconciled"
    );
    assert_eq!(by_id(&ids[2]).plan, Plan::Send { at: db.now() });
}

pub async fn callbacks_in_any_order_only_move_forward(db: Db) {
    let s = db.store.as_ref();
    let t = tenant(s, "Acme").await;
    let m = send(&db, &t, "+15556667777", "x").await;
    let item = claim_one(&db, s, "w").await;
    settle(&db, s, &item, accepted("SM1")).await;
    let apply = |status| s.apply_carrier_status(callback(&db, "SM1", status));
    assert_eq!(
        apply(DeliveryStatus::Delivered).await.unwrap(),
        StatusApplied::Moved
    );
    assert_eq!(
        apply(DeliveryStatus::Sent).await.unwrap(),
        StatusApplied::Unchanged
    );
    assert_eq!(
        apply(DeliveryStatus::Delivered).await.unwrap(),
        StatusApplied::Unchanged
    );
    assert_eq!(
        apply(DeliveryStatus::Undelivered).await.unwrap(),
        StatusApplied::Unchanged,
        "a final status is final"
    );
    let r = record(&db, &m.id).await;
    assert_eq!(r.status, DeliveryStatus::Delivered);
    assert!(r.finished.is_some());
    let mut failed = callback(&db, "SM1", DeliveryStatus::Failed);
    failed.error = Some("30003".into());
    s.apply_carrier_status(failed).await.unwrap();
    assert_eq!(record(&db, &m.id).await.last_error, None);
}

pub async fn an_early_callback_waits_for_its_sid(db: Db) {
    let s = db.store.as_ref();
    let t = tenant(s, "Acme").await;
    let m = send(&db, &t, "+15556667777", "quick carrier").await;
    let item = claim_one(&db, s, "w").await;
    // The carrier's callbacks overtake the worker's write of the sid.
    for status in [DeliveryStatus::Delivered, DeliveryStatus::Sent] {
        assert_eq!(
            s.apply_carrier_status(callback(&db, "SMfast", status))
                .await
                .unwrap(),
            StatusApplied::Pending
        );
    }
    settle(&db, s, &item, accepted("SMfast")).await;
    let r = record(&db, &m.id).await;
    assert_eq!(r.status, DeliveryStatus::Delivered);
    assert_eq!(r.carrier_sid.as_deref(), Some("SMfast"));
    // A callback whose URL names a message still being reconciled gives it its sid.
    let n = send(&db, &t, "+15556667777", "reconciling").await;
    let item = claim_one(&db, s, "w").await;
    settle(
        &db,
        s,
        &item,
        Outcome::Ambiguous {
            error: "timeout".into(),
            due: db.now().plus_millis(60_000),
        },
    )
    .await;
    let mut named = callback(&db, "SMnamed", DeliveryStatus::Delivered);
    named.message_id = Some(n.id.clone());
    assert_eq!(
        s.apply_carrier_status(named).await.unwrap(),
        StatusApplied::Moved
    );
    let r = record(&db, &n.id).await;
    assert_eq!(r.carrier_sid.as_deref(), Some("SMnamed"));
    assert_eq!(r.status, DeliveryStatus::Delivered);
    assert_eq!(
        s.outbox_stats().await.unwrap().depth,
        0,
        "settled: out of the outbox"
    );
}

pub async fn a_carrier_account_moves_only_its_own_accounts_messages(db: Db) {
    let s = db.store.as_ref();
    let t = tenant(s, "Acme").await;
    s.set_account_carrier(&t.account, "ACacme", "tok")
        .await
        .unwrap();
    let m = send(&db, &t, "+15556667777", "x").await;
    let item = claim_one(&db, s, "w").await;
    settle(&db, s, &item, accepted("SMacme")).await;
    let mut by_server = callback(&db, "SMacme", DeliveryStatus::Delivered);
    by_server.message_id = Some(m.id.clone());
    assert_eq!(
        s.apply_carrier_status(by_server).await.unwrap(),
        StatusApplied::Unchanged
    );
    assert_eq!(record(&db, &m.id).await.status, DeliveryStatus::Sent);
    let mut by_own = callback(&db, "SMacme", DeliveryStatus::Delivered);
    by_own.carrier = CarrierAccount {
        signed_by: "ACacme".into(),
        server_wide: Some(SERVER_SID.into()),
    };
    assert_eq!(
        s.apply_carrier_status(by_own).await.unwrap(),
        StatusApplied::Moved
    );
}

pub async fn a_carrier_sid_belongs_to_one_message(db: Db) {
    let s = db.store.as_ref();
    let t = tenant(s, "Acme").await;
    let a = send(&db, &t, "+15556667777", "a").await;
    let b = send(&db, &t, "+15556667777", "b").await;
    let items = s.claim_outbox(claim(&db, "w", 10_000)).await.unwrap();
    settle(&db, s, &items[0], accepted("SMone")).await;
    refused!(
        s.record_outcome(
            &items[1].message_id,
            &items[1].lease,
            accepted("SMone"),
            db.now()
        )
        .await,
        Refusal::CarrierSidTaken(_)
    );
    assert_eq!(record(&db, &b.id).await.carrier_sid, None);
    assert_eq!(
        record(&db, &a.id).await.carrier_sid.as_deref(),
        Some("SMone")
    );
    let used = s
        .sids_in_use(vec!["SMone".into(), "SMother".into()])
        .await
        .unwrap();
    assert_eq!(used, vec!["SMone".to_owned()]);
}

pub async fn expired_keys_and_callbacks_are_purged(db: Db) {
    let s = db.store.as_ref();
    let t = tenant(s, "Acme").await;
    let mut keyed = outgoing(&db, &t, "+15556667777", "keyed");
    keyed.idempotency = Some(Idempotency {
        user: t.user.clone(),
        key: "k".into(),
        request_hash: [1; 32],
    });
    s.send_message(&t.scope(), keyed).await.unwrap();
    s.apply_carrier_status(callback(&db, "SMnever", DeliveryStatus::Delivered))
        .await
        .unwrap();
    assert_eq!(
        s.purge_expired(db.now()).await.unwrap(),
        0,
        "nothing is old yet"
    );
    db.advance(Duration::from_secs(8 * 24 * 3600));
    assert_eq!(s.purge_expired(db.now()).await.unwrap(), 2);
    // The forgotten callback no longer applies to a message that later takes the sid.
    let item = claim_one(&db, s, "w").await;
    settle(&db, s, &item, accepted("SMnever")).await;
    assert_eq!(
        record(&db, &item.message_id).await.status,
        DeliveryStatus::Sent
    );
}

pub async fn a_batch_of_outcomes_answers_for_each_row(db: Db) {
    let s = db.store.as_ref();
    let t = tenant(s, "Acme").await;
    for text in ["a", "b", "c"] {
        send(&db, &t, "+15556667777", text).await;
    }
    let items = s.claim_outbox(claim(&db, "w", 10_000)).await.unwrap();
    let outcome_of = |item: &evo::domain::OutboxItem, outcome| evo::store::OutcomeRecord {
        id: item.message_id.clone(),
        lease: item.lease.clone(),
        outcome,
        now: db.now(),
    };
    // The middle one claims a sid the first takes in the same batch.
    let answers = s
        .record_outcomes(vec![
            outcome_of(&items[0], accepted("SMsame")),
            outcome_of(&items[1], accepted("SMsame")),
            outcome_of(
                &items[2],
                Outcome::Refused {
                    error: "21610: unsubscribed".into(),
                },
            ),
        ])
        .await
        .unwrap();
    assert!(answers[0].is_ok());
    assert!(matches!(
        answers[1],
        Err(evo::store::StoreError::Refused(Refusal::CarrierSidTaken(_)))
    ));
    assert!(answers[2].is_ok());
    assert_eq!(
        record(&db, &items[0].message_id).await.status,
        DeliveryStatus::Sent
    );
    let refused = record(&db, &items[1].message_id).await;
    assert_eq!(
        refused.status,
        DeliveryStatus::Sending,
        "nothing written for it"
    );
    assert_eq!(refused.carrier_sid, None);
    assert_eq!(
        record(&db, &items[2].message_id).await.status,
        DeliveryStatus::Failed
    );
    assert_eq!(s.outbox_stats().await.unwrap().depth, 1);
}
