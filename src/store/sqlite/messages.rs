//! Sending (one savepoint: message, conversation, session, outbox row) and the two list reads.

use super::super::{
    ConversationQuery, MessagePage, MessageQuery, MessageSort, NewMessage, SendTarget, StoreError,
    StoreResult,
};
use super::sql::{internal, optional_in, scope_filter, where_clause};
use crate::domain::{
    AccountId, AccountScope, Conversation, ConversationId, CustomerId, DeliveryStatus, Direction,
    EndpointId, Message, MessageId, SessionId, Timestamp,
};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};

/// The endpoint side of a message and the remote party.
pub struct Route {
    pub account_id: AccountId,
    pub customer_id: Option<CustomerId>,
    pub endpoint_id: EndpointId,
    pub endpoint_name: String,
    pub other_address: String,
}

pub fn insert_outgoing(
    c: &Connection,
    scope: &AccountScope,
    m: &NewMessage,
) -> StoreResult<Message> {
    if let Some(key) = &m.idempotency
        && let Some(original) = super::delivery::replayed(c, key, m.date)?
    {
        // The caller may have lost access to the account since: then it is not found.
        let message = message_by_id(c, &original)?;
        if !scope.allows(&message.account_id) {
            return Err(StoreError::NotFound(format!(
                "Message '{original}' not found"
            )));
        }
        return Ok(message);
    }
    let route = match &m.target {
        SendTarget::Session(id) => session_route(c, scope, id)?,
        SendTarget::Endpoint { endpoint, to } => endpoint_route(c, scope, endpoint, to.as_str())?,
    };
    super::opt_out::refuse_if_opted_out(c, &route.endpoint_id, &route.other_address)?;
    let id = MessageId::generate();
    let at = m.date.millis();
    let message = insert_message(
        c,
        &route,
        &MessageRow {
            id: &id,
            direction: Direction::Outgoing,
            sender: &m.sender,
            body: m.body.as_str(),
            segments: m.segments,
            status: DeliveryStatus::Queued,
            carrier_ref: None,
            at: m.date,
        },
    )?;
    c.prepare_cached("insert into outbox (message_id, due_at) values (?1, ?2)")
        .and_then(|mut s| s.execute(params![id.as_str(), at]))
        .map_err(internal)?;
    if let Some(key) = &m.idempotency {
        super::delivery::remember(c, key, &id, m.date)?;
    }
    Ok(message)
}

/// One message to write, in or out.
pub struct MessageRow<'a> {
    pub id: &'a MessageId,
    pub direction: Direction,
    pub sender: &'a str,
    pub body: &'a str,
    pub segments: crate::domain::Segments,
    pub status: DeliveryStatus,
    pub carrier_ref: Option<&'a str>,
    pub at: Timestamp,
}

/// Threads a message into its conversation and Chat session (creating them on first use) and
/// writes it.
pub fn insert_message(c: &Connection, route: &Route, m: &MessageRow<'_>) -> StoreResult<Message> {
    let at = m.at.millis();
    let conversation_id: String = c
        .prepare_cached(
            "insert into conversations (id, account_id, customer_id, endpoint_id, other_address, last_message_id, last_message_at)
             values (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             on conflict (endpoint_id, other_address) do update
               set last_message_id = case when excluded.last_message_at >= last_message_at
                                          then excluded.last_message_id else last_message_id end,
                   last_message_at = max(last_message_at, excluded.last_message_at)
             returning id",
        )
        .and_then(|mut s| {
            s.query_row(
                params![
                    ConversationId::generate().as_str(),
                    route.account_id.as_str(),
                    route.customer_id.as_ref().map(CustomerId::as_str),
                    route.endpoint_id.as_str(),
                    route.other_address,
                    m.id.as_str(),
                    at
                ],
                |r| r.get(0),
            )
        })
        .map_err(internal)?;
    let session_id: String = c
        .prepare_cached(
            "insert into sessions (id, account_id, customer_id, endpoint_id, conversation_id, channel, created_at, last_activity_at)
             values (?1, ?2, ?3, ?4, ?5, 'Chat', ?6, ?6)
             on conflict (conversation_id) where ended_at is null
               do update set last_activity_at = excluded.last_activity_at
             returning id",
        )
        .and_then(|mut s| {
            s.query_row(
                params![
                    SessionId::generate().as_str(),
                    route.account_id.as_str(),
                    route.customer_id.as_ref().map(CustomerId::as_str),
                    route.endpoint_id.as_str(),
                    conversation_id,
                    at
                ],
                |r| r.get(0),
            )
        })
        .map_err(internal)?;
    let unread = m.direction == Direction::Incoming;
    c.prepare_cached(
        "insert into messages (id, account_id, customer_id, endpoint_id, conversation_id, session_id, direction,
                               other_address, sender, body, is_unread, status, created_at, updated_at,
                               segments, encoding, carrier_ref)
         values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13, ?14, ?15, ?16)",
    )
    .and_then(|mut s| {
        s.execute(params![
            m.id.as_str(),
            route.account_id.as_str(),
            route.customer_id.as_ref().map(CustomerId::as_str),
            route.endpoint_id.as_str(),
            conversation_id,
            session_id,
            m.direction.as_str(),
            route.other_address,
            m.sender,
            m.body,
            unread,
            m.status.as_str(),
            at,
            m.segments.count,
            m.segments.encoding.as_str(),
            m.carrier_ref
        ])
    })
    .map_err(internal)?;
    Ok(Message {
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
    })
}

