//! Chat sessions: listing, reading, ending, and transcript rows.

use super::super::StoreResult;
use super::super::backend::{SessionTx, TranscriptRow};
use super::super::queries::SessionQuery;
use super::rows::direction;
use super::sql::{Filter, bound, count, internal, timestamp};
use crate::domain::{
    AccountId, AccountScope, CustomerId, EndpointId, Media, MessageId, Session, SessionId,
    Timestamp,
};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};

const SESSION_FROM: &str = "sessions s join accounts a on a.id = s.account_id
     join endpoints e on e.id = s.endpoint_id join conversations c on c.id = s.conversation_id
     left join customers cu on cu.id = s.customer_id";
const SESSION_COLUMNS: &str = "s.id, s.account_id, a.name, s.customer_id, cu.name, s.endpoint_id,
     e.display_name, e.phone_number, c.other_address, s.created_at, s.last_activity_at, s.ended_at";

fn session(r: &Row<'_>) -> rusqlite::Result<Session> {
    Ok(Session {
        id: SessionId::from_string(r.get::<_, String>(0)?),
        account_id: AccountId::from_string(r.get::<_, String>(1)?),
        account_name: r.get(2)?,
        customer_id: r.get::<_, Option<String>>(3)?.map(CustomerId::from_string),
        customer_name: r.get(4)?,
        breadcrumb: Vec::new(),
        endpoint_id: EndpointId::from_string(r.get::<_, String>(5)?),
        endpoint_name: r.get(6)?,
        endpoint_number: r.get::<_, Option<String>>(7)?.unwrap_or_default(),
        other_address: r.get(8)?,
        created: Timestamp::from_millis(r.get(9)?),
        last_activity: Timestamp::from_millis(r.get(10)?),
        ended: timestamp(r.get(11)?),
    })
}

fn filter(q: &SessionQuery) -> Filter {
    let mut f = Filter::default();
    f.scope(&q.scope, "s.account_id")
        .any_of("s.account_id", q.account_ids.iter().map(|i| i.as_str()))
        .any_of("s.customer_id", q.customer_ids.iter().map(|i| i.as_str()))
        .any_of("s.endpoint_id", q.endpoint_ids.iter().map(|i| i.as_str()))
        .any_of("s.id", q.specific_ids.iter().map(|i| i.as_str()));
    if let Some(from) = &q.from_contains {
        f.with("instr(c.other_address, ?) > 0", from.clone());
    }
    if let Some(to) = &q.to_contains {
        f.with("instr(coalesce(e.phone_number, ''), ?) > 0", to.clone());
    }
    if let Some(start) = q.start {
        f.with("s.created_at >= ?", start.millis());
    }
    if let Some(end) = q.end {
        f.with("s.created_at < ?", end.millis());
    }
    if q.open_only {
        f.when("s.ended_at is null");
    }
    f
}

impl SessionTx for Connection {
    async fn list_sessions(
        &mut self,
        q: &SessionQuery,
    ) -> StoreResult<(Vec<Session>, Option<u64>)> {
        let f = filter(q);
        let clause = f.clause();
        let total = if q.with_total {
            let n: i64 = self
                .prepare_cached(&format!("select count(*) from {SESSION_FROM} {clause}"))
                .and_then(|mut s| s.query_row(params_from_iter(&f.args), |r| r.get(0)))
                .map_err(internal)?;
            Some(count(n))
        } else {
            None
        };
        let dir = if q.descending { "desc" } else { "asc" };
        let mut args = f.args.clone();
        args.push(Value::Integer(bound(q.limit)));
        args.push(Value::Integer(bound(q.offset)));
        let sql = format!(
            "select {SESSION_COLUMNS} from {SESSION_FROM} {clause}
             order by s.created_at {dir}, s.id {dir} limit ? offset ?"
        );
        let items = self
            .prepare_cached(&sql)
            .and_then(|mut s| {
                s.query_map(params_from_iter(args), session)?
                    .collect::<Result<Vec<_>, _>>()
            })
            .map_err(internal)?;
        Ok((items, total))
    }

