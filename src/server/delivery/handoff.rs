//! One message's hand-off: expire it, reconcile it, or wait for its slot, record the attempt,
//! call the carrier and record the answer (CARRIERS.md, "evo's rule for carrier answers").

use super::DeliveryConfig;
use super::pacer::{Pacer, Slot};
use crate::carrier::{Carrier, CarrierCredentials, CarrierError, OutgoingSms};
use crate::domain::{Timestamp, backoff_delay, default_mps};
use crate::store::{OutboxItem, OutboxPhase, Outcome, Store};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::watch;

pub struct Shared {
    pub store: std::sync::Arc<dyn Store>,
    pub carrier: std::sync::Arc<dyn Carrier>,
    pub config: DeliveryConfig,
    pub pacer: Mutex<Pacer>,
}

pub async fn hand_off(shared: &Shared, item: OutboxItem, stop: watch::Receiver<bool>) {
    let outcome = match decide(shared, &item, stop).await {
        Some(outcome) => outcome,
        None => return,
    };
    record(shared, &item, outcome).await;
}

/// What to record for `item`; `None` when nothing should be (the lease was lost, or the node
/// is stopping before the carrier was called: the lease hands the row on).
async fn decide(
    shared: &Shared,
    item: &OutboxItem,
    stop: watch::Receiver<bool>,
) -> Option<Outcome> {
    let sms = outgoing(&shared.config, item);
    if item.phase != OutboxPhase::Queued {
        if let Some(settled) = reconcile(shared, item, &sms).await {
            return Some(settled);
        }
    } else if expired(&shared.config, item) {
        return Some(expiry(&shared.config));
    }
    send_paced(shared, item, stop).await
}

