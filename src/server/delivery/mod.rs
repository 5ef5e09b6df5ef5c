//! The delivery worker: claims due outbox rows under a lease, paces them per sending number,
//! hands each to the carrier once, and records what became of it. The guarantees (and why they
//! hold across crashes and several workers) are in docs/ARCHITECTURE.md, "Delivery".

mod handoff;
mod recorder;

use crate::carrier::Carrier;
use crate::clock::SharedClock;
use crate::domain::Pacer;
use crate::store::{Claim, Store};
use handoff::millis;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

/// Most rows claimed at once.
const BATCH: u32 = 256;
/// Most messages being handed over (waiting for their slot or for the carrier) at once.
const IN_FLIGHT: usize = 1024;
/// Safety net for rows that came due while nothing new was committed.
const IDLE_POLL: Duration = Duration::from_millis(250);
/// How often expired idempotency keys are swept.
const PURGE_EVERY: Duration = Duration::from_secs(600);

/// How the worker behaves; every field comes from an `evo serve` flag.
#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    /// This node's name on the leases it takes; a node restarting under the same name takes its
    /// own leases back at once.
    pub node_id: String,
    /// Run the worker on this node (off: an API-only node; another node delivers).
    pub worker: bool,
    pub lease: Duration,
    pub retry_base: Duration,
    pub retry_cap: Duration,
    /// A message the carrier has not taken this long after it was accepted ends Expired.
    pub validity: Duration,
    /// How long after an unanswered attempt (on top of the carrier timeout, so that attempt
    /// cannot still be landing) the carrier is asked whether it has the message.
    pub reconcile_grace: Duration,
    /// The longest a carrier request may take.
    pub carrier_timeout: Duration,
    /// The externally visible base URL; status callbacks go to `{public_url}/webhooks/twilio/status`.
    pub public_url: Option<String>,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        Self {
            node_id: "evo".to_owned(),
            worker: true,
            lease: Duration::from_secs(30),
            retry_base: Duration::from_secs(1),
            retry_cap: Duration::from_secs(30),
            validity: Duration::from_secs(4 * 3600),
            reconcile_grace: Duration::from_secs(5),
            carrier_timeout: Duration::from_secs(10),
            public_url: None,
        }
    }
}

impl DeliveryConfig {
    /// The status callback URL for one message (it names the message, so a callback can settle
    /// a message evo was still reconciling).
    pub fn status_callback(&self, message_id: &str) -> Option<String> {
        self.public_url.as_ref().map(|base| {
            format!(
                "{}{STATUS_PATH}?id={message_id}",
                base.trim_end_matches('/')
            )
        })
    }
}

/// Where carriers post status callbacks.
pub const STATUS_PATH: &str = "/webhooks/twilio/status";

pub struct DeliveryWorker {
    shared: Arc<handoff::Shared>,
    outcomes: recorder::Outcomes,
}

impl DeliveryWorker {
    pub fn new(
        store: Arc<dyn Store>,
        carrier: Arc<dyn Carrier>,
        config: DeliveryConfig,
        clock: SharedClock,
    ) -> Self {
        // A slot further off than half a lease is not waited for under the lease.
        let pacer = carrier
            .paces_senders()
            .then(|| Arc::new(Mutex::new(Pacer::new(millis(config.lease / 2)))));
        let (recorder, outcomes) = recorder::Recorder::new();
        Self {
            shared: Arc::new(handoff::Shared {
                store,
                carrier,
                config,
                clock,
                pacer,
                recorder,
            }),
            outcomes,
        }
    }

    /// Runs until `stop` turns true, waking on every outbox commit. Hand-offs already talking
    /// to the carrier finish; those still waiting for their slot are left to the lease.
    pub async fn run(self, stop: watch::Receiver<bool>) {
        let shared = self.shared;
        let recording = tokio::spawn(recorder::run(shared.store.clone(), self.outcomes));
        match shared.store.reclaim_leases(&shared.config.node_id).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                rows = n,
                "took back this node's leases from before a restart"
            ),
            Err(e) => tracing::error!(error = %e, "could not take back this node's leases"),
        }
        let permits = Arc::new(Semaphore::new(IN_FLIGHT));
        let mut tasks = JoinSet::new();
        let mut last_purge = tokio::time::Instant::now();
        let mut wakeups = shared.store.outbox_signal().subscribe();
        let mut stop_wait = stop.clone();
        while !*stop.borrow() {
            while tasks.try_join_next().is_some() {}
            let free = permits.available_permits().min(BATCH as usize) as u32;
            let claimed = if free == 0 {
                0
            } else {
                claim_and_spawn(&shared, &permits, &mut tasks, &stop, free).await
            };
            if last_purge.elapsed() > PURGE_EVERY {
                last_purge = tokio::time::Instant::now();
                if let Err(e) = shared.store.purge_expired(shared.clock.now()).await {
                    tracing::warn!(error = %e, "idempotency key sweep failed");
                }
            }
            if claimed > 0 && claimed == free as usize {
                continue;
            }
            // Every hand-off slot busy: nothing new is claimed until some come back, and no
            // commit signals that (during a backlog drain there are no new sends to wake us).
            let starved = free == 0;
            tokio::select! {
                _ = wakeups.next() => {}
                _ = tokio::time::sleep(IDLE_POLL) => {}
                _ = stop_wait.changed() => {}
                _ = slots_freed(&permits), if starved => {}
            }
        }
        finish(tasks).await;
        // The last sender goes with `shared`; the recorder then writes what is left and ends.
        drop(shared);
        let _ = recording.await;
    }
}

/// Resolves once a quarter batch of hand-off slots is free again.
async fn slots_freed(permits: &Semaphore) {
    let _ = permits.acquire_many(BATCH / 4).await;
}

async fn claim_and_spawn(
    shared: &Arc<handoff::Shared>,
    permits: &Arc<Semaphore>,
    tasks: &mut JoinSet<()>,
    stop: &watch::Receiver<bool>,
    limit: u32,
) -> usize {
    let config = &shared.config;
    let claim = Claim {
        owner: config.node_id.clone(),
        now: shared.clock.now(),
        lease_ms: millis(config.lease),
        limit,
        validity_ms: millis(config.validity),
        pacer: shared.pacer.clone(),
    };
    let claimed = match shared.store.claim_outbox(claim).await {
        Ok(items) => items,
        Err(e) => {
            tracing::error!(error = %e, "claiming due messages failed");
            return 0;
        }
    };
    let n = claimed.len();
    for item in claimed {
        let Ok(permit) = permits.clone().acquire_owned().await else {
            break;
        };
        let (shared, stop) = (shared.clone(), stop.clone());
        tasks.spawn(async move {
            handoff::hand_off(&shared, item, stop).await;
            drop(permit);
        });
    }
    n
}

/// Lets hand-offs that are talking to the carrier finish (their own timeouts bound this).
async fn finish(mut tasks: JoinSet<()>) {
    let deadline = tokio::time::sleep(Duration::from_secs(15));
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            next = tasks.join_next() => if next.is_none() { return },
            _ = &mut deadline => {
                tracing::warn!(left = tasks.len(), "stopping with hand-offs still running; their leases will lapse");
                tasks.abort_all();
                return;
            }
        }
    }
}
