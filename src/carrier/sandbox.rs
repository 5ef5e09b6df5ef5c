use super::{Accepted, Carrier, CarrierError, OutgoingSms};
use crate::domain::Timestamp;

/// Accepts every message and reports it delivered; nothing leaves the machine.
#[derive(Debug, Default)]
pub struct SandboxCarrier;

#[async_trait::async_trait]
impl Carrier for SandboxCarrier {
    fn name(&self) -> &'static str {
        "sandbox"
    }

    fn paces_senders(&self) -> bool {
        false
    }

    async fn send(&self, sms: &OutgoingSms) -> Result<Accepted, CarrierError> {
        Ok(Accepted {
            sid: sandbox_sid(sms),
            delivered: true,
        })
    }

    /// The sandbox accepts every send it sees, so a message it may have seen was accepted.
    async fn find_sent(
        &self,
        sms: &OutgoingSms,
        _since: Timestamp,
    ) -> Result<Vec<String>, CarrierError> {
        Ok(vec![sandbox_sid(sms)])
    }
}

fn sandbox_sid(sms: &OutgoingSms) -> String {
    format!("SB{}", sms.message_id.as_str().replace('-', ""))
}
