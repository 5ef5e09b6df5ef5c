//! Carrier status callbacks. They arrive at least once, in any order, and sometimes before the
//! worker has written the sid they name; so each one only moves a message forward, and one for
//! an unknown sid is kept until the sid is recorded (CARRIERS.md P2, P7).

use super::super::StoreResult;
use super::super::delivery::{CarrierAccount, CarrierStatus, StatusApplied};
use super::outbox::{accept, forward_update};
use super::sql::internal;
use crate::domain::{DeliveryStatus, MessageId, Timestamp};
use rusqlite::{Connection, OptionalExtension, params};

pub fn apply(c: &Connection, update: &CarrierStatus) -> StoreResult<StatusApplied> {
    let owner = c
        .prepare_cached("select id from messages where carrier_ref = ?1")
        .and_then(|mut s| {
            s.query_row([&update.sid], |r| r.get::<_, String>(0))
                .optional()
        })
        .map_err(internal)?;
    // A carrier account speaks only for its own evo accounts' messages: one tenant's Twilio
    // token must not move another tenant's message.
    let named = match &update.message_id {
        Some(id) if speaks_for(c, &update.carrier, id)? => Some(id.clone()),
        _ => None,
    };
    let id = match (owner.map(MessageId::from_string), &named) {
        // The callback named the message that holds the sid: already checked above.
        (Some(id), Some(n)) if &id == n => id,
        (Some(id), _) if !speaks_for(c, &update.carrier, &id)? => {
            return Ok(StatusApplied::Unchanged);
        }
        (Some(id), _) => id,
        // The callback URL names the message: a message evo was still reconciling learns its
        // sid here.
        (None, Some(id)) if without_sid(c, id)? => {
            accept(c, id, &update.sid, false, update.at)?;
            id.clone()
        }
        (None, _) => {
            keep(c, update)?;
            return Ok(StatusApplied::Pending);
        }
    };
    let moved = move_forward(c, &id, update.status, update.error.as_deref(), update.at)?;
    Ok(if moved {
        StatusApplied::Moved
    } else {
        StatusApplied::Unchanged
    })
}

/// Applies, strongest first, the callbacks that came for `sid` before it was recorded.
pub fn apply_pending(c: &Connection, id: &MessageId, sid: &str, now: Timestamp) -> StoreResult<()> {
    let events: Vec<(String, Option<String>)> = c
        .prepare_cached("select status, error from carrier_events where sid = ?1")
        .and_then(|mut s| {
            s.query_map([sid], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect()
        })
        .map_err(internal)?;
    if events.is_empty() {
        return Ok(());
    }
    let mut events: Vec<(DeliveryStatus, Option<String>)> = events
        .into_iter()
        .filter_map(|(s, e)| DeliveryStatus::parse(&s).map(|s| (s, e)))
        .collect();
    events.sort_by_key(|(s, _)| std::cmp::Reverse(s.rank()));
    for (status, error) in events {
        move_forward(c, id, status, error.as_deref(), now)?;
    }
    c.prepare_cached("delete from carrier_events where sid = ?1")
        .and_then(|mut s| s.execute([sid]))
        .map(drop)
        .map_err(internal)
}

/// Whether the carrier account that signed a webhook is the one `message`'s account sends with.
pub fn speaks_for(
    c: &Connection,
    carrier: &CarrierAccount,
    message: &MessageId,
) -> StoreResult<bool> {
    c.prepare_cached(
        "select 1 from messages m join accounts a on a.id = m.account_id
         where m.id = ?1 and coalesce(a.twilio_account_sid, ?3) = ?2",
    )
    .and_then(|mut s| {
        s.query_row(
            params![message.as_str(), carrier.signed_by, carrier.server_wide],
            |_| Ok(()),
        )
        .optional()
    })
    .map(|found| found.is_some())
    .map_err(internal)
}

fn without_sid(c: &Connection, id: &MessageId) -> StoreResult<bool> {
    c.prepare_cached(
        "select 1 from messages where id = ?1 and carrier_ref is null and direction = 'Outgoing'",
    )
    .and_then(|mut s| s.query_row([id.as_str()], |_| Ok(())).optional())
    .map(|found| found.is_some())
    .map_err(internal)
}

fn move_forward(
    c: &Connection,
    id: &MessageId,
    status: DeliveryStatus,
    error: Option<&str>,
    at: Timestamp,
) -> StoreResult<bool> {
    let extra = if status.is_terminal() {
        "last_error = coalesce(?4, last_error), finished_at = ?3"
    } else {
        "last_error = coalesce(?4, last_error)"
    };
    c.prepare_cached(&forward_update(extra))
        .and_then(|mut s| s.execute(params![id.as_str(), status.as_str(), at.millis(), error]))
        .map(|n| n > 0)
        .map_err(internal)
}

fn keep(c: &Connection, update: &CarrierStatus) -> StoreResult<()> {
    c.prepare_cached(
        "insert into carrier_events (sid, status, error, received_at) values (?1, ?2, ?3, ?4)
         on conflict do nothing",
    )
    .and_then(|mut s| {
        s.execute(params![
            update.sid,
            update.status.as_str(),
            update.error,
            update.at.millis()
        ])
    })
    .map(drop)
    .map_err(internal)
}
