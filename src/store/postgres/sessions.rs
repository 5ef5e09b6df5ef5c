//! Chat sessions: listing, reading, ending, and transcript rows.

use super::super::StoreResult;
use super::super::backend::{SessionTx, TranscriptRow};
use super::super::queries::SessionQuery;
use super::PgConn;
use super::sql::{Filter, bound, count, direction, get, timestamp, timestamp_opt};
use crate::domain::{
    AccountId, AccountScope, CustomerId, EndpointId, Media, MessageId, Session, SessionId,
    Timestamp,
};
use tokio_postgres::Row;

const SESSION_FROM: &str = "sessions s join accounts a on a.id = s.account_id
     join endpoints e on e.id = s.endpoint_id join conversations c on c.id = s.conversation_id
     left join customers cu on cu.id = s.customer_id";
const SESSION_COLUMNS: &str = "s.id, s.account_id, a.name, s.customer_id, cu.name, s.endpoint_id,
     e.display_name, e.phone_number, c.other_address, s.created_at, s.last_activity_at, s.ended_at";

fn session(r: &Row) -> StoreResult<Session> {
    Ok(Session {
        id: SessionId::from_string(get::<String>(r, 0)?),
        account_id: AccountId::from_string(get::<String>(r, 1)?),
        account_name: get(r, 2)?,
        customer_id: get::<Option<String>>(r, 3)?.map(CustomerId::from_string),
        customer_name: get(r, 4)?,
        breadcrumb: Vec::new(),
        endpoint_id: EndpointId::from_string(get::<String>(r, 5)?),
        endpoint_name: get(r, 6)?,
        endpoint_number: get::<Option<String>>(r, 7)?.unwrap_or_default(),
        other_address: get(r, 8)?,
        created: timestamp(r, 9)?,
        last_activity: timestamp(r, 10)?,
        ended: timestamp_opt(r, 11)?,
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
        f.with("strpos(c.other_address, ?) > 0", from.clone());
    }
    if let Some(to) = &q.to_contains {
        f.with("strpos(coalesce(e.phone_number, ''), ?) > 0", to.clone());
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

fn transcript_row(r: &Row) -> StoreResult<TranscriptRow> {
    Ok(TranscriptRow {
        id: MessageId::from_string(get::<String>(r, 0)?),
        at: timestamp(r, 1)?,
        direction: direction(r, 2)?,
        other_address: get(r, 3)?,
        sender: get(r, 4)?,
        body: get(r, 5)?,
    })
}

const TRANSCRIPT_COLUMNS: &str =
    "m.id, m.created_at, m.direction, m.other_address, m.sender, m.body";

impl SessionTx for PgConn {
    async fn list_sessions(
        &mut self,
        q: &SessionQuery,
    ) -> StoreResult<(Vec<Session>, Option<u64>)> {
        let mut f = filter(q);
        let clause = f.clause();
        let total = if q.with_total {
            let sql = format!("select count(*) from {SESSION_FROM} {clause}");
            let r = self.query_one(&sql, &f.refs()).await?;
            Some(count(get(&r, 0)?))
        } else {
            None
        };
        let dir = if q.descending { "desc" } else { "asc" };
        let limit = f.arg(bound(q.limit));
        let offset = f.arg(bound(q.offset));
        let sql = format!(
            "select {SESSION_COLUMNS} from {SESSION_FROM} {clause}
             order by s.created_at {dir}, s.id {dir} limit {limit} offset {offset}"
        );
        let items = self
            .query(&sql, &f.refs())
            .await?
            .iter()
            .map(session)
            .collect::<StoreResult<Vec<_>>>()?;
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
        self.query_opt(&sql, &f.refs())
            .await?
            .map(|r| session(&r))
            .transpose()
    }

    async fn customer_link(
        &mut self,
        id: &CustomerId,
    ) -> StoreResult<Option<(String, Option<CustomerId>)>> {
        let Some(r) = self
            .query_opt(
                "select name, parent_id from customers where id = $1",
                &[&id.as_str()],
            )
            .await?
        else {
            return Ok(None);
        };
        Ok(Some((
            get(&r, 0)?,
            get::<Option<String>>(&r, 1)?.map(CustomerId::from_string),
        )))
    }

    async fn end_session(&mut self, id: &SessionId, at: Timestamp) -> StoreResult<()> {
        self.execute(
            "update sessions set ended_at = coalesce(ended_at, $2) where id = $1",
            &[&id.as_str(), &at.millis()],
        )
        .await
        .map(drop)
    }

    async fn transcript_rows(
        &mut self,
        session: &SessionId,
        window: Option<(Timestamp, Timestamp)>,
    ) -> StoreResult<Vec<TranscriptRow>> {
        let rows = match window {
            Some((from, upto)) => {
                let sql = format!(
                    "select {TRANSCRIPT_COLUMNS} from messages m
                     where m.conversation_id = (select conversation_id from sessions where id = $1)
                       and (m.session_id = $1 or (m.created_at >= $2 and m.created_at <= $3))
                     order by m.created_at, m.id"
                );
                self.query(&sql, &[&session.as_str(), &from.millis(), &upto.millis()])
                    .await?
            }
            None => {
                let sql = format!(
                    "select {TRANSCRIPT_COLUMNS} from messages m where m.session_id = $1
                     order by m.created_at, m.id"
                );
                self.query(&sql, &[&session.as_str()]).await?
            }
        };
        rows.iter().map(transcript_row).collect()
    }

    async fn media(&mut self, message: &MessageId) -> StoreResult<Vec<Media>> {
        self.query(
            "select url, content_type from message_media where message_id = $1 order by position",
            &[&message.as_str()],
        )
        .await?
        .iter()
        .map(|r| {
            Ok(Media {
                url: get(r, 0)?,
                content_type: get(r, 1)?,
            })
        })
        .collect()
    }

    async fn mark_read(&mut self, message: &MessageId) -> StoreResult<()> {
        self.execute(
            "update messages set is_unread = false where id = $1 and is_unread",
            &[&message.as_str()],
        )
        .await
        .map(drop)
    }
}
