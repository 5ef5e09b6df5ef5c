//! Domain types: identifiers, phone numbers, message bodies, roles and the principal. Nothing here
//! knows about HTTP, SQL or wire formats.

mod body;
mod delivery;
mod ids;
mod keywords;
mod message;
mod phone;
mod principal;
mod segments;
mod time;

pub use body::{MessageBody, MessageBodyError};
pub use delivery::{DeliveryStatus, backoff_delay, default_mps};
pub use ids::{
    AccountId, ApiKeyId, ConversationId, CustomerId, EndpointId, MessageId, SessionId, UserId,
};
pub use keywords::{Keyword, MAX_HELP_TEXT_CHARS, keyword};
pub use message::{Conversation, Message};
pub use phone::{PhoneNumber, PhoneNumberError, e164_pattern};
pub use principal::{AccountScope, Principal, Role};
pub use segments::{Encoding, Segments, segments};
pub use time::{Timestamp, parse_after_date};

/// Text every wire format can carry: no control characters but tab and line breaks, and none
/// of the two characters XML 1.0 forbids (U+FFFE, U+FFFF).
pub fn is_plain_text(s: &str) -> bool {
    !s.chars().any(|c| {
        (c.is_control() && !matches!(c, '\n' | '\r' | '\t')) || matches!(c, '\u{FFFE}' | '\u{FFFF}')
    })
}

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
