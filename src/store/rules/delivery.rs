//! The outbox's rules: what a claim takes and plans, the lease-holder rule, what each outcome
//! does to the message and the row (`Outcome::settlement`), and accepting a carrier sid.

use super::super::StoreResult;
use super::super::backend::{DeliveryTx, DueRow, ErrorNote, LeaseAsk, MessagingTx, StatusMove};
use super::super::queries::Claim;
use super::status::accept;
use crate::domain::settings::MIN_MPS;
use crate::domain::{
    DeliveryStatus, Lease, MessageId, OutboxItem, OutboxPhase, Outcome, Plan, Settlement, Slot,
    Timestamp, default_mps,
};
use std::collections::HashSet;

/// A row whose pacing slot is at most this far off carries its attempt record in the claim
/// itself: one write instead of two. Further off, the row is only leased, so a crash while it
/// waits leaves it plainly queued (sent without asking the carrier first), not ambiguous.
pub const SEND_WITH_CLAIM_MS: i64 = 100;

enum Decision {
    Take(Plan),
    /// Not its turn for longer than the horizon: due again at this time, unleased.
    Defer(Timestamp),
}

/// A due row as read, and what the claim will do with it.
pub struct Planned {
    row: DueRow,
    decision: Decision,
}

/// Decides each due row (pacing included) without touching the database. `rows` may be a
/// snapshot that is already stale: `take` writes only to rows still as they were read.
pub fn plan(c: &Claim, rows: Vec<DueRow>) -> Vec<Planned> {
    rows.into_iter()
        .map(|row| Planned {
            decision: decide(c, &row),
            row,
        })
        .collect()
}

/// Writes the plan: leases each row that is still free, due and in the phase it was read in
/// (with the attempt record when it is to be sent at once), and moves deferred rows to their
/// slot. A row another claimer took meanwhile is left out.
pub async fn take<T: DeliveryTx>(
    tx: &mut T,
    c: &Claim,
    planned: Vec<Planned>,
) -> StoreResult<Vec<OutboxItem>> {
    let lease = Lease {
        owner: c.owner.clone(),
        until: c.now.plus_millis(c.lease_ms),
    };
    let mut deferred = Vec::new();
    let mut taken = Vec::with_capacity(planned.len());
    for Planned { row, decision } in planned {
        match decision {
            Decision::Defer(due) => deferred.push((row.message_id, due)),
            Decision::Take(plan) => taken.push((row, plan)),
        }
    }
    if !deferred.is_empty() {
        tx.defer_rows(&deferred, c.now).await?;
    }
    if taken.is_empty() {
        return Ok(Vec::new());
    }
    let asks: Vec<LeaseAsk> = taken
        .iter()
        .map(|(row, plan)| LeaseAsk {
            id: row.message_id.clone(),
            seen: row.phase,
            attempt_at: plan.send_now(),
        })
        .collect();
    let leased: HashSet<MessageId> = tx
        .lease_rows(&asks, &lease, c.now)
        .await?
        .into_iter()
        .collect();
    taken.retain(|(row, _)| leased.contains(&row.message_id));
    let attempted: Vec<MessageId> = taken
        .iter()
        .filter(|(_, plan)| plan.send_now().is_some())
        .map(|(row, _)| row.message_id.clone())
        .collect();
    if !attempted.is_empty() {
        let sending = DeliveryStatus::predecessors(DeliveryStatus::Sending);
        tx.note_attempts(&attempted, c.now, &sending).await?;
    }
    Ok(taken
        .into_iter()
        .map(|(row, plan)| item(row, lease.clone(), plan))
        .collect())
}

fn decide(c: &Claim, row: &DueRow) -> Decision {
    if row.phase != OutboxPhase::Queued {
        return Decision::Take(Plan::Reconcile);
    }
    let expires = row.created.plus_millis(c.validity_ms);
    if c.now >= expires {
        return Decision::Take(Plan::Expire);
    }
    let Some(pacer) = &c.pacer else {
        return Decision::Take(Plan::Send { at: c.now });
    };
    let mps = row
        .mps
        .filter(|m| m.is_finite() && *m >= MIN_MPS)
        .unwrap_or_else(|| default_mps(&row.from));
    // A panic elsewhere must not switch pacing off: take the pacer back from a poisoned lock.
    let slot = pacer.lock().unwrap_or_else(|p| p.into_inner()).reserve(
        &row.from,
        row.segments,
        mps,
        c.now,
    );
    match slot {
        // Never parked past its expiry: it comes back in time to end Expired.
        Slot::Defer(due) => Decision::Defer(due.min(expires)),
        Slot::At(at) if at <= c.now.plus_millis(SEND_WITH_CLAIM_MS) => {
            Decision::Take(Plan::Send { at })
        }
        Slot::At(at) => Decision::Take(Plan::SendAt { at }),
    }
}

