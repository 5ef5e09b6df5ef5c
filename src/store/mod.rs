//! Storage: one trait the service layer calls, implemented per backend (SQLite now, PostgreSQL
//! next). Every read and write that touches tenant data takes the caller's `AccountScope`, and
//! the backend puts it in the query itself.

mod delivery;
mod inbound;
mod sessions;
mod sqlite;

pub use delivery::{
    CarrierAccount, CarrierStatus, DeliveryRecord, Idempotency, Lease, OutboxItem, OutboxPhase,
    OutboxStats, Outcome, StatusApplied,
};
pub use inbound::{InboundMessage, Media, Received};
pub use sessions::{Session, SessionPage, SessionQuery, TranscriptLine, TranscriptQuery};

pub use sqlite::SqliteStore;

use crate::domain::{
    AccountId, AccountScope, ApiKeyId, Conversation, CustomerId, EndpointId, Message, MessageBody,
    MessageId, PhoneNumber, Principal, Role, SessionId, Timestamp, UserId,
};
use std::sync::Arc;
use tokio::sync::Notify;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The object does not exist, or is outside the caller's scope.
    #[error("{0}")]
    NotFound(String),
    /// A uniqueness rule would be broken (duplicate email, duplicate number).
    #[error("{0}")]
    Conflict(String),
    /// The input names something that exists but cannot be used this way.
    #[error("{1}")]
    Invalid(&'static str, String),
    /// A 400 with its own error code: the request is refused as it stands (an opted-out
    /// recipient, an endpoint that may not send SMS).
    #[error("{1}")]
    Refused(&'static str, String),
    /// The request is well formed but conflicts with what was sent before (a reused
    /// idempotency key).
    #[error("{1}")]
    Unprocessable(&'static str, String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: AccountId,
    pub name: String,
    pub created: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    pub id: CustomerId,
    pub account_id: AccountId,
    pub parent_id: Option<CustomerId>,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub password_hash: String,
    pub roles: Vec<Role>,
    pub accounts: Vec<AccountId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub roles: Vec<Role>,
    pub accounts: Vec<AccountId>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewEndpoint {
    pub account_id: AccountId,
    pub customer_id: Option<CustomerId>,
    pub number: PhoneNumber,
    pub display_name: String,
    /// Segments per second; `None` takes the default for the number's kind.
    pub mps: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    pub id: EndpointId,
    pub account_id: AccountId,
    pub customer_id: Option<CustomerId>,
    pub number: String,
    pub display_name: String,
    pub mps: Option<f64>,
    /// What HELP and INFO are answered with; `None` answers with a generic text.
    pub help_text: Option<String>,
    pub sms_enabled: bool,
}

/// Settings to change on an endpoint; `None` leaves a setting as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EndpointChanges {
    pub mps: Option<f64>,
    pub help_text: Option<String>,
    pub sms_enabled: Option<bool>,
}

/// An address that may not be sent SMS from an endpoint's number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptOut {
    pub address: String,
    pub created: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub user_id: UserId,
    pub name: Option<String>,
    pub created: Timestamp,
}

/// Where an outgoing message goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendTarget {
    /// Into an existing session, to its other party, from its endpoint.
    Session(SessionId),
    /// From a phone-number endpoint to an address; the conversation and Chat session are
    /// created on first use (contract Q3).
    Endpoint {
        endpoint: EndpointId,
        to: PhoneNumber,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub target: SendTarget,
    pub body: MessageBody,
    /// Computed before the write, off the single writer's thread.
    pub segments: crate::domain::Segments,
    pub sender: String,
    pub date: Timestamp,
    pub idempotency: Option<Idempotency>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageSort {
    Date,
    Id,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageQuery {
    pub scope: AccountScope,
    pub customer_ids: Vec<CustomerId>,
    pub endpoint_ids: Vec<EndpointId>,
    pub conversation_ids: Vec<crate::domain::ConversationId>,
    pub specific_ids: Vec<MessageId>,
    pub after: Option<Timestamp>,
    pub sort: MessageSort,
    pub descending: bool,
    /// Rows to skip, and the most rows to return.
    pub offset: u64,
    pub limit: u64,
    pub with_total: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessagePage {
    pub items: Vec<Message>,
    pub total: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationQuery {
    pub scope: AccountScope,
    pub customer_ids: Vec<CustomerId>,
    pub endpoint_ids: Vec<EndpointId>,
    pub after: Option<Timestamp>,
    /// Only conversations with unread messages.
    pub unread_only: bool,
    pub limit: u64,
}

#[async_trait::async_trait]
pub trait Store: Send + Sync + 'static {
    // Tenancy (the admin CLI and, later, the management API).
    async fn create_account(&self, name: &str) -> StoreResult<Account>;
    async fn create_customer(
        &self,
        account: &AccountId,
        parent: Option<&CustomerId>,
        name: &str,
    ) -> StoreResult<Customer>;
    async fn create_user(&self, user: NewUser) -> StoreResult<User>;
    async fn set_password(&self, email: &str, password_hash: &str) -> StoreResult<()>;
    async fn create_endpoint(&self, endpoint: NewEndpoint) -> StoreResult<Endpoint>;
    async fn create_api_key(
        &self,
        user: &UserId,
        name: Option<&str>,
        key_hash: [u8; 32],
    ) -> StoreResult<ApiKey>;

    // Credentials.
    async fn password_hash(&self, email: &str) -> StoreResult<Option<(UserId, String)>>;
    async fn principal(&self, user: &UserId) -> StoreResult<Option<Principal>>;
    async fn principal_by_api_key(&self, key_hash: &[u8; 32]) -> StoreResult<Option<Principal>>;
    async fn create_login(
        &self,
        token_hash: [u8; 32],
        user: &UserId,
        permanent: bool,
        expires: Timestamp,
    ) -> StoreResult<()>;
    async fn principal_by_login(
        &self,
        token_hash: &[u8; 32],
        now: Timestamp,
    ) -> StoreResult<Option<Principal>>;
    async fn delete_login(&self, token_hash: &[u8; 32]) -> StoreResult<()>;
    async fn accounts(&self, scope: &AccountScope) -> StoreResult<Vec<(AccountId, String)>>;

    // Messaging.
    async fn send_message(&self, scope: &AccountScope, message: NewMessage)
    -> StoreResult<Message>;
    /// Stores an incoming message (once per carrier sid) in its endpoint's conversation.
    async fn receive_message(&self, message: InboundMessage) -> StoreResult<Received>;
    /// Marks every message of a conversation read, or its latest incoming one unread.
    async fn set_conversation_unread(
        &self,
        scope: &AccountScope,
        id: &crate::domain::ConversationId,
        unread: bool,
    ) -> StoreResult<Conversation>;
    async fn set_message_unread(
        &self,
        scope: &AccountScope,
        id: &MessageId,
        unread: bool,
    ) -> StoreResult<Message>;
    async fn list_messages(&self, query: &MessageQuery) -> StoreResult<MessagePage>;
    async fn list_conversations(&self, query: &ConversationQuery)
    -> StoreResult<Vec<Conversation>>;

    // Sessions.
    async fn list_sessions(&self, query: &SessionQuery) -> StoreResult<SessionPage>;
    async fn session(&self, scope: &AccountScope, id: &SessionId) -> StoreResult<Session>;
    /// Ends a session; the next message with that address opens a new one.
    async fn end_session(&self, scope: &AccountScope, id: &SessionId) -> StoreResult<Session>;
    async fn transcript(&self, query: TranscriptQuery) -> StoreResult<Vec<TranscriptLine>>;

    // Delivery.
    /// Releases every lease `owner` held (a restarted node taking back its own rows).
    async fn reclaim_leases(&self, owner: &str) -> StoreResult<u64>;
    /// Leases up to `limit` due rows to `owner` for `lease_ms`.
    async fn claim_outbox(
        &self,
        owner: &str,
        now: Timestamp,
        lease_ms: i64,
        limit: u32,
    ) -> StoreResult<Vec<OutboxItem>>;
    /// Durably notes an attempt before the carrier is called; `None` if the lease was lost.
    async fn record_attempt(
        &self,
        id: &MessageId,
        lease: &Lease,
        now: Timestamp,
        lease_ms: i64,
    ) -> StoreResult<Option<Lease>>;
    async fn record_outcome(
        &self,
        id: &MessageId,
        lease: &Lease,
        outcome: Outcome,
        now: Timestamp,
    ) -> StoreResult<()>;
    /// Which of these carrier sids already belong to a message.
    async fn sids_in_use(&self, sids: Vec<String>) -> StoreResult<Vec<String>>;
    async fn apply_carrier_status(&self, update: CarrierStatus) -> StoreResult<StatusApplied>;
    async fn delivery_info(
        &self,
        scope: &AccountScope,
        id: &MessageId,
    ) -> StoreResult<DeliveryRecord>;
    async fn outbox_stats(&self) -> StoreResult<OutboxStats>;
    /// Forgets idempotency keys past their replay window.
    async fn purge_idempotency(&self, now: Timestamp) -> StoreResult<u64>;
    /// Woken whenever new outbox rows are committed.
    fn outbox_signal(&self) -> Arc<Notify>;

    // Carrier settings.
    async fn set_account_carrier(
        &self,
        account: &AccountId,
        twilio_account_sid: &str,
        twilio_auth_token: &str,
    ) -> StoreResult<()>;
    /// The auth token of the account whose own Twilio account SID is `account_sid`.
    async fn carrier_token(&self, account_sid: &str) -> StoreResult<Option<String>>;
    async fn update_endpoint(
        &self,
        id: &EndpointId,
        changes: EndpointChanges,
    ) -> StoreResult<Endpoint>;

    // Operations.
    async fn ping(&self) -> StoreResult<()>;
    /// Finishes queued writes and checkpoints; later writes fail.
    async fn shutdown(&self);

    // Opt-outs. An endpoint outside `scope` is NotFound, exactly like a missing one.
    /// The endpoint's opted-out addresses, oldest first.
    async fn list_opt_outs(
        &self,
        scope: &AccountScope,
        endpoint: &EndpointId,
    ) -> StoreResult<Vec<OptOut>>;
    /// Opts `address` out; adding one already there keeps its original date.
    async fn add_opt_out(
        &self,
        scope: &AccountScope,
        endpoint: &EndpointId,
        address: &PhoneNumber,
    ) -> StoreResult<OptOut>;
    /// Lifts an opt-out; NotFound if the address was not opted out.
    async fn remove_opt_out(
        &self,
        scope: &AccountScope,
        endpoint: &EndpointId,
        address: &PhoneNumber,
    ) -> StoreResult<()>;
}

/// Opens the store named by a `--database-url`, or SQLite under the data directory.
pub async fn open(
    database_url: Option<&str>,
    data_dir: &std::path::Path,
) -> anyhow::Result<Arc<dyn Store>> {
    match database_url {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            anyhow::bail!("PostgreSQL is not supported yet; omit --database-url to use SQLite")
        }
        Some(url) => anyhow::bail!("unsupported --database-url '{url}'"),
        None => Ok(Arc::new(SqliteStore::open(data_dir)?)),
    }
}
