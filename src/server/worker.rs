//! The delivery worker: claims due outbox rows under a lease, hands each to the carrier and
//! records the outcome. A row whose hand-off failed stays in the outbox and is claimed again
//! when its lease runs out. (Backoff, pacing and terminal failure states come with real delivery.)

use crate::carrier::{Carrier, OutgoingSms};
use crate::domain::Timestamp;
use crate::store::{Store, StoreResult};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// How long a claimed row is reserved for the worker that claimed it.
const LEASE_MS: i64 = 60_000;
const BATCH: u32 = 256;
/// Safety net for rows whose lease expired while nothing new was committed.
const IDLE_POLL: Duration = Duration::from_secs(1);

pub struct DeliveryWorker {
    store: Arc<dyn Store>,
    carrier: Arc<dyn Carrier>,
}

impl DeliveryWorker {
    pub fn new(store: Arc<dyn Store>, carrier: Arc<dyn Carrier>) -> Self {
        Self { store, carrier }
    }

    /// Hands one batch of due messages to the carrier; returns how many were claimed.
    pub async fn run_once(&self) -> StoreResult<usize> {
        let claimed = self
            .store
            .claim_outbox(Timestamp::now(), LEASE_MS, BATCH)
            .await?;
        let mut sent = Vec::with_capacity(claimed.len());
        let mut delivered = Vec::new();
        for item in &claimed {
            let sms = OutgoingSms {
                message_id: item.message_id.clone(),
                from: item.from.clone(),
                to: item.to.clone(),
                body: item.body.clone(),
                status_callback: None,
                validity_secs: None,
                credentials: None,
            };
            match self.carrier.send(&sms).await {
                Ok(accepted) => {
                    if accepted.delivered {
                        delivered.push(item.message_id.clone());
                    }
                    sent.push((item.message_id.clone(), accepted.sid));
                }
                Err(e) => tracing::warn!(
                    message_id = %item.message_id, carrier = self.carrier.name(), error = %e,
                    "hand-off failed; will retry after the lease"
                ),
            }
        }
        if !sent.is_empty() {
            self.store.record_sent(sent, Timestamp::now()).await?;
        }
        if !delivered.is_empty() {
            self.store
                .record_delivered(delivered, Timestamp::now())
                .await?;
        }
        Ok(claimed.len())
    }

    /// Runs until `stop` turns true, waking on every outbox commit.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let signal = self.store.outbox_signal();
        while !*stop.borrow() {
            let woken = signal.notified();
            match self.run_once().await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "delivery worker cycle failed"),
            }
            tokio::select! {
                _ = woken => {}
                _ = tokio::time::sleep(IDLE_POLL) => {}
                _ = stop.changed() => {}
            }
        }
    }
}