fn endpoint_route(
    c: &Connection,
    scope: &AccountScope,
    endpoint: &EndpointId,
    to: &str,
) -> StoreResult<Route> {
    let (mut conds, mut args) = (
        vec!["id = ?".to_owned()],
        vec![Value::from(endpoint.as_str().to_owned())],
    );
    scope_filter(scope, "account_id", &mut conds, &mut args);
    let sql = format!(
        "select account_id, customer_id, display_name, kind, sms_enabled from endpoints {}",
        where_clause(&conds)
    );
    let found = c
        .prepare_cached(&sql)
        .and_then(|mut s| {
            s.query_row(params_from_iter(args), |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, bool>(4)?,
                ))
            })
            .optional()
        })
        .map_err(internal)?;
    let Some((account, customer, name, kind, sms)) = found else {
        return Err(StoreError::NotFound(format!(
            "Endpoint '{endpoint}' not found"
        )));
    };
    if kind != "PhoneNumber" {
        return Err(StoreError::Invalid(
            "EndpointId",
            format!("Endpoint '{endpoint}' cannot send SMS"),
        ));
    }
    if !sms {
        return Err(StoreError::Refused(
            "SmsDisabled",
            format!("SMS is disabled on endpoint '{endpoint}'"),
        ));
    }
    Ok(Route {
        account_id: AccountId::from_string(account),
        customer_id: customer.map(CustomerId::from_string),
        endpoint_id: endpoint.clone(),
        endpoint_name: name,
        other_address: to.to_owned(),
    })
}

fn session_route(c: &Connection, scope: &AccountScope, session: &SessionId) -> StoreResult<Route> {
    let (mut conds, mut args) = (
        vec!["s.id = ?".to_owned()],
        vec![Value::from(session.as_str().to_owned())],
    );
    scope_filter(scope, "s.account_id", &mut conds, &mut args);
    let sql = format!(
        "select s.account_id, s.customer_id, s.endpoint_id, e.display_name, c.other_address, s.ended_at
         from sessions s join conversations c on c.id = s.conversation_id join endpoints e on e.id = s.endpoint_id {}",
        where_clause(&conds)
    );
    let found = c
        .prepare_cached(&sql)
        .and_then(|mut s| {
            s.query_row(params_from_iter(args), |r| {
                Ok((
                    Route {
                        account_id: AccountId::from_string(r.get::<_, String>(0)?),
                        customer_id: r.get::<_, Option<String>>(1)?.map(CustomerId::from_string),
                        endpoint_id: EndpointId::from_string(r.get::<_, String>(2)?),
                        endpoint_name: r.get(3)?,
                        other_address: r.get(4)?,
                    },
                    r.get::<_, Option<i64>>(5)?,
                ))
            })
            .optional()
        })
        .map_err(internal)?;
    match found {
        None => Err(StoreError::NotFound(format!(
            "Session '{session}' not found"
        ))),
        Some((_, Some(_))) => Err(StoreError::Refused(
            "SessionEnded",
            format!(
                "Session '{session}' has ended; send to the endpoint and address to start a new one"
            ),
        )),
        Some((route, None)) => Ok(route),
    }
}

/// Columns read by `message_from_row`, for a `messages m join endpoints e`.
const MESSAGE_COLUMNS: &str = "m.id, m.account_id, m.customer_id, m.endpoint_id, e.display_name, m.conversation_id,
     m.session_id, m.created_at, m.direction, m.other_address, m.sender, m.body, m.is_unread, m.status";

pub fn message_by_id(c: &Connection, id: &MessageId) -> StoreResult<Message> {
    c.prepare_cached(&format!(
        "select {MESSAGE_COLUMNS} from messages m join endpoints e on e.id = m.endpoint_id where m.id = ?1"
    ))
    .and_then(|mut s| s.query_row([id.as_str()], |r| message_from_row(r, 0)))
    .map_err(internal)
}

