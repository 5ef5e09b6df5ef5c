//! Request and response DTOs of the contract, field for field (contract section b).

mod auth;
pub mod defs;
mod delivery;
mod list;
mod messages;
pub mod opt_outs;
mod sessions;

pub use auth::{Authenticate, AuthenticateResponse, UserInfo};
pub use delivery::{DeliveryInfo, GetMessageDelivery};
pub use list::{ListRequest, ListResponse, SortOrder};
pub use messages::{
    ConversationInfo, ListConversations, ListConversationsResponse, ListMessages, MessageInfo,
    SendMessage, SetUnread,
};
pub use opt_outs::{DeleteOptOut, ListOptOuts, ListOptOutsResponse, OptOutInfo};
pub use sessions::{
    ChatTranscript, GetChatTranscript, ListSessions, SessionInfo, SessionRef, SessionsResponse,
};
