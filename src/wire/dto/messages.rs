//! Messaging DTOs: SendMessage, ListMessages, ListConversations and their responses.

use super::list::ListRequest;
use crate::domain::{Conversation, Message};
use crate::error::Error;
use crate::wire::fields::{Fields, FromFields, Problems};
use crate::wire::value::{Dto, Object, Value, ns};

/// SendMessage (ns Voice.Api.Sessions): SessionId, or EndpointId + ToAddress; and Body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SendMessage {
    pub session_id: Option<String>,
    pub endpoint_id: Option<String>,
    pub to_address: Option<String>,
    pub body: Option<String>,
}

impl FromFields for SendMessage {
    fn from_fields(f: &Fields) -> Result<Self, Error> {
        let text = |name| f.text(name).map(str::to_owned);
        Ok(Self {
            session_id: text("SessionId"),
            endpoint_id: text("EndpointId"),
            to_address: text("ToAddress"),
            body: text("Body"),
        })
    }
}

/// ListMessages: `ListRequest<MessageInfo>` plus its filters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListMessages {
    pub list: ListRequest,
    pub account_ids: Vec<String>,
    pub customer_ids: Vec<String>,
    pub endpoint_ids: Vec<String>,
    pub conversation_ids: Vec<String>,
    pub after_date: Option<String>,
}

impl FromFields for ListMessages {
    fn from_fields(f: &Fields) -> Result<Self, Error> {
        let mut problems = Problems::default();
        let list = ListRequest::bind(f, &mut problems);
        problems.finish()?;
        Ok(Self {
            list,
            account_ids: f.list("AccountIds"),
            customer_ids: f.list("CustomerIds"),
            endpoint_ids: f.list("EndpointIds"),
            conversation_ids: f.list("ConversationIds"),
            after_date: f.text("AfterDate").map(str::to_owned),
        })
    }
}

/// ListConversations: filters only, no paging (contract b.2).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListConversations {
    pub account_ids: Vec<String>,
    pub endpoint_ids: Vec<String>,
    pub customer_ids: Vec<String>,
    pub after_date: Option<String>,
    /// evo extension: only conversations with unread messages.
    pub unread_only: bool,
}

impl FromFields for ListConversations {
    fn from_fields(f: &Fields) -> Result<Self, Error> {
        let mut problems = Problems::default();
        let unread_only = problems.take(f.bool("UnreadOnly")).flatten();
        problems.finish()?;
        Ok(Self {
            account_ids: f.list("AccountIds"),
            endpoint_ids: f.list("EndpointIds"),
            customer_ids: f.list("CustomerIds"),
            after_date: f.text("AfterDate").map(str::to_owned),
            unread_only: unread_only.unwrap_or(false),
        })
    }
}

/// evo extension (contract Q12): `PATCH /conversations/{Id}` and `PATCH /messages/{Id}` with
/// `IsUnread`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SetUnread {
    pub id: Option<String>,
    pub is_unread: Option<bool>,
}

impl FromFields for SetUnread {
    fn from_fields(f: &Fields) -> Result<Self, Error> {
        let mut problems = Problems::default();
        let is_unread = problems.take(f.bool("IsUnread")).flatten();
        problems.finish()?;
        Ok(Self {
            id: f.text("Id").map(str::to_owned),
            is_unread,
        })
    }
}

/// MessageInfo: exactly the contract's eleven fields, in declaration order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageInfo<'a>(pub &'a Message);

impl Dto for MessageInfo<'_> {
    fn to_wire(&self) -> Object {
        let m = self.0;
        Object::new("MessageInfo", ns::MESSAGING)
            .field("Id", m.id.as_str())
            .field("AccountId", m.account_id.as_str())
            .field("CustomerId", m.customer_id.as_ref().map(|c| c.as_str()))
            .field("EndpointId", m.endpoint_id.as_str())
            .field("EndpointDisplayName", m.endpoint_display_name.as_str())
            .field("Date", m.date.to_rfc3339())
            .field("Direction", Value::Enum(m.direction.as_str()))
            .field("OtherAddress", m.other_address.as_str())
            .field("Sender", m.sender.as_str())
            .field("Text", m.text.as_str())
            .field("IsUnread", m.is_unread)
    }
}

pub struct ConversationInfo<'a>(pub &'a Conversation);

impl Dto for ConversationInfo<'_> {
    fn to_wire(&self) -> Object {
        let c = self.0;
        Object::new("ConversationInfo", ns::MESSAGING)
            .field("Id", c.id.as_str())
            .field("EndpointId", c.endpoint_id.as_str())
            .field("OtherAddress", c.other_address.as_str())
            .field("MostRecentMessage", MessageInfo(&c.most_recent).to_wire())
            .field(
                "UnreadCount",
                i64::try_from(c.unread_count).unwrap_or(i64::MAX),
            )
    }
}

pub struct ListConversationsResponse(pub Vec<Conversation>);

impl Dto for ListConversationsResponse {
    fn to_wire(&self) -> Object {
        Object::new("ListConversationsResponse", ns::MESSAGING)
            .field(
                "Conversations",
                self.0
                    .iter()
                    .map(|c| ConversationInfo(c).to_wire())
                    .collect::<Vec<_>>(),
            )
            .list_of("Conversations", &super::defs::CONVERSATION_INFO)
    }
}