fn message_from_row(r: &Row<'_>, at: usize) -> rusqlite::Result<Message> {
    let text = |i: usize| r.get::<_, String>(at + i);
    Ok(Message {
        id: MessageId::from_string(text(0)?),
        account_id: AccountId::from_string(text(1)?),
        customer_id: r
            .get::<_, Option<String>>(at + 2)?
            .map(CustomerId::from_string),
        endpoint_id: EndpointId::from_string(text(3)?),
        endpoint_display_name: text(4)?,
        conversation_id: ConversationId::from_string(text(5)?),
        session_id: SessionId::from_string(text(6)?),
        date: Timestamp::from_millis(r.get(at + 7)?),
        direction: Direction::parse(&text(8)?).unwrap_or(Direction::Outgoing),
        other_address: text(9)?,
        sender: text(10)?,
        text: text(11)?,
        is_unread: r.get(at + 12)?,
        status: DeliveryStatus::parse(&text(13)?).unwrap_or(DeliveryStatus::Queued),
    })
}

fn message_filters(q: &MessageQuery) -> (Vec<String>, Vec<Value>) {
    let (mut conds, mut args) = (Vec::new(), Vec::new());
    scope_filter(&q.scope, "m.account_id", &mut conds, &mut args);
    optional_in(
        "m.customer_id",
        q.customer_ids.iter().map(|i| i.as_str()),
        &mut conds,
        &mut args,
    );
    optional_in(
        "m.endpoint_id",
        q.endpoint_ids.iter().map(|i| i.as_str()),
        &mut conds,
        &mut args,
    );
    optional_in(
        "m.conversation_id",
        q.conversation_ids.iter().map(|i| i.as_str()),
        &mut conds,
        &mut args,
    );
    optional_in(
        "m.id",
        q.specific_ids.iter().map(|i| i.as_str()),
        &mut conds,
        &mut args,
    );
    if let Some(after) = q.after {
        conds.push("m.created_at > ?".to_owned());
        args.push(Value::Integer(after.millis()));
    }
    (conds, args)
}

pub fn list(c: &Connection, q: &MessageQuery) -> StoreResult<MessagePage> {
    let (conds, mut args) = message_filters(q);
    let filter = where_clause(&conds);
    let total = if q.with_total {
        let sql = format!("select count(*) from messages m {filter}");
        let n: i64 = c
            .prepare_cached(&sql)
            .and_then(|mut s| s.query_row(params_from_iter(args.iter()), |r| r.get(0)))
            .map_err(internal)?;
        Some(u64::try_from(n).unwrap_or(0))
    } else {
        None
    };
    let dir = if q.descending { "desc" } else { "asc" };
    let order = match q.sort {
        MessageSort::Date => format!("m.created_at {dir}, m.id {dir}"),
        MessageSort::Id => format!("m.id {dir}"),
    };
    args.push(Value::Integer(i64::try_from(q.limit).unwrap_or(i64::MAX)));
    args.push(Value::Integer(i64::try_from(q.offset).unwrap_or(i64::MAX)));
    let sql = format!(
        "select {MESSAGE_COLUMNS} from messages m join endpoints e on e.id = m.endpoint_id {filter} order by {order} limit ? offset ?"
    );
    let items = c
        .prepare_cached(&sql)
        .and_then(|mut s| {
            s.query_map(params_from_iter(args), |r| message_from_row(r, 0))?
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(internal)?;
    Ok(MessagePage { items, total })
}

/// Unread messages of conversation `c` (the partial index `messages_unread` answers it).
const UNREAD: &str =
    "(select count(*) from messages u where u.conversation_id = c.id and u.is_unread = 1)";

pub fn conversations(c: &Connection, q: &ConversationQuery) -> StoreResult<Vec<Conversation>> {
    let (mut conds, mut args) = (Vec::new(), Vec::new());
    scope_filter(&q.scope, "c.account_id", &mut conds, &mut args);
    optional_in(
        "c.customer_id",
        q.customer_ids.iter().map(|i| i.as_str()),
        &mut conds,
        &mut args,
    );
    optional_in(
        "c.endpoint_id",
        q.endpoint_ids.iter().map(|i| i.as_str()),
        &mut conds,
        &mut args,
    );
    if let Some(after) = q.after {
        conds.push("c.last_message_at > ?".to_owned());
        args.push(Value::Integer(after.millis()));
    }
    if q.unread_only {
        conds.push(format!("{UNREAD} > 0"));
    }
    args.push(Value::Integer(i64::try_from(q.limit).unwrap_or(i64::MAX)));
    let sql = format!(
        "select c.id, c.endpoint_id, c.other_address, {UNREAD}, {MESSAGE_COLUMNS}
         from conversations c join messages m on m.id = c.last_message_id join endpoints e on e.id = m.endpoint_id
         {} order by c.last_message_at desc, c.id desc limit ?",
        where_clause(&conds)
    );
    c.prepare_cached(&sql)
        .and_then(|mut s| {
            s.query_map(params_from_iter(args), |r| {
                Ok(Conversation {
                    id: ConversationId::from_string(r.get::<_, String>(0)?),
                    endpoint_id: EndpointId::from_string(r.get::<_, String>(1)?),
                    other_address: r.get(2)?,
                    unread_count: r.get::<_, i64>(3)?.max(0) as u64,
                    most_recent: message_from_row(r, 4)?,
                })
            })?
            .collect()
        })
        .map_err(internal)
}
