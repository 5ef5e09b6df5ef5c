//! Chat sessions: listing, reading, ending, and transcripts (oldest first).

use super::super::inbound::Media;
use super::super::sessions::{Session, SessionPage, SessionQuery, TranscriptLine, TranscriptQuery};
use super::super::{StoreError, StoreResult};
use super::sql::{internal, optional_in, scope_filter, where_clause};
use crate::domain::{AccountId, AccountScope, CustomerId, EndpointId, SessionId, Timestamp};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};

const SESSION_FROM: &str = "sessions s join accounts a on a.id = s.account_id
     join endpoints e on e.id = s.endpoint_id join conversations c on c.id = s.conversation_id
     left join customers cu on cu.id = s.customer_id";
const SESSION_COLUMNS: &str = "s.id, s.account_id, a.name, s.customer_id, cu.name, s.endpoint_id,
     e.display_name, e.phone_number, c.other_address, s.created_at, s.last_activity_at, s.ended_at";

fn session_from_row(r: &Row<'_>) -> rusqlite::Result<Session> {
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
        ended: r.get::<_, Option<i64>>(11)?.map(Timestamp::from_millis),
    })
}

/// Root-to-leaf customers above and including `customer` (bounded: a cycle cannot hang us).
fn breadcrumb(c: &Connection, customer: &CustomerId) -> StoreResult<Vec<(CustomerId, String)>> {
    let mut stmt = c
        .prepare_cached("select name, parent_id from customers where id = ?1")
        .map_err(internal)?;
    let mut crumbs = Vec::new();
    let mut next = Some(customer.clone());
    while let Some(id) = next.take() {
        if crumbs.len() >= 32 {
            break;
        }
        let row: Option<(String, Option<String>)> = stmt
            .query_row([id.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .map_err(internal)?;
        if let Some((name, parent)) = row {
            crumbs.push((id, name));
            next = parent.map(CustomerId::from_string);
        }
    }
    crumbs.reverse();
    Ok(crumbs)
}

fn with_breadcrumbs(c: &Connection, mut sessions: Vec<Session>) -> StoreResult<Vec<Session>> {
    for s in &mut sessions {
        if let Some(customer) = &s.customer_id {
            s.breadcrumb = breadcrumb(c, customer)?;
        }
    }
    Ok(sessions)
}

fn filters(q: &SessionQuery) -> (Vec<String>, Vec<Value>) {
    let (mut conds, mut args) = (Vec::new(), Vec::new());
    scope_filter(&q.scope, "s.account_id", &mut conds, &mut args);
    optional_in(
        "s.account_id",
        q.account_ids.iter().map(|i| i.as_str()),
        &mut conds,
        &mut args,
    );
    optional_in(
        "s.customer_id",
        q.customer_ids.iter().map(|i| i.as_str()),
        &mut conds,
        &mut args,
    );
    optional_in(
        "s.endpoint_id",
        q.endpoint_ids.iter().map(|i| i.as_str()),
        &mut conds,
        &mut args,
    );
    optional_in(
        "s.id",
        q.specific_ids.iter().map(|i| i.as_str()),
        &mut conds,
        &mut args,
    );
    if let Some(from) = &q.from_contains {
        conds.push("instr(c.other_address, ?) > 0".to_owned());
        args.push(Value::Text(from.clone()));
    }
    if let Some(to) = &q.to_contains {
        conds.push("instr(coalesce(e.phone_number, ''), ?) > 0".to_owned());
        args.push(Value::Text(to.clone()));
    }
    if let Some(start) = q.start {
        conds.push("s.created_at >= ?".to_owned());
        args.push(Value::Integer(start.millis()));
    }
    if let Some(end) = q.end {
        conds.push("s.created_at < ?".to_owned());
        args.push(Value::Integer(end.millis()));
    }
    if q.open_only {
        conds.push("s.ended_at is null".to_owned());
    }
    (conds, args)
}

pub fn list(c: &Connection, q: &SessionQuery) -> StoreResult<SessionPage> {
    let (conds, mut args) = filters(q);
    let filter = where_clause(&conds);
    let total = if q.with_total {
        let n: i64 = c
            .prepare_cached(&format!("select count(*) from {SESSION_FROM} {filter}"))
            .and_then(|mut s| s.query_row(params_from_iter(args.iter()), |r| r.get(0)))
            .map_err(internal)?;
        Some(u64::try_from(n).unwrap_or(0))
    } else {
        None
    };
    let dir = if q.descending { "desc" } else { "asc" };
    args.push(Value::Integer(i64::try_from(q.limit).unwrap_or(i64::MAX)));
    args.push(Value::Integer(i64::try_from(q.offset).unwrap_or(i64::MAX)));
    let sql = format!(
        "select {SESSION_COLUMNS} from {SESSION_FROM} {filter}
         order by s.created_at {dir}, s.id {dir} limit ? offset ?"
    );
    let items = c
        .prepare_cached(&sql)
        .and_then(|mut s| {
            s.query_map(params_from_iter(args), session_from_row)?
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(internal)?;
    Ok(SessionPage {
        items: with_breadcrumbs(c, items)?,
        total,
    })
}

pub fn get(c: &Connection, scope: &AccountScope, id: &SessionId) -> StoreResult<Session> {
    let (mut conds, mut args) = (
        vec!["s.id = ?".to_owned()],
        vec![Value::Text(id.as_str().to_owned())],
    );
    scope_filter(scope, "s.account_id", &mut conds, &mut args);
    let sql = format!(
        "select {SESSION_COLUMNS} from {SESSION_FROM} {}",
        where_clause(&conds)
    );
    let found = c
        .prepare_cached(&sql)
        .and_then(|mut s| {
            s.query_row(params_from_iter(args), session_from_row)
                .optional()
        })
        .map_err(internal)?
        .ok_or_else(|| StoreError::NotFound(format!("Session '{id}' not found")))?;
    Ok(with_breadcrumbs(c, vec![found])?.remove(0))
}

/// Ends the session (again is harmless); later messages open a new one.
pub fn end(
    c: &Connection,
    scope: &AccountScope,
    id: &SessionId,
    now: Timestamp,
) -> StoreResult<Session> {
    get(c, scope, id)?;
    c.prepare_cached("update sessions set ended_at = coalesce(ended_at, ?2) where id = ?1")
        .and_then(|mut s| s.execute(params![id.as_str(), now.millis()]))
        .map_err(internal)?;
    get(c, scope, id)
}

type Row6 = (String, i64, String, String, String, String);

fn transcript_rows(
    c: &Connection,
    cond: &str,
    args: &[&dyn rusqlite::ToSql],
) -> StoreResult<Vec<Row6>> {
    let sql = format!(
        "select m.id, m.created_at, m.direction, m.other_address, m.sender, m.body from messages m
         where {cond} order by m.created_at, m.id"
    );
    c.prepare_cached(&sql)
        .and_then(|mut s| {
            s.query_map(args, |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()
        })
        .map_err(internal)
}

/// The session's messages oldest first (with the conversation's earlier sessions when asked),
/// marking them read when a User reads them.
pub fn transcript(
    c: &Connection,
    q: &TranscriptQuery,
    now: Timestamp,
) -> StoreResult<Vec<TranscriptLine>> {
    let session = get(c, &q.scope, &q.session)?;
    let rows = if q.include_historical {
        // The conversation's messages from the cut-off until this session ended (or now).
        let from = q.historical_cutoff.map_or(0, |t| t.millis());
        let upto = session.ended.unwrap_or(now).millis();
        transcript_rows(
            c,
            "m.conversation_id = (select conversation_id from sessions where id = ?1)
             and (m.session_id = ?1 or (m.created_at >= ?2 and m.created_at <= ?3))",
            params![q.session.as_str(), from, upto],
        )?
    } else {
        transcript_rows(c, "m.session_id = ?1", params![q.session.as_str()])?
    };
    let mut media = c
        .prepare_cached(
            "select url, content_type from message_media where message_id = ?1 order by position",
        )
        .map_err(internal)?;
    let mut mark = c
        .prepare_cached("update messages set is_unread = 0 where id = ?1 and is_unread = 1")
        .map_err(internal)?;
    let mut lines = Vec::with_capacity(rows.len());
    for (id, at, direction, other, sender, body) in rows {
        let attachments = media
            .query_map([&id], |r| {
                Ok(Media {
                    url: r.get(0)?,
                    content_type: r.get(1)?,
                })
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(internal)?;
        if q.mark_read {
            mark.execute([&id]).map_err(internal)?;
        }
        lines.push(TranscriptLine {
            date: Timestamp::from_millis(at),
            from: if direction == "Incoming" {
                other
            } else {
                sender
            },
            body,
            media: attachments,
        });
    }
    Ok(lines)
}
