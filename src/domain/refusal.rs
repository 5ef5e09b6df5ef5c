//! Why the store refused a request, as a typed value. The error code and the English message a
//! client reads are chosen from it in one place (`crate::error`), never where it is detected.

use super::{AccountId, ConversationId, CustomerId, EndpointId, MessageId, SessionId, UserId};

/// What could not be found. Outside the caller's accounts reads exactly like missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Missing {
    Account(AccountId),
    /// A customer, looked for in one account.
    Customer {
        id: CustomerId,
        account: AccountId,
    },
    User(UserId),
    /// No user has this email address.
    UserEmail(String),
    Endpoint(EndpointId),
    Conversation(ConversationId),
    Session(SessionId),
    Message(MessageId),
    /// The address had not opted out of the endpoint.
    OptOut {
        endpoint: EndpointId,
        address: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    NotFound(Missing),
    /// The endpoint is not a phone number, so it cannot send SMS.
    NotAPhoneNumber(EndpointId),
    /// The endpoint's SMS is switched off.
    SmsDisabled(EndpointId),
    /// The session has ended; a new one starts from the endpoint and address.
    SessionEnded(SessionId),
    /// The recipient texted STOP to the endpoint's number.
    RecipientOptedOut(String),
    /// The Idempotency-Key was used before with a different request.
    IdempotencyKeyReused(String),
    /// Another user has this email address.
    EmailTaken(String),
    /// Another endpoint has this number.
    NumberTaken(String),
    /// The carrier sid already belongs to another message.
    CarrierSidTaken(String),
}

impl Refusal {
    pub fn not_found(what: Missing) -> Self {
        Refusal::NotFound(what)
    }
}
