//! The outbox, delivery records, early carrier callbacks and idempotency upkeep. A row is
//! leased by owner + expiry; the conditional writes below apply only while the lease named is
//! the one on the row, and say whether they did.

use super::super::StoreResult;
use super::super::backend::{CallbackTarget, DeliveryTx, DueRow, ErrorNote, LeaseAsk, StatusMove};
use super::rows::direction;
use super::sql::{
    Filter, cached_text, count, internal, parse, status, status_list, status_mask, timestamp,
};
use crate::domain::{
    AccountId, AccountScope, CarrierStatus, DeliveryRecord, DeliveryStatus, Encoding, Lease,
    MessageId, OutboxPhase, OutboxStats, Timestamp,
};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};

impl DeliveryTx for Connection {
    async fn release_leases(&mut self, owner: &str) -> StoreResult<u64> {
        self.prepare_cached(
            "update outbox set lease_until = 0, lease_owner = null where lease_owner = ?1",
        )
        .and_then(|mut s| s.execute([owner]))
        .map(|n| n as u64)
        .map_err(internal)
    }

    async fn due_rows(&mut self, now: Timestamp, limit: u32) -> StoreResult<Vec<DueRow>> {
        self.prepare_cached(
            "select o.message_id, m.account_id, e.phone_number, m.other_address, m.body,
                    m.segments, m.created_at, m.attempts, o.phase, o.last_attempt_at, e.mps,
                    a.twilio_account_sid, a.twilio_auth_token
             from outbox o join messages m on m.id = o.message_id
               join endpoints e on e.id = m.endpoint_id join accounts a on a.id = m.account_id
             where o.due_at <= ?1 and o.lease_until <= ?1
             order by o.due_at, o.message_id limit ?2",
        )
        .and_then(|mut s| {
            s.query_map(params![now.millis(), limit], |r| {
                let twilio = match (
                    r.get::<_, Option<String>>(11)?,
                    r.get::<_, Option<String>>(12)?,
                ) {
                    (Some(sid), Some(token)) => Some((sid, token)),
                    _ => None,
                };
                Ok(DueRow {
                    message_id: MessageId::from_string(r.get::<_, String>(0)?),
                    account_id: AccountId::from_string(r.get::<_, String>(1)?),
                    from: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                    to: r.get(3)?,
                    body: r.get(4)?,
                    segments: r.get(5)?,
                    created: Timestamp::from_millis(r.get(6)?),
                    attempts: r.get(7)?,
                    phase: parse(8, "outbox phase", r.get(8)?, OutboxPhase::parse)?,
                    last_attempt: timestamp(r.get(9)?),
                    mps: r.get(10)?,
                    twilio,
                })
            })?
            .collect()
        })
        .map_err(internal)
    }

    async fn lease_rows(
        &mut self,
        asks: &[LeaseAsk],
        lease: &Lease,
        now: Timestamp,
    ) -> StoreResult<Vec<MessageId>> {
        // One writer: each statement is in-process and cheap, and none can be skipped for a lock.
        let mut leased = Vec::with_capacity(asks.len());
        for ask in asks {
            if lease_row(self, ask, lease, now)? {
                leased.push(ask.id.clone());
            }
        }
        Ok(leased)
    }

    async fn defer_rows(
        &mut self,
        rows: &[(MessageId, Timestamp)],
        now: Timestamp,
    ) -> StoreResult<u64> {
        let mut moved = 0;
        let mut s = self
            .prepare_cached(
                "update outbox set due_at = ?2
                 where message_id = ?1 and phase = 'queued' and lease_until <= ?3",
            )
            .map_err(internal)?;
        for (id, due) in rows {
            moved += s
                .execute(params![id.as_str(), due.millis(), now.millis()])
                .map_err(internal)? as u64;
        }
        Ok(moved)
    }

