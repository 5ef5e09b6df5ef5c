//! Messages and conversations as the rest of evo reads them.

use super::{
    AccountId, ConversationId, CustomerId, DeliveryStatus, Direction, EndpointId, MessageId,
    SessionId, Timestamp,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: MessageId,
    pub account_id: AccountId,
    pub customer_id: Option<CustomerId>,
    pub endpoint_id: EndpointId,
    pub endpoint_display_name: String,
    pub conversation_id: ConversationId,
    pub session_id: SessionId,
    pub date: Timestamp,
    pub direction: Direction,
    pub other_address: String,
    pub sender: String,
    pub text: String,
    pub is_unread: bool,
    pub status: DeliveryStatus,
}

/// The thread between one endpoint and one remote address (contract: ConversationInfo).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    pub id: ConversationId,
    pub endpoint_id: EndpointId,
    pub other_address: String,
    pub most_recent: Message,
    pub unread_count: u64,
}
