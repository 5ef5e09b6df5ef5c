//! What a backend supplies: transactions, and inside them the SQL primitives the rules are
//! written against. A primitive reads or writes; it never decides. Conditional writes report
//! whether they applied, so a rule can act on a race it lost.

use super::StoreResult;
use super::queries::{ConversationQuery, MessagePage, MessageQuery, SessionQuery};
use super::signal::OutboxSignal;
use crate::domain::{
    Account, AccountId, AccountScope, ApiKey, CarrierStatus, Conversation, ConversationId,
    Customer, CustomerId, DeliveryRecord, DeliveryStatus, Direction, Endpoint, EndpointChanges,
    EndpointId, Idempotency, Lease, Media, Message, MessageId, OptOut, OutboxPhase, OutboxStats,
    Principal, Segments, Session, SessionId, Timestamp, User, UserId,
};
use std::future::Future;
use std::pin::Pin;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A database evo can run on.
pub trait Backend: Send + Sync + 'static {
    /// What the rules run against inside a transaction.
    type Conn: Tx;

    /// Runs `work` in one write transaction and answers once it is durable. An `Err` from
    /// `work` undoes everything it wrote.
    fn write<T, F>(&self, work: F) -> impl Future<Output = StoreResult<T>> + Send
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Self::Conn) -> BoxFuture<'c, StoreResult<T>> + Send + 'static;

    /// Runs `work` on a read-only connection.
    fn read<T, F>(&self, work: F) -> impl Future<Output = StoreResult<T>> + Send
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Self::Conn) -> BoxFuture<'c, StoreResult<T>> + Send + 'static;

    /// Where this backend announces (and hears of) new outbox rows.
    fn signal(&self) -> &OutboxSignal;

    fn ping(&self) -> impl Future<Output = StoreResult<()>> + Send;

    /// Finishes queued writes; later writes fail.
    fn shutdown(&self) -> impl Future<Output = ()> + Send;
}

/// Every primitive, for a backend's connection type.
pub trait Tx:
    TenancyTx + CredentialTx + MessagingTx + SessionTx + DeliveryTx + OptOutTx + CarrierTx + Send
{
}

impl<T> Tx for T where
    T: TenancyTx
        + CredentialTx
        + MessagingTx
        + SessionTx
        + DeliveryTx
        + OptOutTx
        + CarrierTx
        + Send
{
}

