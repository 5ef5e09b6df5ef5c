//! What the store keeps about delivery: outbox items as a worker claims them, the outcomes it
//! records, carrier status callbacks, and what `GET /messages/{id}/delivery` shows.

use crate::domain::{AccountId, DeliveryStatus, Encoding, MessageId, Timestamp};

/// Where an outbox row is in its hand-off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxPhase {
    /// Never tried, or the carrier said it did not take the message: safe to send.
    Queued,
    /// An attempt was recorded and its answer was not (a crash, or a lease that ran out).
    Sending,
    /// The carrier gave no answer: reconcile before sending again.
    Unknown,
}

impl OutboxPhase {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxPhase::Queued => "queued",
            OutboxPhase::Sending => "sending",
            OutboxPhase::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Self {
        match s {
            "sending" => OutboxPhase::Sending,
            "unknown" => OutboxPhase::Unknown,
            _ => OutboxPhase::Queued,
        }
    }
}

/// A worker's hold on an outbox row: only the holder may record an attempt or reschedule it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub owner: String,
    pub until: Timestamp,
}

/// An outgoing message claimed for hand-off to the carrier.
#[derive(Clone, PartialEq)]
pub struct OutboxItem {
    pub message_id: MessageId,
    pub account_id: AccountId,
    pub from: String,
    pub to: String,
    pub body: String,
    pub segments: u32,
    pub created: Timestamp,
    /// Attempts recorded so far.
    pub attempts: u32,
    pub phase: OutboxPhase,
    pub last_attempt: Option<Timestamp>,
    /// The sending endpoint's pacing in segments per second, when set on the endpoint.
    pub mps: Option<f64>,
    /// The account's own Twilio account SID and auth token, when it has them.
    pub twilio: Option<(String, String)>,
    pub lease: Lease,
}

impl std::fmt::Debug for OutboxItem {
    // The account's auth token never reaches a log line, not even through `{:?}`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboxItem")
            .field("message_id", &self.message_id)
            .field("account_id", &self.account_id)
            .field("from", &self.from)
            .field("to", &self.to)
            .field("segments", &self.segments)
            .field("attempts", &self.attempts)
            .field("phase", &self.phase)
            .field(
                "twilio_account_sid",
                &self.twilio.as_ref().map(|(sid, _)| sid),
            )
            .field("lease", &self.lease)
            .finish_non_exhaustive()
    }
}

/// What became of one claimed row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The carrier took it (or reconciliation found it there): Sent, with the carrier's sid.
    Accepted { sid: String, delivered: bool },
    /// The carrier refused it for good: Failed.
    Refused { error: String },
    /// Not taken; try again at `due` (stays Sending).
    Retry { error: String, due: Timestamp },
    /// No answer; reconcile at `due` (Unknown).
    Ambiguous { error: String, due: Timestamp },
    /// Its validity ran out before the carrier took it: Expired.
    Expired { error: String },
    /// Past its validity and the carrier cannot say whether it has it: stop trying. The message
    /// stays Unknown (a status callback can still settle it).
    Abandon { error: String },
    /// Not its turn yet (pacing, reconciliation grace): claim again at `due`, nothing else changes.
    Defer { due: Timestamp },
}

/// The carrier account a webhook was signed by. It speaks only for the evo accounts that use it:
/// those with it as their own, or with none of their own when it is the server-wide one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarrierAccount {
    pub signed_by: String,
    pub server_wide: Option<String>,
}

/// A carrier's word on a message it has (a status callback).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarrierStatus {
    pub sid: String,
    /// evo's own id, when the callback URL carried it.
    pub message_id: Option<MessageId>,
    pub status: DeliveryStatus,
    pub error: Option<String>,
    pub at: Timestamp,
    pub carrier: CarrierAccount,
}

/// What a status callback did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusApplied {
    /// The message moved forward.
    Moved,
    /// The message was already there or further on (duplicates, out-of-order callbacks).
    Unchanged,
    /// No message has this sid yet; the status is kept and applied when the sid is recorded.
    Pending,
}

/// Delivery details of one message (DeliveryInfo).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRecord {
    pub message_id: MessageId,
    pub status: DeliveryStatus,
    pub segments: u32,
    pub encoding: Encoding,
    pub carrier_sid: Option<String>,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub created: Timestamp,
    pub updated: Timestamp,
    pub sent: Option<Timestamp>,
    pub finished: Option<Timestamp>,
}

/// Outbox depth for /metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutboxStats {
    pub depth: u64,
    pub oldest_created: Option<Timestamp>,
}

/// SendMessage's Idempotency-Key, per user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Idempotency {
    pub user: crate::domain::UserId,
    pub key: String,
    pub request_hash: [u8; 32],
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_the_auth_token() {
        let item = OutboxItem {
            message_id: MessageId::from_string("m1"),
            account_id: AccountId::from_string("a1"),
            from: "+15550000001".into(),
            to: "+15550000002".into(),
            body: "hi".into(),
            segments: 1,
            created: Timestamp::from_millis(0),
            attempts: 0,
            phase: OutboxPhase::Queued,
            last_attempt: None,
            mps: None,
            twilio: Some(("ACabc".into(), "s3cret-token".into())),
            lease: Lease {
                owner: "n".into(),
                until: Timestamp::from_millis(0),
            },
        };
        let shown = format!("{item:?}");
        assert!(shown.contains("ACabc"));
        assert!(!shown.contains("s3cret-token"));
    }
}
