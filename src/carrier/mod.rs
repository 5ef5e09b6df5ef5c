//! Carriers hand outgoing messages to the phone network. The sandbox carrier (the default)
//! accepts everything and reports it delivered at once; Twilio comes next.

mod sandbox;
pub mod signature;

pub use sandbox::SandboxCarrier;

use crate::store::OutboxItem;

/// What a carrier said when it took a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The carrier's own id for the message (Twilio's `SM…` sid).
    pub carrier_ref: String,
    /// The carrier already knows the message reached the handset (sandbox only).
    pub delivered: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum CarrierError {
    /// Worth trying again later (network trouble, 429, 5xx).
    #[error("temporary carrier failure: {0}")]
    Temporary(String),
    /// The carrier refused the message for good.
    #[error("carrier rejected the message: {0}")]
    Rejected(String),
}

#[async_trait::async_trait]
pub trait Carrier: Send + Sync + 'static {
    fn name(&self) -> &'static str;
    async fn send(&self, message: &OutboxItem) -> Result<Accepted, CarrierError>;
}