/// After an attempt with no answer: asks the carrier whether it has the message. `None` means
/// it does not, and sending again is right.
async fn reconcile(shared: &Shared, item: &OutboxItem, sms: &OutgoingSms) -> Option<Outcome> {
    let config = &shared.config;
    let attempted = item.last_attempt.unwrap_or(item.created);
    // The unanswered request may still be landing until the carrier timeout has passed.
    let settle_at = attempted.plus_millis(millis(config.carrier_timeout + config.reconcile_grace));
    if Timestamp::now() < settle_at {
        return Some(Outcome::Defer { due: settle_at });
    }
    let found = match shared.carrier.find_sent(sms, attempted).await {
        Ok(sids) => sids,
        Err(e) if expired(config, item) => {
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
                due: later(wait),
            });
        }
    };
    let used = match shared.store.sids_in_use(found.clone()).await {
        Ok(used) => used,
        Err(e) => {
            tracing::error!(error = %e, "reading carrier sids failed");
            return Some(Outcome::Defer {
                due: later(config.retry_base),
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
    if expired(config, item) {
        return Some(expiry(config));
    }
    None
}

async fn send_paced(
    shared: &Shared,
    item: &OutboxItem,
    mut stop: watch::Receiver<bool>,
) -> Option<Outcome> {
    let config = &shared.config;
    let mps = item
        .mps
        .filter(|m| m.is_finite() && *m >= MIN_MPS)
        .unwrap_or_else(|| default_mps(&item.from));
    let slot = if shared.carrier.paces_senders() {
        // A panic elsewhere must not switch pacing off: take the pacer back from a poisoned lock.
        let mut pacer = shared.pacer.lock().unwrap_or_else(|p| p.into_inner());
        pacer.reserve(&item.from, item.segments, mps, Instant::now())
    } else {
        Slot::At(Instant::now())
    };
    match slot {
        Slot::Defer(wait) => {
            // Never parked past its expiry: it comes back in time to end Expired.
            let due = later(wait).min(expires_at(config, item));
            return Some(Outcome::Defer { due });
        }
        Slot::At(at) => {
            tokio::select! {
                _ = tokio::time::sleep_until(at.into()) => {}
                _ = stop.changed() => return None,
            }
        }
    }
    if expired(config, item) {
        return Some(expiry(config));
    }
    let now = Timestamp::now();
    let lease_ms = config.lease.as_millis() as i64;
    let lease = match shared
        .store
        .record_attempt(&item.message_id, &item.lease, now, lease_ms)
        .await
    {
        Ok(Some(lease)) => lease,
        Ok(None) => return None,
        Err(e) => {
            tracing::error!(error = %e, message_id = %item.message_id, "recording an attempt failed; not sending");
            return None;
        }
    };
    // The attempt is renewed under `lease` from here on.
    let item = OutboxItem {
        lease,
        ..item.clone()
    };
    if expired(config, &item) {
        return record_then_done(shared, &item, expiry(config)).await;
    }
    // The validity left is measured now, just before the call, not when the hand-off began.
    let sms = outgoing(config, &item);
    metrics::counter!("evo_delivery_attempts_total").increment(1);
    let started = Instant::now();
    let answer = shared.carrier.send(&sms).await;
    metrics::histogram!("evo_carrier_request_seconds").record(started.elapsed().as_secs_f64());
    let outcome = judge(config, &item, answer);
    record(shared, &item, outcome).await;
    None
}

/// Records an outcome under the renewed lease; nothing is left for the caller to record.
async fn record_then_done(shared: &Shared, item: &OutboxItem, outcome: Outcome) -> Option<Outcome> {
    record(shared, item, outcome).await;
    None
}

/// Sorts a carrier answer into an outcome.
fn judge(
    config: &DeliveryConfig,
    item: &OutboxItem,
    answer: Result<crate::carrier::Accepted, CarrierError>,
) -> Outcome {
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
            let backoff = backoff_delay(item.attempts + 1, config.retry_base, config.retry_cap);
            let wait = retry_after.map_or(backoff, |r| r.max(backoff));
            // Come back no later than the expiry, so the message expires on time.
            let due = later(wait).min(expires_at(config, item));
            Outcome::Retry {
                error: message,
                due,
            }
        }
        Err(CarrierError::Ambiguous(message)) => Outcome::Ambiguous {
            error: message,
            due: later(config.reconcile_grace),
        },
    }
}

async fn record(shared: &Shared, item: &OutboxItem, outcome: Outcome) {
    count_outcome(&outcome);
    if let Err(e) = shared
        .store
        .record_outcome(&item.message_id, &item.lease, outcome, Timestamp::now())
        .await
    {
        tracing::error!(error = %e, message_id = %item.message_id, "recording a delivery outcome failed");
    }
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

fn outgoing(config: &DeliveryConfig, item: &OutboxItem) -> OutgoingSms {
    let left = expires_at(config, item).millis() - Timestamp::now().millis();
    OutgoingSms {
        message_id: item.message_id.clone(),
        from: item.from.clone(),
        to: item.to.clone(),
        body: item.body.clone(),
        status_callback: config.status_callback(item.message_id.as_str()),
        validity_secs: Some(u32::try_from(left.max(1000) / 1000).unwrap_or(u32::MAX)),
        credentials: item.twilio.as_ref().map(|(sid, token)| CarrierCredentials {
            account_sid: sid.clone(),
            auth_token: token.clone(),
        }),
    }
}

fn expires_at(config: &DeliveryConfig, item: &OutboxItem) -> Timestamp {
    item.created.plus_millis(config.validity.as_millis() as i64)
}

fn expired(config: &DeliveryConfig, item: &OutboxItem) -> bool {
    Timestamp::now() >= expires_at(config, item)
}

fn expiry(config: &DeliveryConfig) -> Outcome {
    Outcome::Expired {
        error: format!(
            "not taken by the carrier within the validity period ({})",
            humantime::format_duration(config.validity)
        ),
    }
}

/// Below this a pace means "one segment every 1,000 seconds"; slower makes no sense.
const MIN_MPS: f64 = 0.001;

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Now plus `wait`, saturating (a carrier may send an absurd Retry-After).
fn later(wait: Duration) -> Timestamp {
    Timestamp::now().plus_millis(millis(wait))
}
