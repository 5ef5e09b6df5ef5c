//! Domain types: identifiers, phone numbers, message bodies, roles and the principal, the
//! records the store keeps, and the pure rules evo decides by (delivery states, pacing,
//! keywords, policies). Nothing here knows about HTTP, SQL or wire formats.

mod body;
mod delivery;
mod ids;
mod inbound;
mod keywords;
mod message;
mod outbox;
mod pacer;
mod phone;
pub mod policy;
mod principal;
mod refusal;
mod segments;
mod session;
pub mod settings;
mod tenancy;
mod time;

pub use body::{MessageBody, MessageBodyError};
pub use delivery::{DeliveryStatus, backoff_delay, default_mps};
pub use ids::{
    AccountId, ApiKeyId, ConversationId, CustomerId, EndpointId, MessageId, SessionId, UserId,
};
pub use inbound::{CarrierAccount, InboundMessage, Received};
pub use keywords::{Keyword, MAX_HELP_TEXT_CHARS, default_help_text, help_reply, keyword};
pub use message::{Conversation, Message};
pub use outbox::{
    CarrierStatus, DeliveryRecord, Idempotency, Lease, OutboxItem, OutboxPhase, OutboxStats,
    Outcome, Plan, Settlement, StatusApplied,
};
pub use pacer::{Pacer, Slot};
pub use phone::{PhoneNumber, PhoneNumberError, e164_pattern};
pub use principal::{AccountScope, Principal, Role};
pub use refusal::{Missing, Refusal};
pub use segments::{Encoding, Segments, segments};
pub use session::{MAX_BREADCRUMB_DEPTH, Media, Session, TranscriptLine, transcript_author};
pub use settings::is_plain_text;
pub use tenancy::{
    Account, ApiKey, Customer, Endpoint, EndpointChanges, EndpointKind, OptOut, User,
};
pub use time::{Timestamp, parse_after_date};

/// Direction of a message relative to the endpoint that owns the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Incoming,
    Outgoing,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Incoming => "Incoming",
            Direction::Outgoing => "Outgoing",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "Incoming" => Some(Direction::Incoming),
            "Outgoing" => Some(Direction::Outgoing),
            _ => None,
        }
    }
}
