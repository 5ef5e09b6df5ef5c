//! Storage. The service layer calls the traits below (one per aggregate); `Engine` implements
//! them once for every backend by running the rules in `rules/` (plain Rust: read what a
//! decision needs, decide, write the decision) inside one transaction of a `Backend`, which
//! supplies only SQL (`backend.rs`). Every call that touches tenant data takes the caller's
//! `AccountScope`, and the backend puts it in the query itself.
//!
//! Each method says what holds when callers in several processes use one database at once.
//! Those promises rest on the database's own means (unique constraints, `insert … on
//! conflict`, conditional updates that report whether they applied), never on one process
//! running writes in turn; `tests/store/` checks them with two store handles on one database.

mod backend;
mod copy;
mod engine;
mod postgres;
mod queries;
mod rules;
mod signal;
mod sqlite;

pub use backend::{Backend, BoxFuture, Tx};
pub use copy::{Copied, copy_store};
pub use engine::Engine;
pub use postgres::{PostgresBackend, PostgresStore};
pub use queries::{
    Claim, ConversationQuery, MessagePage, MessageQuery, MessageSort, NewEndpoint, NewMessage,
    NewUser, OutcomeRecord, SendTarget, SessionPage, SessionQuery, TranscriptQuery,
};
pub use signal::{OutboxSignal, OutboxWakeups};
pub use sqlite::{SqliteBackend, SqliteStore};

