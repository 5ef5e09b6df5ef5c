//! Messages, conversations, idempotency keys and read state.

use super::super::backend::{InboundEndpoint, MessagingTx, NewRow, Route, SessionRoute};
use super::super::queries::{ConversationQuery, MessagePage, MessageQuery, MessageSort};
use super::super::{StoreError, StoreResult};
use super::PgConn;
use super::rows::{ENDPOINT_COLUMNS, MESSAGE_COLUMNS, endpoint, message};
use super::sql::{Filter, bound, count, get, timestamp_opt};
use crate::domain::{
    AccountId, AccountScope, Conversation, ConversationId, CustomerId, Direction, EndpointId,
    Idempotency, Media, Message, MessageId, SessionId, Timestamp,
};
use anyhow::anyhow;

impl MessagingTx for PgConn {
    async fn claim_idempotency_key(
        &mut self,
        key: &Idempotency,
        message: &MessageId,
        at: Timestamp,
        stale_before: Timestamp,
    ) -> StoreResult<Option<(Vec<u8>, MessageId)>> {
        let taken = self
            .execute(
                "insert into idempotency_keys (user_id, key, request_hash, message_id, created_at)
                 values ($1, $2, $3, $4, $5)
                 on conflict (user_id, key) do update set request_hash = excluded.request_hash,
                   message_id = excluded.message_id, created_at = excluded.created_at
                 where idempotency_keys.created_at <= $6",
                &[
                    &key.user.as_str(),
                    &key.key,
                    &key.request_hash.as_slice(),
                    &message.as_str(),
                    &at.millis(),
                    &stale_before.millis(),
                ],
            )
            .await?;
        if taken > 0 {
            return Ok(None);
        }
        let r = self
            .query_one(
                "select request_hash, message_id from idempotency_keys
                 where user_id = $1 and key = $2",
                &[&key.user.as_str(), &key.key],
            )
            .await?;
        Ok(Some((
            get(&r, 0)?,
            MessageId::from_string(get::<String>(&r, 1)?),
        )))
    }

    async fn message(
        &mut self,
        scope: &AccountScope,
        id: &MessageId,
    ) -> StoreResult<Option<Message>> {
        let mut f = Filter::default();
        f.with("m.id = ?", id.as_str().to_owned())
            .scope(scope, "m.account_id");
        let sql = format!(
            "select {MESSAGE_COLUMNS} from messages m join endpoints e on e.id = m.endpoint_id {}",
            f.clause()
        );
        self.query_opt(&sql, &f.refs())
            .await?
            .map(|r| message(&r, 0))
            .transpose()
    }

    async fn session_route(
        &mut self,
        scope: &AccountScope,
        id: &SessionId,
    ) -> StoreResult<Option<SessionRoute>> {
        let mut f = Filter::default();
        f.with("s.id = ?", id.as_str().to_owned())
            .scope(scope, "s.account_id");
        let sql = format!(
            "select s.account_id, s.customer_id, s.endpoint_id, e.display_name, c.other_address, s.ended_at
             from sessions s join conversations c on c.id = s.conversation_id
             join endpoints e on e.id = s.endpoint_id {}",
            f.clause()
        );
        let Some(r) = self.query_opt(&sql, &f.refs()).await? else {
            return Ok(None);
        };
        Ok(Some(SessionRoute {
            route: Route {
                account_id: AccountId::from_string(get::<String>(&r, 0)?),
                customer_id: get::<Option<String>>(&r, 1)?.map(CustomerId::from_string),
                endpoint_id: EndpointId::from_string(get::<String>(&r, 2)?),
                endpoint_name: get(&r, 3)?,
                other_address: get(&r, 4)?,
            },
            ended: timestamp_opt(&r, 5)?,
        }))
    }

    async fn thread_message(
        &mut self,
        route: &Route,
        m: &NewRow<'_>,
    ) -> StoreResult<Option<Message>> {
        thread(self, route, m).await
    }

    async fn enqueue(&mut self, message: &MessageId, due: Timestamp) -> StoreResult<()> {
        self.execute(
            "insert into outbox (message_id, due_at) values ($1, $2)",
            &[&message.as_str(), &due.millis()],
        )
        .await
        .map(drop)
    }

    async fn insert_media(&mut self, message: &MessageId, media: &[Media]) -> StoreResult<()> {
        for (position, item) in media.iter().enumerate() {
            let position = i32::try_from(position).map_err(|_| {
                StoreError::Internal(anyhow!("media position {position} too large"))
            })?;
            self.execute(
                "insert into message_media (message_id, position, url, content_type)
                 values ($1, $2, $3, $4)",
                &[&message.as_str(), &position, &item.url, &item.content_type],
            )
            .await?;
        }
        Ok(())
    }

