//! Chat sessions as the store returns them, and what a transcript holds.

use super::inbound::Media;
use crate::domain::{AccountId, AccountScope, CustomerId, EndpointId, SessionId, Timestamp};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: SessionId,
    pub account_id: AccountId,
    pub account_name: String,
    pub customer_id: Option<CustomerId>,
    pub customer_name: Option<String>,
    /// Root to leaf.
    pub breadcrumb: Vec<(CustomerId, String)>,
    pub endpoint_id: EndpointId,
    pub endpoint_name: String,
    /// The endpoint's number.
    pub endpoint_number: String,
    /// The remote party.
    pub other_address: String,
    pub created: Timestamp,
    pub last_activity: Timestamp,
    pub ended: Option<Timestamp>,
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

/// One line of a chat transcript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranscriptLine {
    pub date: Timestamp,
    /// Who wrote it: the remote address for incoming messages, the sender for outgoing ones.
    pub from: String,
    pub body: String,
    pub media: Vec<Media>,
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