pub trait TenancyTx: Send {
    fn insert_account(&mut self, account: &Account)
    -> impl Future<Output = StoreResult<()>> + Send;
    fn account_exists(&mut self, id: &AccountId) -> impl Future<Output = StoreResult<bool>> + Send;
    fn customer_exists(
        &mut self,
        id: &CustomerId,
        account: &AccountId,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
    fn insert_customer(
        &mut self,
        customer: &Customer,
        at: Timestamp,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Writes the user with its roles and accounts; `false` if the email key is taken.
    fn insert_user(
        &mut self,
        user: &User,
        email_key: &str,
        password_hash: &str,
        at: Timestamp,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
    fn user_exists(&mut self, id: &UserId) -> impl Future<Output = StoreResult<bool>> + Send;
    fn insert_api_key(
        &mut self,
        key: &ApiKey,
        key_hash: &[u8; 32],
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// `false` if the number is taken.
    fn insert_endpoint(
        &mut self,
        endpoint: &Endpoint,
        at: Timestamp,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
    fn endpoint(
        &mut self,
        scope: &AccountScope,
        id: &EndpointId,
    ) -> impl Future<Output = StoreResult<Option<Endpoint>>> + Send;
    /// Writes the settings that are `Some`, leaving the others.
    fn update_endpoint(
        &mut self,
        id: &EndpointId,
        changes: &EndpointChanges,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    fn accounts(
        &mut self,
        scope: &AccountScope,
    ) -> impl Future<Output = StoreResult<Vec<(AccountId, String)>>> + Send;
}

pub trait CredentialTx: Send {
    /// `false` if no user has the email key.
    fn set_password(
        &mut self,
        email_key: &str,
        hash: &str,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
    fn password_hash(
        &mut self,
        email_key: &str,
    ) -> impl Future<Output = StoreResult<Option<(UserId, String)>>> + Send;
    fn principal(
        &mut self,
        user: &UserId,
    ) -> impl Future<Output = StoreResult<Option<Principal>>> + Send;
    fn user_by_api_key(
        &mut self,
        key_hash: &[u8; 32],
    ) -> impl Future<Output = StoreResult<Option<UserId>>> + Send;
    fn insert_login(
        &mut self,
        token_hash: &[u8; 32],
        user: &UserId,
        permanent: bool,
        at: Timestamp,
        expires: Timestamp,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// The user of a login that has not expired by `now`.
    fn user_by_login(
        &mut self,
        token_hash: &[u8; 32],
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<Option<UserId>>> + Send;
    fn delete_login(
        &mut self,
        token_hash: &[u8; 32],
    ) -> impl Future<Output = StoreResult<()>> + Send;
}

/// The endpoint side of a message and the remote party.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub account_id: AccountId,
    pub customer_id: Option<CustomerId>,
    pub endpoint_id: EndpointId,
    pub endpoint_name: String,
    pub other_address: String,
}

/// A session a message is sent into, and whether it has ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRoute {
    pub route: Route,
    pub ended: Option<Timestamp>,
}

/// One message to write, in or out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRow<'a> {
    pub id: &'a MessageId,
    pub direction: Direction,
    pub sender: &'a str,
    pub body: &'a str,
    pub segments: Segments,
    pub status: DeliveryStatus,
    pub carrier_ref: Option<&'a str>,
    pub at: Timestamp,
}

/// The endpoint an inbound number belongs to, with its account's own carrier account.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundEndpoint {
    pub endpoint: Endpoint,
    pub account_carrier_sid: Option<String>,
}

pub trait MessagingTx: Send {
    /// Takes `key` for `message`: `None` if taken now (it was free, or its earlier use started
    /// before `stale_before`); else the request hash and message of the live earlier use.
    fn claim_idempotency_key(
        &mut self,
        key: &Idempotency,
        message: &MessageId,
        at: Timestamp,
        stale_before: Timestamp,
    ) -> impl Future<Output = StoreResult<Option<(Vec<u8>, MessageId)>>> + Send;
    fn message(
        &mut self,
        scope: &AccountScope,
        id: &MessageId,
    ) -> impl Future<Output = StoreResult<Option<Message>>> + Send;
    fn session_route(
        &mut self,
        scope: &AccountScope,
        id: &SessionId,
    ) -> impl Future<Output = StoreResult<Option<SessionRoute>>> + Send;
    /// Threads a message into its conversation and open Chat session (creating them on first
    /// use) and writes it. `None` if its carrier sid already belongs to a message.
    fn thread_message(
        &mut self,
        route: &Route,
        row: &NewRow<'_>,
    ) -> impl Future<Output = StoreResult<Option<Message>>> + Send;
    fn enqueue(
        &mut self,
        message: &MessageId,
        due: Timestamp,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    fn insert_media(
        &mut self,
        message: &MessageId,
        media: &[Media],
    ) -> impl Future<Output = StoreResult<()>> + Send;
    fn message_by_carrier_sid(
        &mut self,
        sid: &str,
    ) -> impl Future<Output = StoreResult<Option<MessageId>>> + Send;
    /// The phone-number endpoint with this number, in any account.
    fn inbound_endpoint(
        &mut self,
        number: &str,
    ) -> impl Future<Output = StoreResult<Option<InboundEndpoint>>> + Send;
    fn conversation(
        &mut self,
        scope: &AccountScope,
        id: &ConversationId,
    ) -> impl Future<Output = StoreResult<Option<Conversation>>> + Send;
    fn mark_conversation_read(
        &mut self,
        id: &ConversationId,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    fn mark_latest_incoming_unread(
        &mut self,
        id: &ConversationId,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    fn set_message_unread(
        &mut self,
        id: &MessageId,
        unread: bool,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    fn list_messages(
        &mut self,
        query: &MessageQuery,
    ) -> impl Future<Output = StoreResult<MessagePage>> + Send;
    fn list_conversations(
        &mut self,
        query: &ConversationQuery,
    ) -> impl Future<Output = StoreResult<Vec<Conversation>>> + Send;
}

/// A message of a transcript as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranscriptRow {
    pub id: MessageId,
    pub at: Timestamp,
    pub direction: Direction,
    pub other_address: String,
    pub sender: String,
    pub body: String,
}

pub trait SessionTx: Send {
    /// Sessions without breadcrumbs, and the total when asked.
    fn list_sessions(
        &mut self,
        query: &SessionQuery,
    ) -> impl Future<Output = StoreResult<(Vec<Session>, Option<u64>)>> + Send;
    fn session(
        &mut self,
        scope: &AccountScope,
        id: &SessionId,
    ) -> impl Future<Output = StoreResult<Option<Session>>> + Send;
    /// A customer's name and parent.
    fn customer_link(
        &mut self,
        id: &CustomerId,
    ) -> impl Future<Output = StoreResult<Option<(String, Option<CustomerId>)>>> + Send;
    /// Sets the end date unless one is set.
    fn end_session(
        &mut self,
        id: &SessionId,
        at: Timestamp,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// The session's messages, oldest first; with `window`, also its conversation's messages
    /// dated within it.
    fn transcript_rows(
        &mut self,
        session: &SessionId,
        window: Option<(Timestamp, Timestamp)>,
    ) -> impl Future<Output = StoreResult<Vec<TranscriptRow>>> + Send;
    fn media(
        &mut self,
        message: &MessageId,
    ) -> impl Future<Output = StoreResult<Vec<Media>>> + Send;
    fn mark_read(&mut self, message: &MessageId) -> impl Future<Output = StoreResult<()>> + Send;
}

/// An outbox row that is due, with what a hand-off needs.
#[derive(Debug, Clone, PartialEq)]
pub struct DueRow {
    pub message_id: MessageId,
    pub account_id: AccountId,
    pub from: String,
    pub to: String,
    pub body: String,
    pub segments: u32,
    pub created: Timestamp,
    pub attempts: u32,
    pub phase: OutboxPhase,
    pub last_attempt: Option<Timestamp>,
    pub mps: Option<f64>,
    pub twilio: Option<(String, String)>,
}

/// A forward move of a message's status: applied only if the status is one of `from`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusMove<'a> {
    pub to: DeliveryStatus,
    pub from: &'a [DeliveryStatus],
    pub at: Timestamp,
    pub error: ErrorNote<'a>,
    /// Set the finished date.
    pub finished: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorNote<'a> {
    Keep,
    /// Set when `Some`, keep otherwise.
    Set(Option<&'a str>),
    Clear,
}

/// What a status callback needs to know of the message it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackTarget {
    pub account_carrier_sid: Option<String>,
    pub carrier_sid: Option<String>,
    pub direction: Direction,
    pub status: DeliveryStatus,
}

/// A row a claim asks to lease: the phase it was read in, and the attempt planned for
/// `attempt_at` when it is to be sent at once.
#[derive(Debug, Clone)]
pub struct LeaseAsk {
    pub id: MessageId,
    pub seen: OutboxPhase,
    pub attempt_at: Option<Timestamp>,
}

pub trait DeliveryTx: Send {
    fn release_leases(&mut self, owner: &str) -> impl Future<Output = StoreResult<u64>> + Send;
    /// Up to `limit` rows due by `now` whose lease has expired, oldest due first. Read
    /// without locks: by the time the claim writes, another claimer may have taken some.
    fn due_rows(
        &mut self,
        now: Timestamp,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<DueRow>>> + Send;
    /// Leases each asked row that is still due by `now`, unleased and in the phase it was
    /// seen in; with `attempt_at`, also records the attempt planned for then (phase
    /// `sending`). A row another transaction is writing is skipped, not waited for. The ids
    /// leased, in no particular order.
    fn lease_rows(
        &mut self,
        asks: &[LeaseAsk],
        lease: &Lease,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<Vec<MessageId>>> + Send;
    /// Moves each unleased row in phase `queued` to its due time; how many it moved.
    fn defer_rows(
        &mut self,
        rows: &[(MessageId, Timestamp)],
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<u64>> + Send;
    /// Records an attempt on a row `held` still leases, renewing the lease to `until`.
    fn attempt_row(
        &mut self,
        id: &MessageId,
        held: &Lease,
        at: Timestamp,
        until: Timestamp,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
    /// Counts an attempt on each message, moving it to Sending if its status is in `from`.
    fn note_attempts(
        &mut self,
        ids: &[MessageId],
        at: Timestamp,
        from: &[DeliveryStatus],
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Puts a row `held` still leases back, due at `due` (and in `phase`, when given).
    fn reschedule_row(
        &mut self,
        id: &MessageId,
        held: &Lease,
        phase: Option<OutboxPhase>,
        due: Timestamp,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
    /// Removes the row (only if `held` still leases it, when given).
    fn dequeue(
        &mut self,
        id: &MessageId,
        held: Option<&Lease>,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
    fn move_status(
        &mut self,
        id: &MessageId,
        change: &StatusMove<'_>,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
    /// Notes why an attempt did not settle the message, if its status is in `only_from`.
    fn note_error(
        &mut self,
        id: &MessageId,
        error: &str,
        at: Timestamp,
        only_from: &[DeliveryStatus],
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Gives the message its carrier sid and sent date (`change.at`) unless it has them, and
    /// in the same write makes `change` if the status is one of `change.from`.
    fn record_sid(
        &mut self,
        id: &MessageId,
        sid: &str,
        change: &StatusMove<'_>,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    fn callback_target(
        &mut self,
        id: &MessageId,
    ) -> impl Future<Output = StoreResult<Option<CallbackTarget>>> + Send;
    /// Callbacks kept for `sid` before any message held it.
    fn pending_events(
        &mut self,
        sid: &str,
    ) -> impl Future<Output = StoreResult<Vec<(DeliveryStatus, Option<String>)>>> + Send;
    /// Keeps a callback for a sid no message holds yet (once per sid and status).
    fn keep_event(&mut self, event: &CarrierStatus)
    -> impl Future<Output = StoreResult<()>> + Send;
    fn drop_events(&mut self, sid: &str) -> impl Future<Output = StoreResult<()>> + Send;
    fn sids_in_use(
        &mut self,
        sids: &[String],
    ) -> impl Future<Output = StoreResult<Vec<String>>> + Send;
    fn delivery_record(
        &mut self,
        scope: &AccountScope,
        id: &MessageId,
    ) -> impl Future<Output = StoreResult<Option<DeliveryRecord>>> + Send;
    fn outbox_stats(&mut self) -> impl Future<Output = StoreResult<OutboxStats>> + Send;
    fn purge_idempotency(
        &mut self,
        before: Timestamp,
    ) -> impl Future<Output = StoreResult<u64>> + Send;
    fn purge_events(&mut self, before: Timestamp) -> impl Future<Output = StoreResult<u64>> + Send;
}

pub trait OptOutTx: Send {
    fn is_opted_out(
        &mut self,
        endpoint: &EndpointId,
        address: &str,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
    fn list_opt_outs(
        &mut self,
        endpoint: &EndpointId,
    ) -> impl Future<Output = StoreResult<Vec<OptOut>>> + Send;
    /// Adds the opt-out unless it is there; its date either way.
    fn add_opt_out(
        &mut self,
        endpoint: &EndpointId,
        address: &str,
        at: Timestamp,
    ) -> impl Future<Output = StoreResult<Timestamp>> + Send;
    /// Whether there was one to remove.
    fn remove_opt_out(
        &mut self,
        endpoint: &EndpointId,
        address: &str,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
}

pub trait CarrierTx: Send {
    /// `false` if the account does not exist.
    fn set_account_carrier(
        &mut self,
        account: &AccountId,
        sid: &str,
        token: &str,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
    fn carrier_token(
        &mut self,
        account_sid: &str,
    ) -> impl Future<Output = StoreResult<Option<String>>> + Send;
}
