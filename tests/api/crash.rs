//! Crash safety (issue #5): load SendMessage through the real binary, SIGKILL it at random
//! moments several times, restart it, let it drain; every message that got a 2xx must reach the
//! carrier simulator exactly once — none lost, none twice.

use crate::delivery_sim::{SID, TOKEN, spawn_sim};
use crate::durability::{cli_tenant, evo, start_server_with};
use evo::carrier::sim::Faults;
use serde_json::json;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

const KILLS: usize = 4;
const SENDERS: usize = 8;
const VALIDITY: &str = "30s";
const VALIDITY_MS: i64 = 30_000;

fn serve(dir: &Path, sim_url: &str) -> (std::process::Child, String) {
    start_server_with(
        dir,
        &[
            "--carrier",
            "twilio",
            "--twilio-base-url",
            sim_url,
            "--twilio-account-sid",
            SID,
            "--twilio-auth-token",
            TOKEN,
            "--node-id",
            "crash-node",
            "--lease",
            "3s",
            "--reconcile-grace",
            "500ms",
            "--retry-base",
            "50ms",
            "--retry-cap",
            "500ms",
            "--validity",
            VALIDITY,
        ],
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_message_reaches_the_carrier_exactly_once_across_sigkills() {
    // A little carrier latency widens the window between attempt and answer.
    let sim = spawn_sim(
        Faults {
            latency: Duration::from_millis(5),
            ..Faults::default()
        },
        Duration::from_millis(50),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let t = cli_tenant(dir.path());
    evo(
        dir.path(),
        &[
            "admin",
            "endpoint",
            "update",
            "--id",
            &t.endpoint,
            "--mps",
            "5000",
        ],
    );
    let (child, base) = serve(dir.path(), &sim.base_url());
    let child = Arc::new(Mutex::new(child));
    let base = Arc::new(RwLock::new(base));
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));

    let mut senders = tokio::task::JoinSet::new();
    for s in 0..SENDERS {
        let (base, acked, stop, key, endpoint) = (
            base.clone(),
            acked.clone(),
            stop.clone(),
            t.key.clone(),
            t.endpoint.clone(),
        );
        senders.spawn(async move {
            let client = crate::helpers::http_client();
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                n += 1;
                let body = format!("crash-{s}-{n}");
                let url = format!("{}/messages", base.read().unwrap());
                let res = client
                    .post(url)
                    .bearer_auth(&key)
                    .json(
                        &json!({"endpointId": endpoint, "toAddress": "+15556667777", "body": body}),
                    )
                    .timeout(Duration::from_secs(5))
                    .send()
                    .await;
                match res {
                    Ok(r) if r.status() == 200 => acked.lock().unwrap().push(body),
                    Ok(r) => assert!(r.status().is_success(), "unexpected {}", r.status()),
                    Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
                }
            }
        });
    }

    for _ in 0..KILLS {
        tokio::time::sleep(Duration::from_millis(fastrand::u64(300..1500))).await;
        child.lock().unwrap().kill().unwrap();
        child.lock().unwrap().wait().unwrap();
        let (next, next_base) = serve(dir.path(), &sim.base_url());
        *child.lock().unwrap() = next;
        *base.write().unwrap() = next_base;
    }
    // Enough acknowledged sends to mean something, however busy the machine is.
    let enough = tokio::time::Instant::now() + Duration::from_secs(30);
    while acked.lock().unwrap().len() < 200 && tokio::time::Instant::now() < enough {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    while senders.join_next().await.is_some() {}

    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() > 100, "the load was too light: {}", acked.len());
    // Let the last server drain.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let counts = loop {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for m in sim.messages() {
            *counts.entry(m.body).or_default() += 1;
        }
        if acked.iter().all(|b| counts.contains_key(b)) || tokio::time::Instant::now() > deadline {
            break counts;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let lost: Vec<&String> = acked.iter().filter(|b| !counts.contains_key(*b)).collect();
    let twice: Vec<(&String, &usize)> = counts.iter().filter(|(_, n)| **n > 1).collect();
    child.lock().unwrap().kill().unwrap();
    child.lock().unwrap().wait().unwrap();
    assert!(
        lost.is_empty(),
        "{} acknowledged messages never reached the carrier: {:?}",
        lost.len(),
        &lost[..lost.len().min(5)]
    );
    assert!(twice.is_empty(), "sent more than once: {twice:?}");
    // None reached the carrier after its validity period.
    let created = accepted_at(dir.path()).await;
    for m in sim.messages() {
        let accepted = created[&m.body];
        assert!(
            m.created_ms <= accepted + VALIDITY_MS,
            "{} reached the carrier {} ms after it was accepted",
            m.body,
            m.created_ms - accepted
        );
    }
    eprintln!(
        "crash test: {} acknowledged, {} at the carrier, {} kills",
        acked.len(),
        counts.len(),
        KILLS
    );
}

/// When each stored message was accepted, by body, read through the store evo left behind.
async fn accepted_at(dir: &Path) -> HashMap<String, i64> {
    let store = evo::store::open(
        crate::helpers::store_url(dir).as_deref(),
        dir,
        evo::clock::system(),
    )
    .await
    .unwrap();
    let mut created = HashMap::new();
    let mut offset = 0;
    loop {
        let page = store
            .list_messages(&evo::store::MessageQuery {
                scope: evo::domain::AccountScope::All,
                customer_ids: vec![],
                endpoint_ids: vec![],
                conversation_ids: vec![],
                specific_ids: vec![],
                after: None,
                sort: evo::store::MessageSort::Date,
                descending: false,
                offset,
                limit: 500,
                with_total: false,
            })
            .await
            .unwrap();
        if page.items.is_empty() {
            break;
        }
        offset += page.items.len() as u64;
        for m in page.items {
            created.insert(m.text, m.date.millis());
        }
    }
    store.shutdown().await;
    created
}
