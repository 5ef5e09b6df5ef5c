//! The outbox as delivery sees it: rows claimed under a lease, what the claim planned for each,
//! what a hand-off can come to, and the one table that says what each outcome does to the
//! message and the row (CARRIERS.md, "evo's rule for carrier answers").

use super::{AccountId, DeliveryStatus, Encoding, MessageId, Timestamp, UserId};

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

    /// `None` for anything else: an unreadable phase is never taken for "safe to send".
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "queued" => Some(OutboxPhase::Queued),
            "sending" => Some(OutboxPhase::Sending),
            "unknown" => Some(OutboxPhase::Unknown),
            _ => None,
        }
    }
}

/// A worker's hold on an outbox row: only the holder may record an attempt or reschedule it.
/// Owner and expiry together are the fencing token: a renewal or a new claim changes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub owner: String,
    pub until: Timestamp,
}

/// What the claim decided for a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// The claim itself recorded the attempt: call the carrier at `at` (within moments).
    Send { at: Timestamp },
    /// Wait for the sender's pacing slot at `at`, then record the attempt and call.
    SendAt { at: Timestamp },
    /// An earlier attempt has no recorded answer: ask the carrier before anything else.
    Reconcile,
    /// The validity ran out before the carrier took it.
    Expire,
}

impl Plan {
    /// When the claim records the attempt itself: the moment to call the carrier.
    pub fn send_now(&self) -> Option<Timestamp> {
        match self {
            Plan::Send { at } => Some(*at),
            _ => None,
        }
    }
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
    /// Attempts recorded so far (the claim's own included when it recorded one).
    pub attempts: u32,
    /// The phase the row was in when it was claimed.
    pub phase: OutboxPhase,
    pub last_attempt: Option<Timestamp>,
    /// The sending endpoint's pacing in segments per second, when set on the endpoint.
    pub mps: Option<f64>,
    /// The account's own Twilio account SID and auth token, when it has them.
    pub twilio: Option<(String, String)>,
    pub lease: Lease,
    pub plan: Plan,
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
            .field("plan", &self.plan)
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

/// What recording an outcome does to the message and its outbox row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settlement {
    /// The carrier has the message: record its sid, move to `status` (Sent, or Delivered when
    /// the carrier already knows), leave the outbox. Recorded whoever holds the lease.
    Accept { sid: String, status: DeliveryStatus },
    /// End the message in `status` (terminal) with `error`; the row leaves the outbox.
    Finish {
        status: DeliveryStatus,
        error: String,
    },
    /// The row comes back at `due` in `phase`; the message moves to `status` and notes `error`.
    Again {
        phase: OutboxPhase,
        due: Timestamp,
        status: DeliveryStatus,
        error: String,
    },
    /// The row comes back at `due`; nothing else changes.
    Later { due: Timestamp },
    /// The row leaves the outbox; the message stays `status`, noting `error`.
    GiveUp {
        status: DeliveryStatus,
        error: String,
    },
}

impl Outcome {
    pub fn settlement(self) -> Settlement {
        match self {
            Outcome::Accepted { sid, delivered } => Settlement::Accept {
                sid,
                status: if delivered {
                    DeliveryStatus::Delivered
                } else {
                    DeliveryStatus::Sent
                },
            },
            Outcome::Refused { error } => Settlement::Finish {
                status: DeliveryStatus::Failed,
                error,
            },
            Outcome::Expired { error } => Settlement::Finish {
                status: DeliveryStatus::Expired,
                error,
            },
            Outcome::Retry { error, due } => Settlement::Again {
                phase: OutboxPhase::Queued,
                due,
                status: DeliveryStatus::Sending,
                error,
            },
            Outcome::Ambiguous { error, due } => Settlement::Again {
                phase: OutboxPhase::Unknown,
                due,
                status: DeliveryStatus::Unknown,
                error,
            },
            Outcome::Defer { due } => Settlement::Later { due },
            Outcome::Abandon { error } => Settlement::GiveUp {
                status: DeliveryStatus::Unknown,
                error,
            },
        }
    }
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
    pub carrier: super::CarrierAccount,
}

/// What a status callback did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusApplied {
    /// The message moved forward.
    Moved,
    /// The message was already there or further on (duplicates, out-of-order callbacks), or
    /// the carrier account does not speak for it.
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
    pub user: UserId,
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
            plan: Plan::Reconcile,
        };
        let shown = format!("{item:?}");
        assert!(shown.contains("ACabc"));
        assert!(!shown.contains("s3cret-token"));
    }

    #[test]
    fn an_unknown_phase_is_not_read_as_safe_to_send() {
        assert_eq!(OutboxPhase::parse("queued"), Some(OutboxPhase::Queued));
        assert_eq!(OutboxPhase::parse("Queued"), None);
        assert_eq!(OutboxPhase::parse(""), None);
    }

    #[test]
    fn outcomes_settle_as_the_delivery_table_says() {
        let due = Timestamp::from_millis(5);
        let accept = |delivered| Outcome::Accepted {
            sid: "SM1".into(),
            delivered,
        };
        assert!(matches!(
            accept(false).settlement(),
            Settlement::Accept {
                status: DeliveryStatus::Sent,
                ..
            }
        ));
        assert!(matches!(
            accept(true).settlement(),
            Settlement::Accept {
                status: DeliveryStatus::Delivered,
                ..
            }
        ));
        let e = || "e".to_owned();
        assert!(matches!(
            Outcome::Refused { error: e() }.settlement(),
            Settlement::Finish {
                status: DeliveryStatus::Failed,
                ..
            }
        ));
        assert!(matches!(
            Outcome::Expired { error: e() }.settlement(),
            Settlement::Finish {
                status: DeliveryStatus::Expired,
                ..
            }
        ));
        assert!(matches!(
            Outcome::Retry { error: e(), due }.settlement(),
            Settlement::Again {
                phase: OutboxPhase::Queued,
                status: DeliveryStatus::Sending,
                ..
            }
        ));
        assert!(matches!(
            Outcome::Ambiguous { error: e(), due }.settlement(),
            Settlement::Again {
                phase: OutboxPhase::Unknown,
                status: DeliveryStatus::Unknown,
                ..
            }
        ));
        assert_eq!(
            Outcome::Defer { due }.settlement(),
            Settlement::Later { due }
        );
        assert!(matches!(
            Outcome::Abandon { error: e() }.settlement(),
            Settlement::GiveUp {
                status: DeliveryStatus::Unknown,
                ..
            }
        ));
    }
}
