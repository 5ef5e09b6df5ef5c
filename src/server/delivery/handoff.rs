//! One message's hand-off, as the claim planned it: expire it, reconcile it, or (at its pacing
//! slot) call the carrier, and record the answer (CARRIERS.md, "evo's rule for carrier
//! answers"). Time is the worker's clock throughout.

use super::DeliveryConfig;
use super::recorder::Recorder;
use crate::carrier::{Carrier, CarrierCredentials, CarrierError, OutgoingSms};
use crate::clock::SharedClock;
use crate::domain::settings::MIN_MPS;
use crate::domain::{
    OutboxItem, Outcome, Pacer, Plan, Slot, Timestamp, backoff_delay, default_mps,
};
use crate::store::{OutcomeRecord, Store};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;

pub struct Shared {
    pub store: Arc<dyn Store>,
    pub carrier: Arc<dyn Carrier>,
    pub config: DeliveryConfig,
    pub clock: SharedClock,
    /// The sending numbers' pacing, when the carrier paces them.
    pub pacer: Option<Arc<Mutex<Pacer>>>,
    pub recorder: Recorder,
}

impl Shared {
    fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Now plus `wait`, saturating (a carrier may send an absurd Retry-After).
    fn later(&self, wait: Duration) -> Timestamp {
        self.now().plus_millis(millis(wait))
    }

    fn expires_at(&self, item: &OutboxItem) -> Timestamp {
        item.created.plus_millis(millis(self.config.validity))
    }

    fn expired(&self, item: &OutboxItem) -> bool {
        self.now() >= self.expires_at(item)
    }
}

pub async fn hand_off(shared: &Shared, item: OutboxItem, mut stop: watch::Receiver<bool>) {
    let outcome = match item.plan {
        Plan::Expire => expiry(&shared.config),
        // The attempt is on record already and its slot is moments away: wait it out even when
        // stopping, since not calling now would leave the message to be reconciled.
        Plan::Send { at } => {
            shared.clock.sleep_until(at).await;
            call(shared, &item).await
        }
        Plan::SendAt { at } => {
            tokio::select! {
                _ = shared.clock.sleep_until(at) => {}
                // Stopping before the attempt is recorded: the lease hands the row on.
                _ = stop.changed() => return,
            }
            match attempt(shared, item.clone()).await {
                Some(item) => call(shared, &item).await,
                None => return,
            }
        }
        Plan::Reconcile => match reconcile(shared, &item).await {
            Some(outcome) => outcome,
            None => match send_again(shared, &item, stop).await {
                Some(outcome) => outcome,
                None => return,
            },
        },
    };
    record(shared, &item, outcome).await;
}

/// Durably records the attempt under the item's lease, renewing it; `None` when the lease is
/// no longer this worker's (or the write failed): then the carrier must not be called.
async fn attempt(shared: &Shared, item: OutboxItem) -> Option<OutboxItem> {
    let lease_ms = millis(shared.config.lease);
    match shared
        .store
        .record_attempt(&item.message_id, &item.lease, shared.now(), lease_ms)
        .await
    {
        Ok(Some(lease)) => Some(OutboxItem {
            lease,
            attempts: item.attempts + 1,
            ..item
        }),
        Ok(None) => None,
        Err(e) => {
            tracing::error!(error = %e, message_id = %item.message_id, "recording an attempt failed; not sending");
            None
        }
    }
}

/// The carrier does not have the message after all: send it in its sender's next slot.
async fn send_again(
    shared: &Shared,
    item: &OutboxItem,
    mut stop: watch::Receiver<bool>,
) -> Option<Outcome> {
    match slot(shared, item) {
        // Never parked past its expiry: it comes back in time to end Expired.
        Slot::Defer(due) => {
            return Some(Outcome::Defer {
                due: due.min(shared.expires_at(item)),
            });
        }
        Slot::At(at) => {
            tokio::select! {
                _ = shared.clock.sleep_until(at) => {}
                _ = stop.changed() => return None,
            }
        }
    }
    let item = attempt(shared, item.clone()).await?;
    Some(call(shared, &item).await)
}

fn slot(shared: &Shared, item: &OutboxItem) -> Slot {
    let Some(pacer) = &shared.pacer else {
        return Slot::At(shared.now());
    };
    let mps = item
        .mps
        .filter(|m| m.is_finite() && *m >= MIN_MPS)
        .unwrap_or_else(|| default_mps(&item.from));
    // A panic elsewhere must not switch pacing off: take the pacer back from a poisoned lock.
    pacer.lock().unwrap_or_else(|p| p.into_inner()).reserve(
        &item.from,
        item.segments,
        mps,
        shared.now(),
    )
}