    async fn message_by_carrier_sid(&mut self, sid: &str) -> StoreResult<Option<MessageId>> {
        by_carrier_sid(self, sid).await
    }

    async fn inbound_endpoint(&mut self, number: &str) -> StoreResult<Option<InboundEndpoint>> {
        let sql = format!(
            "select {ENDPOINT_COLUMNS}, a.twilio_account_sid from endpoints e
             join accounts a on a.id = e.account_id where e.phone_number = $1"
        );
        let Some(r) = self.query_opt(&sql, &[&number]).await? else {
            return Ok(None);
        };
        Ok(Some(InboundEndpoint {
            endpoint: endpoint(&r)?,
            account_carrier_sid: get(&r, 9)?,
        }))
    }

    async fn conversation(
        &mut self,
        scope: &AccountScope,
        id: &ConversationId,
    ) -> StoreResult<Option<Conversation>> {
        let mut f = Filter::default();
        f.with("c.id = ?", id.as_str().to_owned())
            .scope(scope, "c.account_id");
        Ok(conversations(self, f, 1).await?.pop())
    }

    async fn mark_conversation_read(&mut self, id: &ConversationId) -> StoreResult<()> {
        self.execute(
            "update messages set is_unread = false where conversation_id = $1 and is_unread",
            &[&id.as_str()],
        )
        .await
        .map(drop)
    }

    async fn mark_latest_incoming_unread(&mut self, id: &ConversationId) -> StoreResult<()> {
        self.execute(
            "update messages set is_unread = true where id = (
               select id from messages where conversation_id = $1 and direction = 'Incoming'
               order by created_at desc, id desc limit 1)",
            &[&id.as_str()],
        )
        .await
        .map(drop)
    }

    async fn set_message_unread(&mut self, id: &MessageId, unread: bool) -> StoreResult<()> {
        self.execute(
            "update messages set is_unread = $2 where id = $1",
            &[&id.as_str(), &unread],
        )
        .await
        .map(drop)
    }

    async fn list_messages(&mut self, q: &MessageQuery) -> StoreResult<MessagePage> {
        list(self, q).await
    }

    async fn list_conversations(
        &mut self,
        q: &ConversationQuery,
    ) -> StoreResult<Vec<Conversation>> {
        let mut f = Filter::default();
        f.scope(&q.scope, "c.account_id")
            .any_of("c.customer_id", q.customer_ids.iter().map(|i| i.as_str()))
            .any_of("c.endpoint_id", q.endpoint_ids.iter().map(|i| i.as_str()));
        if let Some(after) = q.after {
            f.with("c.last_message_at > ?", after.millis());
        }
        if q.unread_only {
            f.when(&format!("{UNREAD} > 0"));
        }
        conversations(self, f, q.limit).await
    }
}

pub(super) async fn by_carrier_sid(c: &PgConn, sid: &str) -> StoreResult<Option<MessageId>> {
    c.query_opt("select id from messages where carrier_ref = $1", &[&sid])
        .await?
        .map(|r| get::<String>(&r, 0).map(MessageId::from_string))
        .transpose()
}

