//! Carriers hand outgoing messages to the phone network. The sandbox carrier (the default)
//! accepts everything and reports it delivered at once; the Twilio carrier speaks Twilio's REST
//! API (or the carrier simulator's copy of it).
//!
//! Every carrier sorts its answers the same way (CARRIERS.md, "evo's rule for carrier answers"):
//! accepted, refused for good, not accepted (retry), or no answer at all (ambiguous: reconcile,
//! never re-send blindly).

mod sandbox;
pub mod signature;
pub mod sim;
mod twilio;

pub use sandbox::SandboxCarrier;
pub use twilio::{TWILIO_API, TwilioCarrier};

use crate::domain::{MessageId, Timestamp};
use std::time::Duration;

/// Carrier account credentials: the server-wide ones, or one account's override.
#[derive(Clone, PartialEq, Eq)]
pub struct CarrierCredentials {
    pub account_sid: String,
    pub auth_token: String,
}

impl std::fmt::Debug for CarrierCredentials {
    // The token never reaches a log line, not even through `{:?}`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CarrierCredentials")
            .field("account_sid", &self.account_sid)
            .field("auth_token", &"<redacted>")
            .finish()
    }
}

/// One outgoing SMS as the carrier sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingSms {
    pub message_id: MessageId,
    pub from: String,
    pub to: String,
    pub body: String,
    /// Where the carrier should post status callbacks (`None`: no callbacks).
    pub status_callback: Option<String>,
    /// Seconds the carrier may keep the message queued before giving up (Twilio ValidityPeriod).
    pub validity_secs: Option<u32>,
    /// The account's own carrier credentials, when it has them; else the server-wide ones.
    pub credentials: Option<CarrierCredentials>,
}

/// The carrier took the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The carrier's own id for the message (Twilio's `SM…` sid).
    pub sid: String,
    /// The carrier already knows the message reached the handset (sandbox only).
    pub delivered: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CarrierError {
    /// An HTTP 4xx other than 429: the carrier refused the message for good.
    #[error("carrier refused the message ({code}): {message}")]
    Refused { code: String, message: String },
    /// An HTTP 429 or 5xx, or no connection at all: the carrier did not take the message.
    #[error("carrier did not take the message: {message}")]
    Retry {
        message: String,
        /// The carrier's Retry-After, when it gave one.
        retry_after: Option<Duration>,
    },
    /// No answer after the request may have been written (timeout, reset): the carrier may or
    /// may not have the message. Never re-send without reconciling first.
    #[error("no answer from the carrier: {0}")]
    Ambiguous(String),
}

#[async_trait::async_trait]
pub trait Carrier: Send + Sync + 'static {
    fn name(&self) -> &'static str;

    /// Hands one message to the carrier.
    async fn send(&self, sms: &OutgoingSms) -> Result<Accepted, CarrierError>;

    /// The sids of messages the carrier holds with the same To, From and Body, created at or
    /// after `since` (reconciliation after an ambiguous send). Errors are `Retry`.
    async fn find_sent(
        &self,
        sms: &OutgoingSms,
        since: Timestamp,
    ) -> Result<Vec<String>, CarrierError>;

    /// Whether messages must be paced per sending number (a real network's limits). The
    /// sandbox has none.
    fn paces_senders(&self) -> bool {
        true
    }

    /// The server-wide credentials, for checking status-callback signatures.
    fn credentials(&self) -> Option<&CarrierCredentials> {
        None
    }
}