    async fn session(
        &mut self,
        scope: &AccountScope,
        id: &SessionId,
    ) -> StoreResult<Option<Session>> {
        let mut f = Filter::default();
        f.with("s.id = ?", id.as_str().to_owned())
            .scope(scope, "s.account_id");
        let sql = format!(
            "select {SESSION_COLUMNS} from {SESSION_FROM} {}",
            f.clause()
        );
        self.prepare_cached(&sql)
            .and_then(|mut s| s.query_row(params_from_iter(&f.args), session).optional())
            .map_err(internal)
    }

    async fn customer_link(
        &mut self,
        id: &CustomerId,
    ) -> StoreResult<Option<(String, Option<CustomerId>)>> {
        self.prepare_cached("select name, parent_id from customers where id = ?1")
            .and_then(|mut s| {
                s.query_row([id.as_str()], |r| {
                    Ok((
                        r.get(0)?,
                        r.get::<_, Option<String>>(1)?.map(CustomerId::from_string),
                    ))
                })
                .optional()
            })
            .map_err(internal)
    }

    async fn end_session(&mut self, id: &SessionId, at: Timestamp) -> StoreResult<()> {
        self.prepare_cached("update sessions set ended_at = coalesce(ended_at, ?2) where id = ?1")
            .and_then(|mut s| s.execute(params![id.as_str(), at.millis()]))
            .map(drop)
            .map_err(internal)
    }

    async fn transcript_rows(
        &mut self,
        session: &SessionId,
        window: Option<(Timestamp, Timestamp)>,
    ) -> StoreResult<Vec<TranscriptRow>> {
        let columns = "m.id, m.created_at, m.direction, m.other_address, m.sender, m.body";
        let row = |r: &Row<'_>| {
            Ok(TranscriptRow {
                id: MessageId::from_string(r.get::<_, String>(0)?),
                at: Timestamp::from_millis(r.get(1)?),
                direction: direction(2, r.get(2)?)?,
                other_address: r.get(3)?,
                sender: r.get(4)?,
                body: r.get(5)?,
            })
        };
        let rows = match window {
            Some((from, upto)) => self
                .prepare_cached(&format!(
                    "select {columns} from messages m
                     where m.conversation_id = (select conversation_id from sessions where id = ?1)
                       and (m.session_id = ?1 or (m.created_at >= ?2 and m.created_at <= ?3))
                     order by m.created_at, m.id"
                ))
                .and_then(|mut s| {
                    s.query_map(params![session.as_str(), from.millis(), upto.millis()], row)?
                        .collect::<Result<Vec<_>, _>>()
                }),
            None => self
                .prepare_cached(&format!(
                    "select {columns} from messages m where m.session_id = ?1
                     order by m.created_at, m.id"
                ))
                .and_then(|mut s| {
                    s.query_map([session.as_str()], row)?
                        .collect::<Result<Vec<_>, _>>()
                }),
        };
        rows.map_err(internal)
    }

    async fn media(&mut self, message: &MessageId) -> StoreResult<Vec<Media>> {
        self.prepare_cached(
            "select url, content_type from message_media where message_id = ?1 order by position",
        )
        .and_then(|mut s| {
            s.query_map([message.as_str()], |r| {
                Ok(Media {
                    url: r.get(0)?,
                    content_type: r.get(1)?,
                })
            })?
            .collect()
        })
        .map_err(internal)
    }

    async fn mark_read(&mut self, message: &MessageId) -> StoreResult<()> {
        self.prepare_cached("update messages set is_unread = 0 where id = ?1 and is_unread = 1")
            .and_then(|mut s| s.execute([message.as_str()]))
            .map(drop)
            .map_err(internal)
    }
}