/// The claimed row as the worker gets it; a row sent with the claim counts that attempt.
fn item(row: DueRow, lease: Lease, plan: Plan) -> OutboxItem {
    let sent_now = plan.send_now();
    let attempts = row.attempts + u32::from(sent_now.is_some());
    let last_attempt = sent_now.or(row.last_attempt);
    OutboxItem {
        message_id: row.message_id,
        account_id: row.account_id,
        from: row.from,
        to: row.to,
        body: row.body,
        segments: row.segments,
        created: row.created,
        attempts,
        phase: row.phase,
        last_attempt,
        mps: row.mps,
        twilio: row.twilio,
        lease,
        plan,
    }
}

/// Records an attempt before the carrier is called and renews the lease; `None` when the
/// lease is no longer the caller's (someone else now owns the row: do not send).
pub async fn record_attempt<T: DeliveryTx>(
    tx: &mut T,
    id: MessageId,
    lease: Lease,
    now: Timestamp,
    lease_ms: i64,
) -> StoreResult<Option<Lease>> {
    let renewed = Lease {
        owner: lease.owner.clone(),
        until: now.plus_millis(lease_ms),
    };
    if !tx.attempt_row(&id, &lease, now, renewed.until).await? {
        return Ok(None);
    }
    let sending = DeliveryStatus::predecessors(DeliveryStatus::Sending);
    tx.note_attempts(std::slice::from_ref(&id), now, &sending)
        .await?;
    Ok(Some(renewed))
}

/// Records what became of a claimed row, as `Outcome::settlement` says. Only the lease holder's
/// word counts, except that the carrier having the message is recorded whoever holds it.
pub async fn record_outcome<T: DeliveryTx + MessagingTx>(
    tx: &mut T,
    id: MessageId,
    lease: Lease,
    outcome: Outcome,
    now: Timestamp,
) -> StoreResult<()> {
    match outcome.settlement() {
        Settlement::Accept { sid, status } => accept(tx, &id, &sid, status, now).await,
        Settlement::Finish { status, error } => {
            if tx.dequeue(&id, Some(&lease)).await? {
                let from = DeliveryStatus::predecessors(status);
                let change = StatusMove {
                    to: status,
                    from: &from,
                    at: now,
                    error: ErrorNote::Set(Some(&error)),
                    finished: true,
                };
                tx.move_status(&id, &change).await?;
            }
            Ok(())
        }
        Settlement::Again {
            phase,
            due,
            status,
            error,
        } => {
            if tx.reschedule_row(&id, &lease, Some(phase), due).await? {
                note(tx, &id, status, &error, now).await?;
            }
            Ok(())
        }
        Settlement::Later { due } => tx.reschedule_row(&id, &lease, None, due).await.map(drop),
        Settlement::GiveUp { status, error } => {
            if tx.dequeue(&id, Some(&lease)).await? {
                note(tx, &id, status, &error, now).await?;
            }
            Ok(())
        }
    }
}

/// Notes why the last attempt did not settle the message (unless it is settled), and moves it
/// to `status` if that is a move it may make.
async fn note<T: DeliveryTx>(
    tx: &mut T,
    id: &MessageId,
    status: DeliveryStatus,
    error: &str,
    now: Timestamp,
) -> StoreResult<()> {
    tx.note_error(id, error, now, &DeliveryStatus::unsettled())
        .await?;
    let from = DeliveryStatus::predecessors(status);
    let change = StatusMove {
        to: status,
        from: &from,
        at: now,
        error: ErrorNote::Keep,
        finished: false,
    };
    tx.move_status(id, &change).await.map(drop)
}

/// Forgets idempotency keys past their window and early callbacks no sid ever claimed.
pub async fn purge_expired<T: DeliveryTx>(tx: &mut T, now: Timestamp) -> StoreResult<u64> {
    use crate::domain::policy::{EARLY_CALLBACK_WINDOW_MS, IDEMPOTENCY_WINDOW_MS};
    let keys = tx
        .purge_idempotency(now.plus_millis(-IDEMPOTENCY_WINDOW_MS))
        .await?;
    let events = tx
        .purge_events(now.plus_millis(-EARLY_CALLBACK_WINDOW_MS))
        .await?;
    Ok(keys + events)
}