async fn thread(c: &PgConn, route: &Route, m: &NewRow<'_>) -> StoreResult<Option<Message>> {
    let at = m.at.millis();
    let customer_id = route.customer_id.as_ref().map(CustomerId::as_str);
    let unread = m.direction == Direction::Incoming;
    let segments = i32::try_from(m.segments.count).map_err(|_| {
        StoreError::Internal(anyhow!(
            "{} segments do not fit the database",
            m.segments.count
        ))
    })?;
    // One statement, so one round trip: the conversation (created or moved on), its open
    // session (created or touched), then the message. A message refused for its carrier sid
    // leaves no row out (`inserted` is 0) and the caller rolls the whole transaction back.
    let r = c
        .query_one(
            "with c as (
               insert into conversations (id, account_id, customer_id, endpoint_id, other_address,
                                          last_message_id, last_message_at)
               values ($1, $2, $3, $4, $5, $6, $7)
               on conflict (endpoint_id, other_address) do update
                 set last_message_id = case when excluded.last_message_at >= conversations.last_message_at
                                            then excluded.last_message_id
                                            else conversations.last_message_id end,
                     last_message_at = greatest(conversations.last_message_at, excluded.last_message_at)
               returning id
             ), s as (
               insert into sessions (id, account_id, customer_id, endpoint_id, conversation_id,
                                     channel, created_at, last_activity_at)
               select $8, $2, $3, $4, c.id, 'Chat', $7, $7 from c
               on conflict (conversation_id) where ended_at is null
                 do update set last_activity_at = excluded.last_activity_at
               returning id
             ), m as (
               insert into messages (id, account_id, customer_id, endpoint_id, conversation_id,
                                     session_id, direction, other_address, sender, body, is_unread,
                                     status, created_at, updated_at, segments, encoding, carrier_ref)
               select $6, $2, $3, $4, c.id, s.id, $9, $5, $10, $11, $12, $13, $7, $7, $14, $15, $16
               from c, s
               on conflict (carrier_ref) where carrier_ref is not null do nothing
               returning id
             )
             select c.id, s.id, (select count(*) from m) from c, s",
            &[
                &ConversationId::generate().as_str(),
                &route.account_id.as_str(),
                &customer_id,
                &route.endpoint_id.as_str(),
                &route.other_address,
                &m.id.as_str(),
                &at,
                &SessionId::generate().as_str(),
                &m.direction.as_str(),
                &m.sender,
                &m.body,
                &unread,
                &m.status.as_str(),
                &segments,
                &m.segments.encoding.as_str(),
                &m.carrier_ref,
            ],
        )
        .await?;
    let conversation_id: String = get(&r, 0)?;
    let session_id: String = get(&r, 1)?;
    let inserted: i64 = get(&r, 2)?;
    if inserted == 0 {
        return Ok(None);
    }
    Ok(Some(Message {
        id: m.id.clone(),
        account_id: route.account_id.clone(),
        customer_id: route.customer_id.clone(),
        endpoint_id: route.endpoint_id.clone(),
        endpoint_display_name: route.endpoint_name.clone(),
        conversation_id: ConversationId::from_string(conversation_id),
        session_id: SessionId::from_string(session_id),
        date: m.at,
        direction: m.direction,
        other_address: route.other_address.clone(),
        sender: m.sender.to_owned(),
        text: m.body.to_owned(),
        is_unread: unread,
        status: m.status,
    }))
}

async fn list(c: &PgConn, q: &MessageQuery) -> StoreResult<MessagePage> {
    let mut f = Filter::default();
    f.scope(&q.scope, "m.account_id")
        .any_of("m.customer_id", q.customer_ids.iter().map(|i| i.as_str()))
        .any_of("m.endpoint_id", q.endpoint_ids.iter().map(|i| i.as_str()))
        .any_of(
            "m.conversation_id",
            q.conversation_ids.iter().map(|i| i.as_str()),
        )
        .any_of("m.id", q.specific_ids.iter().map(|i| i.as_str()));
    if let Some(after) = q.after {
        f.with("m.created_at > ?", after.millis());
    }
    let filter = f.clause();
    let total = if q.with_total {
        let sql = format!("select count(*) from messages m {filter}");
        let r = c.query_one(&sql, &f.refs()).await?;
        Some(count(get(&r, 0)?))
    } else {
        None
    };
    let dir = if q.descending { "desc" } else { "asc" };
    let order = match q.sort {
        MessageSort::Date => format!("m.created_at {dir}, m.id {dir}"),
        MessageSort::Id => format!("m.id {dir}"),
    };
    let limit = f.arg(bound(q.limit));
    let offset = f.arg(bound(q.offset));
    let sql = format!(
        "select {MESSAGE_COLUMNS} from messages m join endpoints e on e.id = m.endpoint_id {filter}
         order by {order} limit {limit} offset {offset}"
    );
    let items = c
        .query(&sql, &f.refs())
        .await?
        .iter()
        .map(|r| message(r, 0))
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(MessagePage { items, total })
}

/// Unread messages of conversation `c` (the partial index `messages_unread` answers it).
const UNREAD: &str =
    "(select count(*) from messages u where u.conversation_id = c.id and u.is_unread)";

async fn conversations(c: &PgConn, mut f: Filter, limit: u64) -> StoreResult<Vec<Conversation>> {
    let clause = f.clause();
    let limit = f.arg(bound(limit));
    let sql = format!(
        "select c.id, c.endpoint_id, c.other_address, {UNREAD}, {MESSAGE_COLUMNS}
         from conversations c join messages m on m.id = c.last_message_id
         join endpoints e on e.id = m.endpoint_id
         {clause} order by c.last_message_at desc, c.id desc limit {limit}"
    );
    c.query(&sql, &f.refs())
        .await?
        .iter()
        .map(|r| {
            Ok(Conversation {
                id: ConversationId::from_string(get::<String>(r, 0)?),
                endpoint_id: EndpointId::from_string(get::<String>(r, 1)?),
                other_address: get(r, 2)?,
                unread_count: count(get(r, 3)?),
                most_recent: message(r, 4)?,
            })
        })
        .collect()
}