    async fn attempt_row(
        &mut self,
        id: &MessageId,
        held: &Lease,
        at: Timestamp,
        until: Timestamp,
    ) -> StoreResult<bool> {
        self.prepare_cached(
            "update outbox set phase = 'sending', last_attempt_at = ?4, lease_until = ?5
             where message_id = ?1 and lease_owner = ?2 and lease_until = ?3",
        )
        .and_then(|mut s| {
            s.execute(params![
                id.as_str(),
                held.owner,
                held.until.millis(),
                at.millis(),
                until.millis()
            ])
        })
        .map(|n| n > 0)
        .map_err(internal)
    }

    async fn note_attempts(
        &mut self,
        ids: &[MessageId],
        at: Timestamp,
        from: &[DeliveryStatus],
    ) -> StoreResult<()> {
        let sql = cached_text("note_attempt", status_mask(from), || {
            format!(
                "update messages set attempts = attempts + 1, updated_at = ?2,
                   status = case when status in {} then 'Sending' else status end
                 where id = ?1",
                status_list(from)
            )
        });
        let mut s = self.prepare_cached(&sql).map_err(internal)?;
        for id in ids {
            s.execute(params![id.as_str(), at.millis()])
                .map_err(internal)?;
        }
        Ok(())
    }

    async fn reschedule_row(
        &mut self,
        id: &MessageId,
        held: &Lease,
        phase: Option<OutboxPhase>,
        due: Timestamp,
    ) -> StoreResult<bool> {
        self.prepare_cached(
            "update outbox set due_at = ?4, lease_until = 0, lease_owner = null,
               phase = coalesce(?5, phase)
             where message_id = ?1 and lease_owner = ?2 and lease_until = ?3",
        )
        .and_then(|mut s| {
            s.execute(params![
                id.as_str(),
                held.owner,
                held.until.millis(),
                due.millis(),
                phase.map(OutboxPhase::as_str)
            ])
        })
        .map(|n| n > 0)
        .map_err(internal)
    }

    async fn dequeue(&mut self, id: &MessageId, held: Option<&Lease>) -> StoreResult<bool> {
        let changed = match held {
            None => self
                .prepare_cached("delete from outbox where message_id = ?1")
                .and_then(|mut s| s.execute([id.as_str()])),
            Some(lease) => self
                .prepare_cached(
                    "delete from outbox
                     where message_id = ?1 and lease_owner = ?2 and lease_until = ?3",
                )
                .and_then(|mut s| {
                    s.execute(params![id.as_str(), lease.owner, lease.until.millis()])
                }),
        };
        changed.map(|n| n > 0).map_err(internal)
    }

    async fn move_status(&mut self, id: &MessageId, change: &StatusMove<'_>) -> StoreResult<bool> {
        let mut args: Vec<Value> = vec![
            id.as_str().to_owned().into(),
            change.to.as_str().to_owned().into(),
            change.at.millis().into(),
        ];
        if let ErrorNote::Set(note) = change.error {
            args.push(note.map(str::to_owned).into());
        }
        let sql = cached_text("move_status", shape_of(change), || {
            let error = match change.error {
                ErrorNote::Keep => "",
                ErrorNote::Clear => ", last_error = null",
                ErrorNote::Set(_) => ", last_error = coalesce(?4, last_error)",
            };
            let finished = if change.finished {
                ", finished_at = ?3"
            } else {
                ""
            };
            format!(
                "update messages set status = ?2, updated_at = ?3{error}{finished}
                 where id = ?1 and status in {}",
                status_list(change.from)
            )
        });
        self.prepare_cached(&sql)
            .and_then(|mut s| s.execute(params_from_iter(args)))
            .map(|n| n > 0)
            .map_err(internal)
    }

    async fn note_error(
        &mut self,
        id: &MessageId,
        error: &str,
        at: Timestamp,
        only_from: &[DeliveryStatus],
    ) -> StoreResult<()> {
        let sql = cached_text("note_error", status_mask(only_from), || {
            format!(
                "update messages set last_error = ?2, updated_at = ?3
                 where id = ?1 and status in {}",
                status_list(only_from)
            )
        });
        self.prepare_cached(&sql)
            .and_then(|mut s| s.execute(params![id.as_str(), error, at.millis()]))
            .map(drop)
            .map_err(internal)
    }

