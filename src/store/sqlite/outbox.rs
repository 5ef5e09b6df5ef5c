//! The outbox: outgoing messages waiting to be handed to the carrier. A claim takes a lease
//! (owner + expiry); only the lease holder records an attempt or reschedules. An attempt is
//! recorded (durably) before the carrier is called, so a crash mid-call leaves a row in phase
//! `sending`, which the next claimer reconciles instead of sending blindly.

use super::super::delivery::{Lease, OutboxItem, OutboxPhase, OutboxStats, Outcome};
use super::super::{StoreError, StoreResult};
use super::sql::internal;
use crate::domain::{AccountId, DeliveryStatus, MessageId, Timestamp};
use rusqlite::{Connection, OptionalExtension, params};

/// A node that restarts takes back its own leases at once instead of waiting them out.
pub fn reclaim(c: &Connection, owner: &str) -> StoreResult<u64> {
    c.execute(
        "update outbox set lease_until = 0, lease_owner = null where lease_owner = ?1",
        [owner],
    )
    .map(|n| n as u64)
    .map_err(internal)
}

pub fn claim(
    c: &Connection,
    owner: &str,
    now: Timestamp,
    lease_ms: i64,
    limit: u32,
) -> StoreResult<Vec<OutboxItem>> {
    let until = now.plus_millis(lease_ms);
    let claimed: Vec<(String, String, Option<i64>)> = c
        .prepare_cached(
            "update outbox set lease_until = ?1, lease_owner = ?2
             where message_id in (
               select message_id from outbox where due_at <= ?3 and lease_until <= ?3
               order by due_at, message_id limit ?4)
             returning message_id, phase, last_attempt_at",
        )
        .and_then(|mut s| {
            s.query_map(params![until.millis(), owner, now.millis(), limit], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?
            .collect()
        })
        .map_err(internal)?;
    let mut details = c
        .prepare_cached(
            "select m.account_id, e.phone_number, m.other_address, m.body, m.segments, m.created_at,
                    m.attempts, e.mps, a.twilio_account_sid, a.twilio_auth_token
             from messages m join endpoints e on e.id = m.endpoint_id join accounts a on a.id = m.account_id
             where m.id = ?1",
        )
        .map_err(internal)?;
    let lease = Lease {
        owner: owner.to_owned(),
        until,
    };
    let mut items = Vec::with_capacity(claimed.len());
    for (id, phase, last_attempt) in claimed {
        let item = details
            .query_row([&id], |r| {
                let twilio = match (
                    r.get::<_, Option<String>>(8)?,
                    r.get::<_, Option<String>>(9)?,
                ) {
                    (Some(sid), Some(token)) => Some((sid, token)),
                    _ => None,
                };
                Ok(OutboxItem {
                    message_id: MessageId::from_string(id.clone()),
                    account_id: AccountId::from_string(r.get::<_, String>(0)?),
                    from: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                    to: r.get(2)?,
                    body: r.get(3)?,
                    segments: r.get(4)?,
                    created: Timestamp::from_millis(r.get(5)?),
                    attempts: r.get(6)?,
                    phase: OutboxPhase::parse(&phase),
                    last_attempt: last_attempt.map(Timestamp::from_millis),
                    mps: r.get(7)?,
                    twilio,
                    lease: lease.clone(),
                })
            })
            .map_err(internal)?;
        items.push(item);
    }
    Ok(items)
}

/// Records an attempt before the carrier is called and renews the lease; `None` when the
/// lease is no longer the caller's (someone else now owns the row: do not send).
pub fn record_attempt(
    c: &Connection,
    id: &MessageId,
    lease: &Lease,
    now: Timestamp,
    lease_ms: i64,
) -> StoreResult<Option<Lease>> {
    let renewed = Lease {
        owner: lease.owner.clone(),
        until: now.plus_millis(lease_ms),
    };
    let changed = c
        .prepare_cached(
            "update outbox set phase = 'sending', last_attempt_at = ?4, lease_until = ?5
             where message_id = ?1 and lease_owner = ?2 and lease_until = ?3",
        )
        .and_then(|mut s| {
            s.execute(params![
                id.as_str(),
                lease.owner,
                lease.until.millis(),
                now.millis(),
                renewed.until.millis()
            ])
        })
        .map_err(internal)?;
    if changed == 0 {
        return Ok(None);
    }
    c.prepare_cached(&format!(
        "update messages set attempts = attempts + 1, updated_at = ?2,
           status = case when {} <= 1 then 'Sending' else status end
         where id = ?1",
        DeliveryStatus::sql_rank("status")
    ))
    .and_then(|mut s| s.execute(params![id.as_str(), now.millis()]))
    .map_err(internal)?;
    Ok(Some(renewed))
}

/// Records what became of a claimed row. Accepted is recorded whoever holds the lease (the
/// carrier has the message, whatever else happened); everything else only by the holder.
pub fn record_outcome(
    c: &Connection,
    id: &MessageId,
    lease: &Lease,
    outcome: &Outcome,
    now: Timestamp,
) -> StoreResult<()> {
    if let Outcome::Accepted { sid, delivered } = outcome {
        return accept(c, id, sid, *delivered, now);
    }
    let held = c
        .prepare_cached(
            "select 1 from outbox where message_id = ?1 and lease_owner = ?2 and lease_until = ?3",
        )
        .and_then(|mut s| {
            s.query_row(
                params![id.as_str(), lease.owner, lease.until.millis()],
                |_| Ok(()),
            )
            .optional()
        })
        .map_err(internal)?;
    if held.is_none() {
        return Ok(());
    }
    match outcome {
        Outcome::Accepted { .. } => Ok(()),
        Outcome::Refused { error } => finish(c, id, DeliveryStatus::Failed, error, now),
        Outcome::Expired { error } => finish(c, id, DeliveryStatus::Expired, error, now),
        Outcome::Retry { error, due } => {
            reschedule(c, id, Some("queued"), *due)?;
            note(c, id, DeliveryStatus::Sending, Some(error), now)
        }
        Outcome::Ambiguous { error, due } => {
            reschedule(c, id, Some("unknown"), *due)?;
            note(c, id, DeliveryStatus::Unknown, Some(error), now)
        }
        Outcome::Defer { due } => reschedule(c, id, None, *due),
        Outcome::Abandon { error } => {
            note(c, id, DeliveryStatus::Unknown, Some(error), now)?;
            dequeue(c, id)
        }
    }
}

fn reschedule(
    c: &Connection,
    id: &MessageId,
    phase: Option<&str>,
    due: Timestamp,
) -> StoreResult<()> {
    c.prepare_cached(
        "update outbox set due_at = ?2, lease_until = 0, lease_owner = null,
           phase = coalesce(?3, phase)
         where message_id = ?1",
    )
    .and_then(|mut s| s.execute(params![id.as_str(), due.millis(), phase]))
    .map(drop)
    .map_err(internal)
}

/// Notes why the last attempt did not settle the message, and moves it to `status` if that is
/// forward (or a lateral Sending/Unknown move).
fn note(
    c: &Connection,
    id: &MessageId,
    status: DeliveryStatus,
    error: Option<&str>,
    now: Timestamp,
) -> StoreResult<()> {
    c.prepare_cached(&format!(
        "update messages set last_error = coalesce(?2, last_error), updated_at = ?3
         where id = ?1 and {} < 3",
        DeliveryStatus::sql_rank("status")
    ))
    .and_then(|mut s| s.execute(params![id.as_str(), error, now.millis()]))
    .map_err(internal)?;
    c.prepare_cached(&forward_update("last_error = last_error"))
        .and_then(|mut s| s.execute(params![id.as_str(), status.as_str(), now.millis()]))
        .map(drop)
        .map_err(internal)
}

/// `update messages set status = ?2, updated_at = ?3, <extra> where id = ?1 and` the move is
/// allowed by `DeliveryStatus::may_become`.
pub fn forward_update(extra: &str) -> String {
    let old = DeliveryStatus::sql_rank("status");
    let new = DeliveryStatus::sql_rank("?2");
    format!(
        "update messages set status = ?2, updated_at = ?3, {extra}
         where id = ?1 and ({new} > {old} or ({old} = 1 and {new} = 1 and status <> ?2))"
    )
}

fn finish(
    c: &Connection,
    id: &MessageId,
    status: DeliveryStatus,
    error: &str,
    now: Timestamp,
) -> StoreResult<()> {
    c.prepare_cached(&forward_update("last_error = ?4, finished_at = ?3"))
        .and_then(|mut s| s.execute(params![id.as_str(), status.as_str(), now.millis(), error]))
        .map_err(internal)?;
    dequeue(c, id)
}

fn dequeue(c: &Connection, id: &MessageId) -> StoreResult<()> {
    c.prepare_cached("delete from outbox where message_id = ?1")
        .and_then(|mut s| s.execute([id.as_str()]))
        .map(drop)
        .map_err(internal)
}

/// The carrier has the message: record its sid (once), leave the outbox, become Sent (or
/// Delivered), then apply any status callback that arrived before the sid was known.
pub fn accept(
    c: &Connection,
    id: &MessageId,
    sid: &str,
    delivered: bool,
    now: Timestamp,
) -> StoreResult<()> {
    let taken = c
        .prepare_cached("select id from messages where carrier_ref = ?1")
        .and_then(|mut s| s.query_row([sid], |r| r.get::<_, String>(0)).optional())
        .map_err(internal)?;
    if taken.as_deref().is_some_and(|other| other != id.as_str()) {
        return Err(StoreError::Conflict(format!(
            "carrier sid {sid} already belongs to another message"
        )));
    }
    c.prepare_cached(
        "update messages set carrier_ref = coalesce(carrier_ref, ?2), sent_at = coalesce(sent_at, ?3)
         where id = ?1",
    )
    .and_then(|mut s| s.execute(params![id.as_str(), sid, now.millis()]))
    .map_err(internal)?;
    c.prepare_cached(&forward_update("last_error = null"))
        .and_then(|mut s| {
            s.execute(params![
                id.as_str(),
                DeliveryStatus::Sent.as_str(),
                now.millis()
            ])
        })
        .map_err(internal)?;
    if delivered {
        c.prepare_cached(&forward_update("finished_at = ?3"))
            .and_then(|mut s| {
                s.execute(params![
                    id.as_str(),
                    DeliveryStatus::Delivered.as_str(),
                    now.millis()
                ])
            })
            .map_err(internal)?;
    }
    dequeue(c, id)?;
    super::callbacks::apply_pending(c, id, sid, now)
}

pub fn stats(c: &Connection) -> StoreResult<OutboxStats> {
    c.query_row(
        "select count(*), (select m.created_at from outbox o join messages m on m.id = o.message_id
                           order by o.rowid limit 1) from outbox",
        [],
        |r| {
            Ok(OutboxStats {
                depth: r.get::<_, i64>(0)?.max(0) as u64,
                oldest_created: r.get::<_, Option<i64>>(1)?.map(Timestamp::from_millis),
            })
        },
    )
    .map_err(internal)
}

/// Which of `sids` already belong to a message (reconciliation must not take another's).
pub fn sids_in_use(c: &Connection, sids: &[String]) -> StoreResult<Vec<String>> {
    let mut stmt = c
        .prepare_cached("select 1 from messages where carrier_ref = ?1")
        .map_err(internal)?;
    let mut used = Vec::new();
    for sid in sids {
        if stmt
            .query_row([sid], |_| Ok(()))
            .optional()
            .map_err(internal)?
            .is_some()
        {
            used.push(sid.clone());
        }
    }
    Ok(used)
}
