//! Incoming messages as the carrier webhook hands them over, and the carrier account that
//! signed a webhook.

use super::{Media, Message, MessageId, Segments, Timestamp};

/// The carrier account a webhook was signed by. It speaks only for the evo accounts that use it:
/// those with it as their own, or with none of their own when it is the server-wide one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarrierAccount {
    pub signed_by: String,
    pub server_wide: Option<String>,
}

impl CarrierAccount {
    /// Whether this carrier account speaks for an evo account whose own carrier account is
    /// `own` (`None`: the account sends with the server-wide one). One tenant's carrier token
    /// must never move another tenant's message or reach another tenant's number.
    pub fn speaks_for(&self, own: Option<&str>) -> bool {
        match own {
            Some(own) => own == self.signed_by,
            None => self.server_wide.as_deref() == Some(self.signed_by.as_str()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundMessage {
    /// The endpoint's number the message was sent to.
    pub to: String,
    /// The remote party.
    pub from: String,
    pub body: String,
    /// The carrier's id (Twilio MessageSid): a message is stored once per sid.
    pub sid: String,
    pub media: Vec<Media>,
    pub segments: Segments,
    pub date: Timestamp,
    /// Only numbers of the accounts using this carrier account receive the message.
    pub carrier: CarrierAccount,
}

/// What became of an incoming message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    Stored {
        message: Box<Message>,
        /// An automatic reply (the help text) was queued.
        replied: bool,
    },
    /// The carrier sent this sid before (a retried or duplicated webhook).
    Duplicate(MessageId),
    /// No endpoint the signing carrier account speaks for has this number.
    UnknownNumber,
    /// The endpoint's SMS is disabled: nothing is stored.
    SmsDisabled,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed(by: &str, server_wide: Option<&str>) -> CarrierAccount {
        CarrierAccount {
            signed_by: by.into(),
            server_wide: server_wide.map(str::to_owned),
        }
    }

    #[test]
    fn a_carrier_account_speaks_only_for_the_accounts_using_it() {
        // An account with its own carrier account: only that one.
        assert!(signed("ACown", Some("ACserver")).speaks_for(Some("ACown")));
        assert!(!signed("ACserver", Some("ACserver")).speaks_for(Some("ACown")));
        assert!(!signed("ACother", None).speaks_for(Some("ACown")));
        // An account without one: only the server-wide account.
        assert!(signed("ACserver", Some("ACserver")).speaks_for(None));
        assert!(!signed("ACown", Some("ACserver")).speaks_for(None));
        assert!(!signed("ACown", None).speaks_for(None));
    }
}
