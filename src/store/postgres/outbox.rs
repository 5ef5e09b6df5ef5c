//! The outbox, delivery records, early carrier callbacks and idempotency upkeep. A row is
//! leased by owner + expiry; the conditional writes below apply only while the lease named is
//! the one on the row, and say whether they did.
//!
//! Several processes share the database, so row locks keep one order: a message's row before
//! its outbox row (as accepting a sid writes them). The lease holder's writes lock the message
//! first; a claim never waits, it skips rows another transaction holds (`skip locked`).

use super::super::backend::{CallbackTarget, DeliveryTx, DueRow, ErrorNote, LeaseAsk, StatusMove};
use super::super::{StoreError, StoreResult};
use super::PgConn;
use super::conn::Arg;
use super::sql::{
    Filter, count, direction, get, parsed, status, status_names, timestamp, timestamp_opt,
};
use crate::domain::{
    AccountId, AccountScope, CarrierStatus, DeliveryRecord, DeliveryStatus, Encoding, Lease,
    MessageId, OutboxPhase, OutboxStats, Timestamp,
};
use anyhow::anyhow;
use tokio_postgres::Row;

/// Locks the message `$1` names, for a statement on its outbox row (`message_id = (select id
/// from m)`).
const MESSAGE_FIRST: &str = "with m as (select id from messages where id = $1 for no key update)";

impl DeliveryTx for PgConn {
    async fn release_leases(&mut self, owner: &str) -> StoreResult<u64> {
        self.execute(
            "update outbox set lease_until = 0, lease_owner = null where lease_owner = $1",
            &[&owner],
        )
        .await
    }

    async fn due_rows(&mut self, now: Timestamp, limit: u32) -> StoreResult<Vec<DueRow>> {
        let rows = self
            .query(
                "select o.message_id, m.account_id, e.phone_number, m.other_address, m.body,
                        m.segments, m.created_at, m.attempts, o.phase, o.last_attempt_at, e.mps,
                        a.twilio_account_sid, a.twilio_auth_token
                 from outbox o join messages m on m.id = o.message_id
                   join endpoints e on e.id = m.endpoint_id join accounts a on a.id = m.account_id
                 where o.due_at <= $1 and o.lease_until <= $1
                 order by o.due_at, o.message_id limit $2",
                &[&now.millis(), &i64::from(limit)],
            )
            .await?;
        rows.iter().map(due_row).collect()
    }

