//! Incoming messages as the carrier webhook hands them to the store.

use crate::domain::{Message, MessageId, Segments, Timestamp};

/// One MMS attachment: where the carrier keeps it, and its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Media {
    pub url: String,
    pub content_type: String,
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
    pub carrier: super::CarrierAccount,
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
    /// No endpoint has this number.
    UnknownNumber,
    /// The endpoint's SMS is disabled: nothing is stored.
    SmsDisabled,
}
