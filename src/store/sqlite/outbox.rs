//! The outbox: outgoing messages waiting to be handed to the carrier. Claims take a lease, so a
//! worker that dies mid-hand-off leaves rows that become due again when the lease runs out.

use super::super::{OutboxItem, StoreResult};
use super::sql::internal;
use crate::domain::{MessageId, Timestamp};
use rusqlite::{Connection, params};

pub fn claim(
    c: &Connection,
    now: Timestamp,
    lease_ms: i64,
    limit: u32,
) -> StoreResult<Vec<OutboxItem>> {
    c.prepare_cached(
        "update outbox set lease_until = ?1, attempts = attempts + 1
         where message_id in (
           select message_id from outbox where due_at <= ?2 and lease_until <= ?2 order by due_at limit ?3)
         returning message_id, attempts,
           (select e.phone_number from messages m join endpoints e on e.id = m.endpoint_id where m.id = outbox.message_id),
           (select m.other_address from messages m where m.id = outbox.message_id),
           (select m.body from messages m where m.id = outbox.message_id)",
    )
    .and_then(|mut s| {
        s.query_map(params![now.plus_millis(lease_ms).millis(), now.millis(), limit], |r| {
            Ok(OutboxItem {
                message_id: MessageId::from_string(r.get::<_, String>(0)?),
                attempts: r.get(1)?,
                from: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                to: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
                body: r.get::<_, Option<String>>(4)?.unwrap_or_default(),
            })
        })?
        .collect()
    })
    .map_err(internal)
}

/// The carrier took these messages: they leave the outbox and become Sent.
pub fn record_sent(
    c: &Connection,
    sent: &[(MessageId, String)],
    now: Timestamp,
) -> StoreResult<()> {
    let mut update = c
        .prepare_cached(
            "update messages set status = 'Sent', carrier_ref = ?2, updated_at = ?3
             where id = ?1 and status = 'Queued'",
        )
        .map_err(internal)?;
    let mut dequeue = c
        .prepare_cached("delete from outbox where message_id = ?1")
        .map_err(internal)?;
    for (id, carrier_ref) in sent {
        update
            .execute(params![id.as_str(), carrier_ref, now.millis()])
            .map_err(internal)?;
        dequeue.execute([id.as_str()]).map_err(internal)?;
    }
    Ok(())
}

/// Status only moves forward: Delivered never overwrites a terminal state.
pub fn record_delivered(c: &Connection, ids: &[MessageId], now: Timestamp) -> StoreResult<()> {
    let mut update = c
        .prepare_cached(
            "update messages set status = 'Delivered', updated_at = ?2
             where id = ?1 and status in ('Queued', 'Sent')",
        )
        .map_err(internal)?;
    for id in ids {
        update
            .execute(params![id.as_str(), now.millis()])
            .map_err(internal)?;
    }
    Ok(())
}
