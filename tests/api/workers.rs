//! Several workers on one outbox, and a worker that died mid-hand-off: no message is handed to
//! the carrier twice, and none is lost.

use crate::delivery::delivery_until;
use crate::delivery_sim::{SID, TOKEN, quick_config, spawn_sim};
use crate::helpers::*;
use evo::carrier::sim::{Faults, SimHandle};
use evo::carrier::{Carrier, CarrierCredentials, OutgoingSms, TwilioCarrier};
use evo::clock::{ManualClock, SharedClock};
use evo::domain::{AccountScope, EndpointChanges, EndpointId, MessageId, OutboxItem, Plan};
use evo::server::{DeliveryConfig, DeliveryWorker};
use evo::store::Claim;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

fn carrier(sim: &SimHandle) -> Arc<TwilioCarrier> {
    Arc::new(
        TwilioCarrier::new(
            &sim.base_url(),
            CarrierCredentials {
                account_sid: SID.into(),
                auth_token: TOKEN.into(),
            },
            Duration::from_millis(400),
        )
        .unwrap(),
    )
}

/// A server that does not deliver (an API-only node) and its tenant, sending unpaced.
async fn api_node(sim: &SimHandle) -> (TestApp, Tenant) {
    api_node_on(sim, evo::clock::system()).await
}

/// `api_node` on the clock a test moves.
async fn api_node_on(sim: &SimHandle, clock: SharedClock) -> (TestApp, Tenant) {
    let config = DeliveryConfig {
        worker: false,
        ..quick_config()
    };
    let app = spawn_app_clocked(carrier(sim), config, clock).await;
    let t = app.tenant("Acme").await;
    app.store
        .update_endpoint(
            &AccountScope::All,
            &EndpointId::from_string(&t.endpoint),
            EndpointChanges {
                mps: Some(10_000.0),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    (app, t)
}

/// Starts a worker named `node` on the app's store; it stops when the sender drops.
fn start_worker(app: &TestApp, sim: &SimHandle, node: &str) -> watch::Sender<bool> {
    let (stop, stopped) = watch::channel(false);
    let config = DeliveryConfig {
        node_id: node.into(),
        public_url: Some(format!("http://{}", app.addr)),
        ..quick_config()
    };
    let worker = DeliveryWorker::new(app.store.clone(), carrier(sim), config, app.clock.clone());
    tokio::spawn(worker.run(stopped));
    stop
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_workers_on_one_outbox_hand_each_message_over_once() {
    let sim = spawn_sim(Faults::default(), Duration::from_millis(10)).await;
    let (app, t) = api_node(&sim).await;
    let stops: Vec<_> = ["w1", "w2", "w3"]
        .iter()
        .map(|n| start_worker(&app, &sim, n))
        .collect();
    let mut sends = tokio::task::JoinSet::new();
    for i in 0..300 {
        let (client, url, key, endpoint) = (
            app.client.clone(),
            app.url("/messages"),
            t.key.clone(),
            t.endpoint.clone(),
        );
        sends.spawn(async move {
            let res = client
                .post(url)
                .bearer_auth(key)
                .json(&serde_json::json!({"endpointId": endpoint, "toAddress": "+15556667777", "body": format!("w-{i}")}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
        });
    }
    while sends.join_next().await.is_some() {}
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while sim.messages().len() < 300 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Give any duplicate the chance to show up.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut counts: HashMap<String, usize> = HashMap::new();
    for m in sim.messages() {
        *counts.entry(m.body).or_default() += 1;
    }
    assert_eq!(counts.len(), 300, "every message reached the carrier");
    assert!(counts.values().all(|n| *n == 1), "none twice");
    drop(stops);
}

/// A node claims a message (the claim records its attempt), then dies: no outcome is ever
/// recorded.
async fn ghost_attempt(app: &TestApp, lease_ms: i64) -> OutboxItem {
    let claim = Claim {
        owner: "ghost".into(),
        now: app.clock.now(),
        lease_ms,
        limit: 10,
        validity_ms: 3_600_000,
        pacer: None,
    };
    let claimed = app.store.claim_outbox(claim).await.unwrap();
    assert_eq!(claimed.len(), 1);
    let item = claimed.into_iter().next().unwrap();
    assert!(
        matches!(item.plan, Plan::Send { .. }),
        "unpaced, the claim carries the attempt: {item:?}"
    );
    item
}

/// Lets the survivor poll a few times (it polls on real time, and reads the clock).
async fn a_few_polls() {
    tokio::time::sleep(Duration::from_millis(600)).await;
}

#[tokio::test]
async fn a_dead_nodes_attempt_that_never_reached_the_carrier_is_sent_once_after_its_lease() {
    let sim = spawn_sim(Faults::default(), Duration::from_millis(10)).await;
    let clock = ManualClock::new();
    let (app, t) = api_node_on(&sim, clock.clone()).await;
    let id = app.send(&t, "+15556667777", "orphan").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ghost_attempt(&app, 10_000).await;
    let _worker = start_worker(&app, &sim, "survivor");
    // While the ghost's lease runs, nobody touches the message, however long that takes.
    a_few_polls().await;
    clock.advance(Duration::from_millis(9_000));
    a_few_polls().await;
    assert_eq!(sim.messages().len(), 0);
    let info = delivery_until(&app, &t, &id, |_| true).await;
    assert_eq!(info["attempts"], 1, "{info}");
    // Past the lease (and the carrier timeout plus grace): reconciled, found absent, sent.
    clock.advance(Duration::from_millis(2_000));
    let info = delivery_until(&app, &t, &id, |i| i["status"] == "Delivered").await;
    assert_eq!(info["status"], "Delivered", "{info}");
    assert_eq!(info["attempts"], 2);
    assert_eq!(sim.messages().len(), 1);
}

#[tokio::test]
async fn a_dead_nodes_attempt_that_did_reach_the_carrier_is_found_not_resent() {
    let sim = spawn_sim(Faults::default(), Duration::from_millis(10)).await;
    let clock = ManualClock::new();
    let (app, t) = api_node_on(&sim, clock.clone()).await;
    let id = app.send(&t, "+15556667777", "sent then died").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let item = ghost_attempt(&app, 10_000).await;
    // The ghost's request reached the carrier; the ghost died before writing the answer.
    let accepted = carrier(&sim)
        .send(&OutgoingSms {
            message_id: MessageId::from_string(&id),
            from: item.from.clone(),
            to: item.to.clone(),
            body: item.body.clone(),
            status_callback: None,
            validity_secs: None,
            credentials: None,
        })
        .await
        .unwrap();
    let _worker = start_worker(&app, &sim, "survivor");
    clock.advance(Duration::from_millis(11_000));
    let info = delivery_until(&app, &t, &id, |i| i["status"] == "Sent").await;
    assert_eq!(info["status"], "Sent", "{info}");
    assert_eq!(info["carrierSid"], accepted.sid.as_str());
    assert_eq!(info["attempts"], 1, "reconciled, not sent again");
    // Sent is final for the outbox: the row is gone, so nothing can send it again.
    assert_eq!(app.store.outbox_stats().await.unwrap().depth, 0);
    assert_eq!(sim.messages().len(), 1);
}
