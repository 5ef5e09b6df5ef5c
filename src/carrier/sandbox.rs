use super::{Accepted, Carrier, CarrierError};
use crate::store::OutboxItem;

/// Accepts every message and reports it delivered; nothing leaves the machine.
#[derive(Debug, Default)]
pub struct SandboxCarrier;

#[async_trait::async_trait]
impl Carrier for SandboxCarrier {
    fn name(&self) -> &'static str {
        "sandbox"
    }

    async fn send(&self, message: &OutboxItem) -> Result<Accepted, CarrierError> {
        Ok(Accepted {
            carrier_ref: format!("SB{}", message.message_id),
            delivered: true,
        })
    }
}