/// After an attempt with no answer: asks the carrier whether it has the message. `None` means
/// it does not, and sending again is right.
async fn reconcile(shared: &Shared, item: &OutboxItem) -> Option<Outcome> {
    let config = &shared.config;
    let attempted = item.last_attempt.unwrap_or(item.created);
    // The unanswered request may still be landing until the carrier timeout has passed.
    let settle_at = attempted.plus_millis(millis(config.carrier_timeout + config.reconcile_grace));
    if shared.now() < settle_at {
        return Some(Outcome::Defer { due: settle_at });
    }
    let sms = outgoing(shared, item);
    let found = match shared.carrier.find_sent(&sms, attempted).await {
        Ok(sids) => sids,
        Err(e) if shared.expired(item) => {
            // Past its validity nothing will be sent again, so stop asking; the message stays
            // Unknown, and a status callback (its URL names the message) can still settle it.
            metrics::counter!("evo_reconciliations_total", "result" => "abandoned").increment(1);
            return Some(Outcome::Abandon {
                error: format!("could not find out whether the carrier has it: {e}"),
            });
        }
        Err(e) => {
            let wait = backoff_delay(item.attempts.max(1), config.retry_base, config.retry_cap);
            return Some(Outcome::Ambiguous {
                error: format!("could not reconcile: {e}"),
                due: shared.later(wait),
            });
        }
    };
    let used = match shared.store.sids_in_use(found.clone()).await {
        Ok(used) => used,
        Err(e) => {
            tracing::error!(error = %e, "reading carrier sids failed");
            return Some(Outcome::Defer {
                due: shared.later(config.retry_base),
            });
        }
    };
    if let Some(sid) = found.into_iter().find(|s| !used.contains(s)) {
        metrics::counter!("evo_reconciliations_total", "result" => "found").increment(1);
        return Some(Outcome::Accepted {
            sid,
            delivered: false,
        });
    }
    metrics::counter!("evo_reconciliations_total", "result" => "absent").increment(1);
    if shared.expired(item) {
        return Some(expiry(config));
    }
    None
}

/// Calls the carrier for an item whose attempt is on record.
async fn call(shared: &Shared, item: &OutboxItem) -> Outcome {
    if shared.expired(item) {
        return expiry(&shared.config);
    }
    // The validity left is measured now, just before the call, not when the hand-off began.
    let sms = outgoing(shared, item);
    metrics::counter!("evo_delivery_attempts_total").increment(1);
    let started = Instant::now();
    let answer = shared.carrier.send(&sms).await;
    metrics::histogram!("evo_carrier_request_seconds").record(started.elapsed().as_secs_f64());
    judge(shared, item, answer)
}

/// Sorts a carrier answer into an outcome.
fn judge(
    shared: &Shared,
    item: &OutboxItem,
    answer: Result<crate::carrier::Accepted, CarrierError>,
) -> Outcome {
    let config = &shared.config;
    match answer {
        Ok(accepted) => Outcome::Accepted {
            sid: accepted.sid,
            delivered: accepted.delivered,
        },
        Err(CarrierError::Refused { code, message }) => Outcome::Refused {
            error: format!("{code}: {message}"),
        },
        Err(CarrierError::Retry {
            message,
            retry_after,
        }) => {
            let backoff = backoff_delay(item.attempts.max(1), config.retry_base, config.retry_cap);
            let wait = retry_after.map_or(backoff, |r| r.max(backoff));
            // Come back no later than the expiry, so the message expires on time.
            let due = shared.later(wait).min(shared.expires_at(item));
            Outcome::Retry {
                error: message,
                due,
            }
        }
        Err(CarrierError::Ambiguous(message)) => Outcome::Ambiguous {
            error: message,
            due: shared.later(config.reconcile_grace),
        },
    }
}

async fn record(shared: &Shared, item: &OutboxItem, outcome: Outcome) {
    count_outcome(&outcome);
    let record = OutcomeRecord {
        id: item.message_id.clone(),
        lease: item.lease.clone(),
        outcome,
        now: shared.now(),
    };
    shared.recorder.record(record).await;
}

fn count_outcome(outcome: &Outcome) {
    let status = match outcome {
        Outcome::Accepted {
            delivered: true, ..
        } => "delivered",
        Outcome::Accepted { .. } => "sent",
        Outcome::Refused { .. } => "failed",
        Outcome::Retry { .. } => "retry",
        Outcome::Ambiguous { .. } => "unknown",
        Outcome::Expired { .. } => "expired",
        Outcome::Abandon { .. } => "abandoned",
        Outcome::Defer { .. } => return,
    };
    metrics::counter!("evo_delivery_outcomes_total", "status" => status).increment(1);
}

fn outgoing(shared: &Shared, item: &OutboxItem) -> OutgoingSms {
    let left = shared.expires_at(item).millis() - shared.now().millis();
    OutgoingSms {
        message_id: item.message_id.clone(),
        from: item.from.clone(),
        to: item.to.clone(),
        body: item.body.clone(),
        status_callback: shared.config.status_callback(item.message_id.as_str()),
        validity_secs: Some(u32::try_from(left.max(1000) / 1000).unwrap_or(u32::MAX)),
        credentials: item.twilio.as_ref().map(|(sid, token)| CarrierCredentials {
            account_sid: sid.clone(),
            auth_token: token.clone(),
        }),
    }
}

fn expiry(config: &DeliveryConfig) -> Outcome {
    Outcome::Expired {
        error: format!(
            "not taken by the carrier within the validity period ({})",
            humantime::format_duration(config.validity)
        ),
    }
}

pub fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}