    async fn lease_rows(
        &mut self,
        asks: &[LeaseAsk],
        lease: &Lease,
        now: Timestamp,
    ) -> StoreResult<Vec<MessageId>> {
        let ids: Vec<&str> = asks.iter().map(|a| a.id.as_str()).collect();
        let seen: Vec<&str> = asks.iter().map(|a| a.seen.as_str()).collect();
        let attempt_at: Vec<Option<i64>> = asks
            .iter()
            .map(|a| a.attempt_at.map(Timestamp::millis))
            .collect();
        // One statement for the whole claim. Rows another transaction is writing (outbox or
        // message: the attempt count follows in this transaction) are skipped, not waited for.
        let rows = self
            .query(
                "with asked as (
                   select * from unnest($1::text[], $2::text[], $3::bigint[]) as a(id, seen, attempt_at)
                 ), free as (
                   select o.message_id, a.attempt_at
                   from outbox o join asked a on a.id = o.message_id join messages m on m.id = o.message_id
                   where o.phase = a.seen and o.due_at <= $4 and o.lease_until <= $4
                   for no key update of o, m skip locked
                 )
                 update outbox o set lease_until = $5, lease_owner = $6,
                   phase = case when f.attempt_at is null then o.phase else 'sending' end,
                   last_attempt_at = coalesce(f.attempt_at, o.last_attempt_at)
                 from free f where o.message_id = f.message_id
                 returning o.message_id",
                &[
                    &ids,
                    &seen,
                    &attempt_at,
                    &now.millis(),
                    &lease.until.millis(),
                    &lease.owner.as_str(),
                ],
            )
            .await?;
        rows.iter()
            .map(|r| get::<String>(r, 0).map(MessageId::from_string))
            .collect()
    }

    async fn defer_rows(
        &mut self,
        rows: &[(MessageId, Timestamp)],
        now: Timestamp,
    ) -> StoreResult<u64> {
        let ids: Vec<&str> = rows.iter().map(|(id, _)| id.as_str()).collect();
        let due: Vec<i64> = rows.iter().map(|(_, due)| due.millis()).collect();
        self.execute(
            "update outbox o set due_at = d.due
             from unnest($1::text[], $2::bigint[]) as d(id, due)
             where o.message_id = d.id and o.message_id in (
               select message_id from outbox
               where message_id = any($1) and phase = 'queued' and lease_until <= $3
               for no key update skip locked)",
            &[&ids, &due, &now.millis()],
        )
        .await
    }

    async fn attempt_row(
        &mut self,
        id: &MessageId,
        held: &Lease,
        at: Timestamp,
        until: Timestamp,
    ) -> StoreResult<bool> {
        let sql = format!(
            "{MESSAGE_FIRST} update outbox set phase = 'sending', last_attempt_at = $4,
               lease_until = $5
             where message_id = (select id from m) and lease_owner = $2 and lease_until = $3"
        );
        let changed = self
            .execute(
                &sql,
                &[
                    &id.as_str(),
                    &held.owner.as_str(),
                    &held.until.millis(),
                    &at.millis(),
                    &until.millis(),
                ],
            )
            .await?;
        Ok(changed > 0)
    }

    async fn note_attempts(
        &mut self,
        ids: &[MessageId],
        at: Timestamp,
        from: &[DeliveryStatus],
    ) -> StoreResult<()> {
        let ids: Vec<&str> = ids.iter().map(MessageId::as_str).collect();
        self.execute(
            "update messages set attempts = attempts + 1, updated_at = $2,
               status = case when status = any($3) then 'Sending' else status end
             where id = any($1)",
            &[&ids, &at.millis(), &status_names(from)],
        )
        .await
        .map(drop)
    }

    async fn reschedule_row(
        &mut self,
        id: &MessageId,
        held: &Lease,
        phase: Option<OutboxPhase>,
        due: Timestamp,
    ) -> StoreResult<bool> {
        let sql = format!(
            "{MESSAGE_FIRST} update outbox set due_at = $4, lease_until = 0, lease_owner = null,
               phase = coalesce($5, phase)
             where message_id = (select id from m) and lease_owner = $2 and lease_until = $3"
        );
        let changed = self
            .execute(
                &sql,
                &[
                    &id.as_str(),
                    &held.owner.as_str(),
                    &held.until.millis(),
                    &due.millis(),
                    &phase.map(OutboxPhase::as_str),
                ],
            )
            .await?;
        Ok(changed > 0)
    }

    async fn dequeue(&mut self, id: &MessageId, held: Option<&Lease>) -> StoreResult<bool> {
        let changed = match held {
            None => {
                self.execute("delete from outbox where message_id = $1", &[&id.as_str()])
                    .await?
            }
            Some(lease) => {
                let sql = format!(
                    "{MESSAGE_FIRST} delete from outbox
                     where message_id = (select id from m) and lease_owner = $2
                       and lease_until = $3"
                );
                self.execute(
                    &sql,
                    &[&id.as_str(), &lease.owner.as_str(), &lease.until.millis()],
                )
                .await?
            }
        };
        Ok(changed > 0)
    }

    async fn move_status(&mut self, id: &MessageId, change: &StatusMove<'_>) -> StoreResult<bool> {
        let error = match change.error {
            ErrorNote::Keep => "",
            ErrorNote::Clear => ", last_error = null",
            ErrorNote::Set(_) => ", last_error = coalesce($5, last_error)",
        };
        let finished = if change.finished {
            ", finished_at = $3"
        } else {
            ""
        };
        let sql = format!(
            "update messages set status = $2, updated_at = $3{error}{finished}
             where id = $1 and status = any($4)"
        );
        let (id, to, at, from) = (
            id.as_str(),
            change.to.as_str(),
            change.at.millis(),
            status_names(change.from),
        );
        let note = error_note(change);
        let mut args: Vec<Arg<'_>> = vec![&id, &to, &at, &from];
        if let Some(note) = &note {
            args.push(note);
        }
        let changed = self.execute(&sql, &args).await?;
        Ok(changed > 0)
    }

    async fn note_error(
        &mut self,
        id: &MessageId,
        error: &str,
        at: Timestamp,
        only_from: &[DeliveryStatus],
    ) -> StoreResult<()> {
        self.execute(
            "update messages set last_error = $2, updated_at = $3
             where id = $1 and status = any($4)",
            &[&id.as_str(), &error, &at.millis(), &status_names(only_from)],
        )
        .await
        .map(drop)
    }

    async fn record_sid(
        &mut self,
        id: &MessageId,
        sid: &str,
        change: &StatusMove<'_>,
    ) -> StoreResult<()> {
        // One write of the row: the status columns change only when the status may move.
        let moves = "status = any($5)";
        let error = match change.error {
            ErrorNote::Keep => String::new(),
            ErrorNote::Clear => {
                format!(", last_error = case when {moves} then null else last_error end")
            }
            ErrorNote::Set(_) => format!(
                ", last_error = case when {moves} then coalesce($6, last_error) else last_error end"
            ),
        };
        let finished = if change.finished {
            format!(", finished_at = case when {moves} then $3 else finished_at end")
        } else {
            String::new()
        };
        let sql = format!(
            "update messages set carrier_ref = coalesce(carrier_ref, $2),
               sent_at = coalesce(sent_at, $3),
               updated_at = case when {moves} then $3 else updated_at end,
               status = case when {moves} then $4 else status end{error}{finished}
             where id = $1"
        );
        let (id, at, to, from) = (
            id.as_str(),
            change.at.millis(),
            change.to.as_str(),
            status_names(change.from),
        );
        let note = error_note(change);
        let mut args: Vec<Arg<'_>> = vec![&id, &sid, &at, &to, &from];
        if let Some(note) = &note {
            args.push(note);
        }
        self.execute(&sql, &args).await.map(drop)
    }

    async fn callback_target(&mut self, id: &MessageId) -> StoreResult<Option<CallbackTarget>> {
        let row = self
            .query_opt(
                "select a.twilio_account_sid, m.carrier_ref, m.direction, m.status
                 from messages m join accounts a on a.id = m.account_id where m.id = $1",
                &[&id.as_str()],
            )
            .await?;
        row.map(|r| {
            Ok(CallbackTarget {
                account_carrier_sid: get(&r, 0)?,
                carrier_sid: get(&r, 1)?,
                direction: direction(&r, 2)?,
                status: status(&r, 3)?,
            })
        })
        .transpose()
    }

    async fn pending_events(
        &mut self,
        sid: &str,
    ) -> StoreResult<Vec<(DeliveryStatus, Option<String>)>> {
        let rows = self
            .query(
                "select status, error from carrier_events where sid = $1",
                &[&sid],
            )
            .await?;
        rows.iter()
            .map(|r| Ok((status(r, 0)?, get(r, 1)?)))
            .collect()
    }

    async fn keep_event(&mut self, event: &CarrierStatus) -> StoreResult<()> {
        self.execute(
            "insert into carrier_events (sid, status, error, received_at) values ($1, $2, $3, $4)
             on conflict do nothing",
            &[
                &event.sid,
                &event.status.as_str(),
                &event.error,
                &event.at.millis(),
            ],
        )
        .await
        .map(drop)
    }

    async fn drop_events(&mut self, sid: &str) -> StoreResult<()> {
        self.execute("delete from carrier_events where sid = $1", &[&sid])
            .await
            .map(drop)
    }

    async fn sids_in_use(&mut self, sids: &[String]) -> StoreResult<Vec<String>> {
        if sids.is_empty() {
            return Ok(Vec::new());
        }
        // In the order asked, as one look-up per sid would answer.
        let rows = self
            .query(
                "select u.sid from unnest($1::text[]) with ordinality as u(sid, n)
                 where exists (select 1 from messages m where m.carrier_ref = u.sid)
                 order by u.n",
                &[&sids],
            )
            .await?;
        rows.iter().map(|r| get(r, 0)).collect()
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
        let row = self.query_opt(&sql, &f.refs()).await?;
        row.map(|r| {
            Ok(DeliveryRecord {
                message_id: id.clone(),
                status: status(&r, 0)?,
                segments: unsigned(&r, 1, "segment count")?,
                encoding: parsed(&r, 2, "encoding", Encoding::parse)?,
                carrier_sid: get(&r, 3)?,
                attempts: unsigned(&r, 4, "attempt count")?,
                last_error: get(&r, 5)?,
                created: timestamp(&r, 6)?,
                updated: timestamp(&r, 7)?,
                sent: timestamp_opt(&r, 8)?,
                finished: timestamp_opt(&r, 9)?,
            })
        })
        .transpose()
    }

    async fn outbox_stats(&mut self) -> StoreResult<OutboxStats> {
        // Every outbox row has its message, so the join counts the outbox.
        let r = self
            .query_one(
                "select count(*), min(m.created_at)
                 from outbox o join messages m on m.id = o.message_id",
                &[],
            )
            .await?;
        Ok(OutboxStats {
            depth: count(get(&r, 0)?),
            oldest_created: timestamp_opt(&r, 1)?,
        })
    }

    async fn purge_idempotency(&mut self, before: Timestamp) -> StoreResult<u64> {
        self.execute(
            "delete from idempotency_keys where created_at <= $1",
            &[&before.millis()],
        )
        .await
    }

    async fn purge_events(&mut self, before: Timestamp) -> StoreResult<u64> {
        self.execute(
            "delete from carrier_events where received_at <= $1",
            &[&before.millis()],
        )
        .await
    }
}