    async fn record_sid(
        &mut self,
        id: &MessageId,
        sid: &str,
        change: &StatusMove<'_>,
    ) -> StoreResult<()> {
        // One write of the row: the status columns change only when the status may move.
        let mut args: Vec<Value> = vec![
            id.as_str().to_owned().into(),
            sid.to_owned().into(),
            change.at.millis().into(),
            change.to.as_str().to_owned().into(),
        ];
        if let ErrorNote::Set(note) = change.error {
            args.push(note.map(str::to_owned).into());
        }
        let sql = cached_text("record_sid", shape_of(change), || {
            let moves = format!("status in {}", status_list(change.from));
            let error = match change.error {
                ErrorNote::Keep => String::new(),
                ErrorNote::Clear => {
                    format!(", last_error = case when {moves} then null else last_error end")
                }
                ErrorNote::Set(_) => format!(
                    ", last_error = case when {moves} then coalesce(?5, last_error) else last_error end"
                ),
            };
            let finished = if change.finished {
                format!(", finished_at = case when {moves} then ?3 else finished_at end")
            } else {
                String::new()
            };
            format!(
                "update messages set carrier_ref = coalesce(carrier_ref, ?2),
                   sent_at = coalesce(sent_at, ?3),
                   updated_at = case when {moves} then ?3 else updated_at end,
                   status = case when {moves} then ?4 else status end{error}{finished}
                 where id = ?1"
            )
        });
        self.prepare_cached(&sql)
            .and_then(|mut s| s.execute(params_from_iter(args)))
            .map(drop)
            .map_err(internal)
    }

    async fn callback_target(&mut self, id: &MessageId) -> StoreResult<Option<CallbackTarget>> {
        self.prepare_cached(
            "select a.twilio_account_sid, m.carrier_ref, m.direction, m.status
             from messages m join accounts a on a.id = m.account_id where m.id = ?1",
        )
        .and_then(|mut s| {
            s.query_row([id.as_str()], |r| {
                Ok(CallbackTarget {
                    account_carrier_sid: r.get(0)?,
                    carrier_sid: r.get(1)?,
                    direction: direction(2, r.get(2)?)?,
                    status: status(3, r.get(3)?)?,
                })
            })
            .optional()
        })
        .map_err(internal)
    }

    async fn pending_events(
        &mut self,
        sid: &str,
    ) -> StoreResult<Vec<(DeliveryStatus, Option<String>)>> {
        self.prepare_cached("select status, error from carrier_events where sid = ?1")
            .and_then(|mut s| {
                s.query_map([sid], |r| Ok((status(0, r.get(0)?)?, r.get(1)?)))?
                    .collect()
            })
            .map_err(internal)
    }

    async fn keep_event(&mut self, event: &CarrierStatus) -> StoreResult<()> {
        self.prepare_cached(
            "insert into carrier_events (sid, status, error, received_at) values (?1, ?2, ?3, ?4)
             on conflict do nothing",
        )
        .and_then(|mut s| {
            s.execute(params![
                event.sid,
                event.status.as_str(),
                event.error,
                event.at.millis()
            ])
        })
        .map(drop)
        .map_err(internal)
    }

    async fn drop_events(&mut self, sid: &str) -> StoreResult<()> {
        self.prepare_cached("delete from carrier_events where sid = ?1")
            .and_then(|mut s| s.execute([sid]))
            .map(drop)
            .map_err(internal)
    }

    async fn sids_in_use(&mut self, sids: &[String]) -> StoreResult<Vec<String>> {
        let mut used = Vec::new();
        for sid in sids {
            if super::messages::by_carrier_sid(self, sid)?.is_some() {
                used.push(sid.clone());
            }
        }
        Ok(used)
    }

