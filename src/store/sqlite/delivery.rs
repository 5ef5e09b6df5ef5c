//! Delivery reads (DeliveryInfo) and SendMessage's idempotency keys.

use super::super::delivery::{DeliveryRecord, Idempotency};
use super::super::{StoreError, StoreResult};
use super::sql::{internal, scope_filter, where_clause};
use crate::domain::{AccountScope, DeliveryStatus, Encoding, MessageId, Timestamp};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};

/// How long an idempotency key replays its first response.
pub const IDEMPOTENCY_TTL_MS: i64 = 24 * 60 * 60 * 1000;

pub fn delivery_info(
    c: &Connection,
    scope: &AccountScope,
    id: &MessageId,
) -> StoreResult<DeliveryRecord> {
    let (mut conds, mut args) = (
        vec!["id = ?".to_owned(), "direction = 'Outgoing'".to_owned()],
        vec![Value::from(id.as_str().to_owned())],
    );
    scope_filter(scope, "account_id", &mut conds, &mut args);
    let sql = format!(
        "select status, segments, encoding, carrier_ref, attempts, last_error, created_at, updated_at,
                sent_at, finished_at
         from messages {}",
        where_clause(&conds)
    );
    c.prepare_cached(&sql)
        .and_then(|mut s| {
            s.query_row(params_from_iter(args), |r| {
                let at = |i: usize| -> rusqlite::Result<Option<Timestamp>> {
                    Ok(r.get::<_, Option<i64>>(i)?.map(Timestamp::from_millis))
                };
                Ok(DeliveryRecord {
                    message_id: id.clone(),
                    status: DeliveryStatus::parse(&r.get::<_, String>(0)?)
                        .unwrap_or(DeliveryStatus::Queued),
                    segments: r.get(1)?,
                    encoding: if r.get::<_, String>(2)? == Encoding::Ucs2.as_str() {
                        Encoding::Ucs2
                    } else {
                        Encoding::Gsm7
                    },
                    carrier_sid: r.get(3)?,
                    attempts: r.get(4)?,
                    last_error: r.get(5)?,
                    created: Timestamp::from_millis(r.get(6)?),
                    updated: Timestamp::from_millis(r.get(7)?),
                    sent: at(8)?,
                    finished: at(9)?,
                })
            })
            .optional()
        })
        .map_err(internal)?
        .ok_or_else(|| StoreError::NotFound(format!("Message '{id}' not found")))
}

/// The message an earlier send with this key created, if the key is still live. The same key
/// with a different request is refused.
pub fn replayed(
    c: &Connection,
    key: &Idempotency,
    now: Timestamp,
) -> StoreResult<Option<MessageId>> {
    let found: Option<(Vec<u8>, String)> = c
        .prepare_cached(
            "select request_hash, message_id from idempotency_keys
             where user_id = ?1 and key = ?2 and created_at > ?3",
        )
        .and_then(|mut s| {
            s.query_row(
                params![
                    key.user.as_str(),
                    key.key,
                    now.plus_millis(-IDEMPOTENCY_TTL_MS).millis()
                ],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
        })
        .map_err(internal)?;
    match found {
        None => Ok(None),
        Some((hash, message)) if hash == key.request_hash => {
            Ok(Some(MessageId::from_string(message)))
        }
        Some(_) => Err(StoreError::Unprocessable(
            "IdempotencyKeyReused",
            format!(
                "Idempotency-Key '{}' was already used with a different request",
                key.key
            ),
        )),
    }
}

pub fn remember(
    c: &Connection,
    key: &Idempotency,
    message: &MessageId,
    now: Timestamp,
) -> StoreResult<()> {
    c.prepare_cached(
        "insert into idempotency_keys (user_id, key, request_hash, message_id, created_at)
         values (?1, ?2, ?3, ?4, ?5)
         on conflict (user_id, key) do update set request_hash = excluded.request_hash,
           message_id = excluded.message_id, created_at = excluded.created_at",
    )
    .and_then(|mut s| {
        s.execute(params![
            key.user.as_str(),
            key.key,
            key.request_hash.as_slice(),
            message.as_str(),
            now.millis()
        ])
    })
    .map(drop)
    .map_err(internal)
}

/// Early status callbacks whose sid never turned up are dropped after this long.
const CARRIER_EVENT_TTL_MS: i64 = 7 * 24 * 60 * 60 * 1000;

/// Forgets idempotency keys older than the replay window, and early status callbacks that no
/// message ever claimed.
pub fn purge_idempotency(c: &Connection, now: Timestamp) -> StoreResult<u64> {
    let keys = c
        .execute(
            "delete from idempotency_keys where created_at <= ?1",
            [now.plus_millis(-IDEMPOTENCY_TTL_MS).millis()],
        )
        .map_err(internal)?;
    let events = c
        .execute(
            "delete from carrier_events where received_at <= ?1",
            [now.plus_millis(-CARRIER_EVENT_TTL_MS).millis()],
        )
        .map_err(internal)?;
    Ok((keys + events) as u64)
}
