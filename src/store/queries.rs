//! What callers hand the store: new records to write and the shape of each list query.

use crate::domain::{
    AccountId, AccountScope, ConversationId, CustomerId, EndpointId, Idempotency, Lease, Message,
    MessageBody, MessageId, Outcome, Pacer, PhoneNumber, Role, Segments, Session, SessionId,
    Timestamp,
};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub password_hash: String,
    pub roles: Vec<Role>,
    pub accounts: Vec<AccountId>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewEndpoint {
    pub account_id: AccountId,
    pub customer_id: Option<CustomerId>,
    pub number: PhoneNumber,
    pub display_name: String,
    /// Segments per second; `None` takes the default for the number's kind.
    pub mps: Option<f64>,
}

/// Where an outgoing message goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendTarget {
    /// Into an existing session, to its other party, from its endpoint.
    Session(SessionId),
    /// From a phone-number endpoint to an address; the conversation and Chat session are
    /// created on first use (contract Q3).
    Endpoint {
        endpoint: EndpointId,
        to: PhoneNumber,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub target: SendTarget,
    pub body: MessageBody,
    /// Computed before the write, off the single writer's thread.
    pub segments: Segments,
    pub sender: String,
    pub date: Timestamp,
    pub idempotency: Option<Idempotency>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageSort {
    Date,
    Id,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageQuery {
    pub scope: AccountScope,
    pub customer_ids: Vec<CustomerId>,
    pub endpoint_ids: Vec<EndpointId>,
    pub conversation_ids: Vec<ConversationId>,
    pub specific_ids: Vec<MessageId>,
    pub after: Option<Timestamp>,
    pub sort: MessageSort,
    pub descending: bool,
    /// Rows to skip, and the most rows to return.
    pub offset: u64,
    pub limit: u64,
    pub with_total: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessagePage {
    pub items: Vec<Message>,
    pub total: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationQuery {
    pub scope: AccountScope,
    pub customer_ids: Vec<CustomerId>,
    pub endpoint_ids: Vec<EndpointId>,
    pub after: Option<Timestamp>,
    /// Only conversations with unread messages.
    pub unread_only: bool,
    pub limit: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionQuery {
    pub scope: AccountScope,
    pub account_ids: Vec<AccountId>,
    pub customer_ids: Vec<CustomerId>,
    pub endpoint_ids: Vec<EndpointId>,
    pub specific_ids: Vec<SessionId>,
    /// Remote address contains this.
    pub from_contains: Option<String>,
    /// Endpoint number contains this.
    pub to_contains: Option<String>,
    pub start: Option<Timestamp>,
    /// Sessions created before this.
    pub end: Option<Timestamp>,
    pub open_only: bool,
    pub offset: u64,
    pub limit: u64,
    pub descending: bool,
    pub with_total: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionPage {
    pub items: Vec<Session>,
    pub total: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranscriptQuery {
    pub scope: AccountScope,
    pub session: SessionId,
    /// Add the conversation's earlier sessions.
    pub include_historical: bool,
    /// Historical messages from this date on.
    pub historical_cutoff: Option<Timestamp>,
    /// Mark the transcript's messages read (a User reading it).
    pub mark_read: bool,
}

/// One worker's claim of due outbox rows.
#[derive(Debug, Clone)]
pub struct Claim {
    /// The worker's name on the leases it takes.
    pub owner: String,
    pub now: Timestamp,
    pub lease_ms: i64,
    pub limit: u32,
    /// A message the carrier has not taken this long after it was accepted is not sent.
    pub validity_ms: i64,
    /// The sending numbers' pacing, when the carrier paces them (`None`: send at once).
    pub pacer: Option<Arc<Mutex<Pacer>>>,
}

/// What became of one claimed row, to record under the lease it was claimed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeRecord {
    pub id: MessageId,
    pub lease: Lease,
    pub outcome: Outcome,
    pub now: Timestamp,
}