    async fn delivery_record(
        &mut self,
        scope: &AccountScope,
        id: &MessageId,
    ) -> StoreResult<Option<DeliveryRecord>> {
        let mut f = Filter::default();
        f.with("id = ?", id.as_str().to_owned())
            .when("direction = 'Outgoing'")
            .scope(scope, "account_id");
        let sql = format!(
            "select status, segments, encoding, carrier_ref, attempts, last_error, created_at,
                    updated_at, sent_at, finished_at
             from messages {}",
            f.clause()
        );
        self.prepare_cached(&sql)
            .and_then(|mut s| {
                s.query_row(params_from_iter(&f.args), |r| {
                    Ok(DeliveryRecord {
                        message_id: id.clone(),
                        status: status(0, r.get(0)?)?,
                        segments: r.get(1)?,
                        encoding: parse(2, "encoding", r.get(2)?, Encoding::parse)?,
                        carrier_sid: r.get(3)?,
                        attempts: r.get(4)?,
                        last_error: r.get(5)?,
                        created: Timestamp::from_millis(r.get(6)?),
                        updated: Timestamp::from_millis(r.get(7)?),
                        sent: timestamp(r.get(8)?),
                        finished: timestamp(r.get(9)?),
                    })
                })
                .optional()
            })
            .map_err(internal)
    }

    async fn outbox_stats(&mut self) -> StoreResult<OutboxStats> {
        self.query_row(
            "select count(*), (select m.created_at from outbox o
                                 join messages m on m.id = o.message_id
                               order by o.rowid limit 1)
             from outbox",
            [],
            |r| {
                Ok(OutboxStats {
                    depth: count(r.get(0)?),
                    oldest_created: timestamp(r.get(1)?),
                })
            },
        )
        .map_err(internal)
    }

    async fn purge_idempotency(&mut self, before: Timestamp) -> StoreResult<u64> {
        self.execute(
            "delete from idempotency_keys where created_at <= ?1",
            [before.millis()],
        )
        .map(|n| n as u64)
        .map_err(internal)
    }

    async fn purge_events(&mut self, before: Timestamp) -> StoreResult<u64> {
        self.execute(
            "delete from carrier_events where received_at <= ?1",
            [before.millis()],
        )
        .map(|n| n as u64)
        .map_err(internal)
    }
}

/// What a status move's statement text depends on: the statuses it moves from, how it notes
/// the error, whether it finishes the message.
fn shape_of(change: &StatusMove<'_>) -> u32 {
    let error = match change.error {
        ErrorNote::Keep => 0,
        ErrorNote::Clear => 1,
        ErrorNote::Set(_) => 2,
    };
    status_mask(change.from) | error << 16 | u32::from(change.finished) << 18
}

/// Leases one asked row (see `DeliveryTx::lease_rows`); whether it did.
fn lease_row(c: &Connection, ask: &LeaseAsk, lease: &Lease, now: Timestamp) -> StoreResult<bool> {
    let (id, seen, until, owner) = (
        ask.id.as_str(),
        ask.seen.as_str(),
        lease.until.millis(),
        &lease.owner,
    );
    let now = now.millis();
    let changed = match ask.attempt_at {
        None => c
            .prepare_cached(
                "update outbox set lease_until = ?2, lease_owner = ?3
                 where message_id = ?1 and phase = ?4 and due_at <= ?5 and lease_until <= ?5",
            )
            .and_then(|mut s| s.execute(params![id, until, owner, seen, now])),
        Some(at) => c
            .prepare_cached(
                "update outbox set lease_until = ?2, lease_owner = ?3, phase = 'sending',
                   last_attempt_at = ?6
                 where message_id = ?1 and phase = ?4 and due_at <= ?5 and lease_until <= ?5",
            )
            .and_then(|mut s| s.execute(params![id, until, owner, seen, now, at.millis()])),
    };
    changed.map(|n| n > 0).map_err(internal)
}
