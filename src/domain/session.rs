//! Chat sessions and their transcripts.

use super::{AccountId, CustomerId, Direction, EndpointId, SessionId, Timestamp};

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

/// One MMS attachment: where the carrier keeps it, and its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Media {
    pub url: String,
    pub content_type: String,
}

/// One line of a chat transcript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranscriptLine {
    pub date: Timestamp,
    /// Who wrote it (`transcript_author`).
    pub from: String,
    pub body: String,
    pub media: Vec<Media>,
}

/// Who a transcript line is from: the remote party for what came in, the sender (the evo user
/// who sent it) for what went out.
pub fn transcript_author(direction: Direction, other_address: String, sender: String) -> String {
    match direction {
        Direction::Incoming => other_address,
        Direction::Outgoing => sender,
    }
}

/// Customers above a session's customer are followed at most this deep, so a cycle in the
/// parent links cannot hang a request.
pub const MAX_BREADCRUMB_DEPTH: usize = 32;