fn due_row(r: &Row) -> StoreResult<DueRow> {
    let twilio = match (get::<Option<String>>(r, 11)?, get::<Option<String>>(r, 12)?) {
        (Some(sid), Some(token)) => Some((sid, token)),
        _ => None,
    };
    Ok(DueRow {
        message_id: MessageId::from_string(get::<String>(r, 0)?),
        account_id: AccountId::from_string(get::<String>(r, 1)?),
        from: get::<Option<String>>(r, 2)?.unwrap_or_default(),
        to: get(r, 3)?,
        body: get(r, 4)?,
        segments: unsigned(r, 5, "segment count")?,
        created: timestamp(r, 6)?,
        attempts: unsigned(r, 7, "attempt count")?,
        phase: parsed(r, 8, "outbox phase", OutboxPhase::parse)?,
        last_attempt: timestamp_opt(r, 9)?,
        mps: get(r, 10)?,
        twilio,
    })
}

/// An `integer` column that holds a count; a negative one is an error.
fn unsigned(r: &Row, column: usize, what: &str) -> StoreResult<u32> {
    let n: i32 = get(r, column)?;
    u32::try_from(n)
        .map_err(|_| StoreError::Internal(anyhow!("negative {what} {n} in the database")))
}

/// The error a status move sets, when it sets one (`$n` after the statuses).
fn error_note<'a>(change: &StatusMove<'a>) -> Option<Option<&'a str>> {
    match change.error {
        ErrorNote::Set(note) => Some(note),
        ErrorNote::Keep | ErrorNote::Clear => None,
    }
}
