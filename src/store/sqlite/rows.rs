//! Reading messages, endpoints and conversations back from rows.

use super::sql::{parse, status};
use crate::domain::{
    AccountId, ConversationId, CustomerId, Direction, Endpoint, EndpointId, EndpointKind, Message,
    MessageId, SessionId, Timestamp,
};
use rusqlite::Row;

/// Columns read by `message`, for a `messages m join endpoints e`.
pub const MESSAGE_COLUMNS: &str =
    "m.id, m.account_id, m.customer_id, m.endpoint_id, e.display_name,
     m.conversation_id, m.session_id, m.created_at, m.direction, m.other_address, m.sender, m.body,
     m.is_unread, m.status";

pub fn message(r: &Row<'_>, at: usize) -> rusqlite::Result<Message> {
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
        direction: direction(at + 8, text(8)?)?,
        other_address: text(9)?,
        sender: text(10)?,
        text: text(11)?,
        is_unread: r.get(at + 12)?,
        status: status(at + 13, text(13)?)?,
    })
}

pub fn direction(column: usize, value: String) -> rusqlite::Result<Direction> {
    parse(column, "direction", value, Direction::parse)
}

/// Columns read by `endpoint`, for `endpoints e`.
pub const ENDPOINT_COLUMNS: &str = "e.id, e.account_id, e.customer_id, e.kind, e.phone_number,
     e.display_name, e.mps, e.help_text, e.sms_enabled";

pub fn endpoint(r: &Row<'_>) -> rusqlite::Result<Endpoint> {
    Ok(Endpoint {
        id: EndpointId::from_string(r.get::<_, String>(0)?),
        account_id: AccountId::from_string(r.get::<_, String>(1)?),
        customer_id: r.get::<_, Option<String>>(2)?.map(CustomerId::from_string),
        kind: EndpointKind::parse(&r.get::<_, String>(3)?),
        number: r.get::<_, Option<String>>(4)?.unwrap_or_default(),
        display_name: r.get(5)?,
        mps: r.get(6)?,
        help_text: r.get(7)?,
        sms_enabled: r.get(8)?,
    })
}