use crate::clock::SharedClock;
use crate::domain::{
    Account, AccountId, AccountScope, ApiKey, CarrierStatus, Conversation, ConversationId,
    Customer, CustomerId, DeliveryRecord, Endpoint, EndpointChanges, EndpointId, InboundMessage,
    Lease, Message, MessageId, OptOut, OutboxItem, OutboxStats, Outcome, PhoneNumber, Principal,
    Received, Refusal, Session, SessionId, StatusApplied, Timestamp, TranscriptLine, User, UserId,
};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The request is refused as it stands; `crate::error` says why in the client's words.
    #[error("refused: {0:?}")]
    Refused(Refusal),
    /// The transaction lost a race with a concurrent one (a unique key was taken meanwhile).
    /// Running it again sees the winner; the engine does so once.
    #[error("lost a race with a concurrent write")]
    Raced,
    /// The database cannot be reached (down, restarting, out of connections); the request may
    /// be tried again. Nothing was written.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<Refusal> for StoreError {
    fn from(r: Refusal) -> Self {
        StoreError::Refused(r)
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Accounts, customers, users, endpoints and API keys (the admin CLI, and the management API).
#[async_trait::async_trait]
pub trait TenancyStore: Send + Sync {
    async fn create_account(&self, name: &str) -> StoreResult<Account>;
    /// The parent, if any, must be a customer of the same account.
    async fn create_customer(
        &self,
        account: &AccountId,
        parent: Option<&CustomerId>,
        name: &str,
    ) -> StoreResult<Customer>;
    /// Emails are unique regardless of case: of several processes creating one email at once,
    /// exactly one succeeds and the others are refused `EmailTaken`.
    async fn create_user(&self, user: NewUser) -> StoreResult<User>;
    /// Numbers are unique: of racing creations of one number, one succeeds, the others are
    /// refused `NumberTaken`.
    async fn create_endpoint(&self, endpoint: NewEndpoint) -> StoreResult<Endpoint>;
    /// An endpoint outside `scope` is NotFound, exactly like a missing one. Concurrent updates
    /// of different settings both take effect (each writes only what it changes).
    async fn update_endpoint(
        &self,
        scope: &AccountScope,
        id: &EndpointId,
        changes: EndpointChanges,
    ) -> StoreResult<Endpoint>;
    async fn create_api_key(
        &self,
        user: &UserId,
        name: Option<&str>,
        key_hash: [u8; 32],
    ) -> StoreResult<ApiKey>;
    async fn accounts(&self, scope: &AccountScope) -> StoreResult<Vec<(AccountId, String)>>;
}

/// Passwords, API keys and login tokens. Every read sees every committed write, from any
/// process: a password changed or a login ended on one node holds on all at once (the API's
/// own cache adds at most its 5 s).
#[async_trait::async_trait]
pub trait CredentialStore: Send + Sync {
    async fn set_password(&self, email: &str, password_hash: &str) -> StoreResult<()>;
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
    /// `None` for an unknown token or one that expired by `now`.
    async fn principal_by_login(
        &self,
        token_hash: &[u8; 32],
        now: Timestamp,
    ) -> StoreResult<Option<Principal>>;
    async fn delete_login(&self, token_hash: &[u8; 32]) -> StoreResult<()>;
}

/// Messages and conversations.
#[async_trait::async_trait]
pub trait MessagingStore: Send + Sync {
    /// Stores an outgoing message with its conversation, session and outbox row in one
    /// transaction; `Ok` means it is durable. With an Idempotency-Key, racing first uses of one
    /// key (from any processes) create one message and the others replay it; the same key with
    /// other fields is refused `IdempotencyKeyReused`; a replay outside the caller's current
    /// accounts is NotFound.
    async fn send_message(&self, scope: &AccountScope, message: NewMessage)
    -> StoreResult<Message>;
    /// Stores an incoming message once per carrier sid: racing deliveries of one sid store one
    /// message and the others answer `Duplicate`.
    async fn receive_message(&self, message: InboundMessage) -> StoreResult<Received>;
    async fn message(&self, scope: &AccountScope, id: &MessageId) -> StoreResult<Message>;
    /// Marks every message of a conversation read, or its latest incoming one unread.
    async fn set_conversation_unread(
        &self,
        scope: &AccountScope,
        id: &ConversationId,
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
}

/// Chat sessions. A conversation has at most one open session, however many messages race
/// into it (a partial unique index): the first message after EndSession opens the next one.
#[async_trait::async_trait]
pub trait SessionStore: Send + Sync {
    async fn list_sessions(&self, query: &SessionQuery) -> StoreResult<SessionPage>;
    async fn session(&self, scope: &AccountScope, id: &SessionId) -> StoreResult<Session>;
    /// Ends a session (again is harmless: the first end date stays).
    async fn end_session(&self, scope: &AccountScope, id: &SessionId) -> StoreResult<Session>;
    async fn transcript(&self, query: TranscriptQuery) -> StoreResult<Vec<TranscriptLine>>;
}

/// The outbox and delivery state.
#[async_trait::async_trait]
pub trait DeliveryStore: Send + Sync {
    /// Releases every lease `owner` held (a restarted node taking back its own rows).
    async fn reclaim_leases(&self, owner: &str) -> StoreResult<u64>;
    /// Leases up to `limit` due rows. No row is ever held by two live leases, whatever number
    /// of workers claim at once: a row is taken only if its lease has expired, in a write that
    /// reports which rows it took. Rows the pacer puts further off than the horizon are moved
    /// to their slot instead; rows whose hand-off is moments away carry their attempt record
    /// in the claim itself (`Plan::Send`).
    async fn claim_outbox(&self, claim: Claim) -> StoreResult<Vec<OutboxItem>>;
    /// Durably notes an attempt before the carrier is called, renewing the lease; `None` if
    /// the lease is no longer the caller's (do not send).
    async fn record_attempt(
        &self,
        id: &MessageId,
        lease: &Lease,
        now: Timestamp,
        lease_ms: i64,
    ) -> StoreResult<Option<Lease>>;
    /// Records what became of a claimed row. A write under a lease that has passed to another
    /// worker does nothing, except `Accepted`: the carrier has the message, so its sid is kept
    /// whoever holds the lease. A carrier sid belongs to one message only.
    async fn record_outcome(
        &self,
        id: &MessageId,
        lease: &Lease,
        outcome: Outcome,
        now: Timestamp,
    ) -> StoreResult<()>;
    /// `record_outcome` for many rows in one write (a worker batches what its hand-offs
    /// settle). Each answers on its own: a refusal (`CarrierSidTaken`) writes nothing for that
    /// row and does not stop the others; any other error fails the whole batch, unwritten.
    async fn record_outcomes(
        &self,
        records: Vec<OutcomeRecord>,
    ) -> StoreResult<Vec<StoreResult<()>>>;
    /// Which of these carrier sids already belong to a message.
    async fn sids_in_use(&self, sids: Vec<String>) -> StoreResult<Vec<String>>;
    /// Applies a status callback. Status only moves forward (`DeliveryStatus::may_become`),
    /// however callbacks race or repeat: each move is one conditional write.
    async fn apply_carrier_status(&self, update: CarrierStatus) -> StoreResult<StatusApplied>;
    async fn delivery_info(
        &self,
        scope: &AccountScope,
        id: &MessageId,
    ) -> StoreResult<DeliveryRecord>;
    async fn outbox_stats(&self) -> StoreResult<OutboxStats>;
    /// Forgets idempotency keys past their replay window and early callbacks no sid claimed.
    async fn purge_expired(&self, now: Timestamp) -> StoreResult<u64>;
    /// Wake-ups for new outbox rows: a hint, so workers also poll.
    fn outbox_signal(&self) -> OutboxSignal;
}

/// Opt-outs. An endpoint outside `scope` is NotFound, exactly like a missing one.
#[async_trait::async_trait]
pub trait OptOutStore: Send + Sync {
    /// The endpoint's opted-out addresses, oldest first.
    async fn list_opt_outs(
        &self,
        scope: &AccountScope,
        endpoint: &EndpointId,
    ) -> StoreResult<Vec<OptOut>>;
    /// Opts `address` out; adding one already there (even concurrently) keeps the first date.
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

/// Per-account carrier credentials.
#[async_trait::async_trait]
pub trait CarrierSettingsStore: Send + Sync {
    async fn set_account_carrier(
        &self,
        account: &AccountId,
        twilio_account_sid: &str,
        twilio_auth_token: &str,
    ) -> StoreResult<()>;
    /// The auth token of the account whose own Twilio account SID is `account_sid`.
    async fn carrier_token(&self, account_sid: &str) -> StoreResult<Option<String>>;
}

/// Everything the server needs from storage.
#[async_trait::async_trait]
pub trait Store:
    TenancyStore
    + CredentialStore
    + MessagingStore
    + SessionStore
    + DeliveryStore
    + OptOutStore
    + CarrierSettingsStore
    + 'static
{
    async fn ping(&self) -> StoreResult<()>;
    /// Finishes queued writes and checkpoints; later writes fail.
    async fn shutdown(&self);
}

/// Opens the store named by a `--database-url`, or SQLite under the data directory.
pub async fn open(
    database_url: Option<&str>,
    data_dir: &std::path::Path,
    clock: SharedClock,
) -> anyhow::Result<Arc<dyn Store>> {
    match database_url {
        Some(url) if postgres::is_url(url) => {
            Ok(Arc::new(PostgresStore::connect(url, clock).await?))
        }
        Some(url) => anyhow::bail!("unsupported --database-url '{url}'"),
        None => Ok(Arc::new(SqliteStore::open_with_clock(data_dir, clock)?)),
    }
}
