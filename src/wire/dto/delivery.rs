//! evo's delivery extension: GetMessageDelivery and DeliveryInfo.

use crate::domain::DeliveryRecord;
use crate::error::Error;
use crate::wire::fields::{Fields, FromFields};
use crate::wire::value::{Dto, Object, ns};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GetMessageDelivery {
    pub id: Option<String>,
}

impl FromFields for GetMessageDelivery {
    fn from_fields(f: &Fields) -> Result<Self, Error> {
        Ok(Self {
            id: f.text("Id").map(str::to_owned),
        })
    }
}

pub struct DeliveryInfo<'a>(pub &'a DeliveryRecord);

impl Dto for DeliveryInfo<'_> {
    fn to_wire(&self) -> Object {
        let d = self.0;
        let date = |t: Option<crate::domain::Timestamp>| t.map(|t| t.to_rfc3339());
        Object::new("DeliveryInfo", ns::MESSAGING)
            .field("MessageId", d.message_id.as_str())
            .field("Status", d.status.as_str())
            .field("Segments", i64::from(d.segments))
            .field("Encoding", d.encoding.as_str())
            .field("CarrierSid", d.carrier_sid.as_deref())
            .field("Attempts", i64::from(d.attempts))
            .field("LastError", d.last_error.as_deref())
            .field("DateCreated", d.created.to_rfc3339())
            .field("DateUpdated", d.updated.to_rfc3339())
            .field("DateSent", date(d.sent))
            .field("DateFinished", date(d.finished))
    }
}
