//! Reading messages and endpoints back from rows (the same columns as SQLite's `rows.rs`).

use super::super::StoreResult;
use super::sql::{direction, get, status, timestamp};
use crate::domain::{
    AccountId, ConversationId, CustomerId, Endpoint, EndpointId, EndpointKind, Message, MessageId,
    SessionId,
};
use tokio_postgres::Row;

/// Columns read by `message`, for a `messages m join endpoints e`.
pub const MESSAGE_COLUMNS: &str =
    "m.id, m.account_id, m.customer_id, m.endpoint_id, e.display_name,
     m.conversation_id, m.session_id, m.created_at, m.direction, m.other_address, m.sender, m.body,
     m.is_unread, m.status";

/// The message whose columns start at `at`.
pub fn message(r: &Row, at: usize) -> StoreResult<Message> {
    Ok(Message {
        id: MessageId::from_string(get::<String>(r, at)?),
        account_id: AccountId::from_string(get::<String>(r, at + 1)?),
        customer_id: get::<Option<String>>(r, at + 2)?.map(CustomerId::from_string),
        endpoint_id: EndpointId::from_string(get::<String>(r, at + 3)?),
        endpoint_display_name: get(r, at + 4)?,
        conversation_id: ConversationId::from_string(get::<String>(r, at + 5)?),
        session_id: SessionId::from_string(get::<String>(r, at + 6)?),
        date: timestamp(r, at + 7)?,
        direction: direction(r, at + 8)?,
        other_address: get(r, at + 9)?,
        sender: get(r, at + 10)?,
        text: get(r, at + 11)?,
        is_unread: get(r, at + 12)?,
        status: status(r, at + 13)?,
    })
}

/// Columns read by `endpoint`, for `endpoints e`.
pub const ENDPOINT_COLUMNS: &str = "e.id, e.account_id, e.customer_id, e.kind, e.phone_number,
     e.display_name, e.mps, e.help_text, e.sms_enabled";

pub fn endpoint(r: &Row) -> StoreResult<Endpoint> {
    Ok(Endpoint {
        id: EndpointId::from_string(get::<String>(r, 0)?),
        account_id: AccountId::from_string(get::<String>(r, 1)?),
        customer_id: get::<Option<String>>(r, 2)?.map(CustomerId::from_string),
        kind: EndpointKind::parse(&get::<String>(r, 3)?),
        number: get::<Option<String>>(r, 4)?.unwrap_or_default(),
        display_name: get(r, 5)?,
        mps: get(r, 6)?,
        help_text: get(r, 7)?,
        sms_enabled: get(r, 8)?,
    })
}
