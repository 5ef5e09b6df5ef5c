//! The one implementation of the store traits: each method runs its rule (`rules/`) inside one
//! transaction of the backend, with the time taken from the injected clock.

use super::backend::{Backend, CarrierTx, CredentialTx, DeliveryTx, MessagingTx, TenancyTx};
use super::queries::{
    Claim, ConversationQuery, MessagePage, MessageQuery, NewEndpoint, NewMessage, NewUser,
    OutcomeRecord, SessionPage, SessionQuery, TranscriptQuery,
};
use super::rules;
use super::signal::OutboxSignal;
use super::{
    CarrierSettingsStore, CredentialStore, DeliveryStore, MessagingStore, OptOutStore,
    SessionStore, Store, StoreError, StoreResult, TenancyStore,
};
use crate::clock::SharedClock;
use crate::domain::{
    Account, AccountId, AccountScope, ApiKey, CarrierStatus, Conversation, ConversationId,
    Customer, CustomerId, DeliveryRecord, Endpoint, EndpointChanges, EndpointId, InboundMessage,
    Lease, Message, MessageId, Missing, OptOut, OutboxItem, OutboxStats, Outcome, PhoneNumber,
    Principal, Received, Refusal, Session, SessionId, StatusApplied, Timestamp, TranscriptLine,
    User, UserId,
};

pub struct Engine<B> {
    backend: B,
    clock: SharedClock,
}

impl<B: Backend> Engine<B> {
    pub fn new(backend: B, clock: SharedClock) -> Self {
        Self { backend, clock }
    }

    pub fn backend(&self) -> &B {
        &self.backend
    }

    fn now(&self) -> Timestamp {
        self.clock.now()
    }
}

/// `self.backend.write(…)` (or `read`) of one rule call, moving the listed values in.
macro_rules! run {
    ($self:ident . $how:ident, move |$tx:ident| $body:expr) => {
        $self
            .backend
            .$how(move |$tx| Box::pin(async move { $body }))
            .await
    };
}

#[async_trait::async_trait]
impl<B: Backend> TenancyStore for Engine<B> {
    async fn create_account(&self, name: &str) -> StoreResult<Account> {
        let (name, now) = (name.to_owned(), self.now());
        run!(self.write, move |tx| rules::tenancy::create_account(
            tx, name, now
        )
        .await)
    }

    async fn create_customer(
        &self,
        account: &AccountId,
        parent: Option<&CustomerId>,
        name: &str,
    ) -> StoreResult<Customer> {
        let (account, parent, name) = (account.clone(), parent.cloned(), name.to_owned());
        let now = self.now();
        run!(self.write, move |tx| {
            rules::tenancy::create_customer(tx, account, parent, name, now).await
        })
    }

    async fn create_user(&self, user: NewUser) -> StoreResult<User> {
        let now = self.now();
        run!(self.write, move |tx| rules::tenancy::create_user(
            tx, user, now
        )
        .await)
    }

    async fn create_endpoint(&self, endpoint: NewEndpoint) -> StoreResult<Endpoint> {
        let now = self.now();
        run!(self.write, move |tx| rules::tenancy::create_endpoint(
            tx, endpoint, now
        )
        .await)
    }

    async fn update_endpoint(
        &self,
        scope: &AccountScope,
        id: &EndpointId,
        changes: EndpointChanges,
    ) -> StoreResult<Endpoint> {
        let (scope, id) = (scope.clone(), id.clone());
        run!(self.write, move |tx| {
            rules::tenancy::update_endpoint(tx, scope, id, changes).await
        })
    }

    async fn create_api_key(
        &self,
        user: &UserId,
        name: Option<&str>,
        key_hash: [u8; 32],
    ) -> StoreResult<ApiKey> {
        let (user, name, now) = (user.clone(), name.map(str::to_owned), self.now());
        run!(self.write, move |tx| {
            rules::tenancy::create_api_key(tx, user, name, key_hash, now).await
        })
    }

    async fn accounts(&self, scope: &AccountScope) -> StoreResult<Vec<(AccountId, String)>> {
        let scope = scope.clone();
        run!(self.read, move |tx| tx.accounts(&scope).await)
    }
}

#[async_trait::async_trait]
impl<B: Backend> CredentialStore for Engine<B> {
    async fn set_password(&self, email: &str, password_hash: &str) -> StoreResult<()> {
        let (email, hash) = (email.to_owned(), password_hash.to_owned());
        run!(self.write, move |tx| rules::credentials::set_password(
            tx, email, hash
        )
        .await)
    }

    async fn password_hash(&self, email: &str) -> StoreResult<Option<(UserId, String)>> {
        let key = crate::domain::settings::email_key(email);
        run!(self.read, move |tx| tx.password_hash(&key).await)
    }

    async fn principal(&self, user: &UserId) -> StoreResult<Option<Principal>> {
        let user = user.clone();
        run!(self.read, move |tx| tx.principal(&user).await)
    }

    async fn principal_by_api_key(&self, key_hash: &[u8; 32]) -> StoreResult<Option<Principal>> {
        let hash = *key_hash;
        run!(self.read, move |tx| {
            rules::credentials::principal_by_api_key(tx, hash).await
        })
    }

    async fn create_login(
        &self,
        token_hash: [u8; 32],
        user: &UserId,
        permanent: bool,
        expires: Timestamp,
    ) -> StoreResult<()> {
        let (user, now) = (user.clone(), self.now());
        run!(self.write, move |tx| {
            tx.insert_login(&token_hash, &user, permanent, now, expires)
                .await
        })
    }

    async fn principal_by_login(
        &self,
        token_hash: &[u8; 32],
        now: Timestamp,
    ) -> StoreResult<Option<Principal>> {
        let hash = *token_hash;
        run!(self.read, move |tx| rules::credentials::principal_by_login(
            tx, hash, now
        )
        .await)
    }

    async fn delete_login(&self, token_hash: &[u8; 32]) -> StoreResult<()> {
        let hash = *token_hash;
        run!(self.write, move |tx| tx.delete_login(&hash).await)
    }
}

#[async_trait::async_trait]
impl<B: Backend> MessagingStore for Engine<B> {
    async fn send_message(
        &self,
        scope: &AccountScope,
        message: NewMessage,
    ) -> StoreResult<Message> {
        let scope = scope.clone();
        let sent = run!(self.write, move |tx| rules::sending::send(
            tx, scope, message
        )
        .await)?;
        // Only new outbox rows wake workers (their own writes must not, or they would spin).
        self.backend.signal().announce();
        Ok(sent)
    }

    async fn receive_message(&self, message: InboundMessage) -> StoreResult<Received> {
        let message = std::sync::Arc::new(message);
        let mut raced = false;
        let received = loop {
            let m = message.clone();
            match run!(self.write, move |tx| rules::inbound::receive(tx, &m).await) {
                // A racing delivery of the same sid committed first: the second run sees it.
                Err(StoreError::Raced) if !raced => raced = true,
                other => break other?,
            }
        };
        if matches!(received, Received::Stored { replied: true, .. }) {
            self.backend.signal().announce();
        }
        Ok(received)
    }

    async fn message(&self, scope: &AccountScope, id: &MessageId) -> StoreResult<Message> {
        let (scope, id) = (scope.clone(), id.clone());
        run!(self.read, move |tx| {
            tx.message(&scope, &id)
                .await?
                .ok_or_else(|| Refusal::NotFound(Missing::Message(id)).into())
        })
    }

    async fn set_conversation_unread(
        &self,
        scope: &AccountScope,
        id: &ConversationId,
        unread: bool,
    ) -> StoreResult<Conversation> {
        let (scope, id) = (scope.clone(), id.clone());
        run!(self.write, move |tx| {
            rules::read_state::set_conversation_unread(tx, scope, id, unread).await
        })
    }

    async fn set_message_unread(
        &self,
        scope: &AccountScope,
        id: &MessageId,
        unread: bool,
    ) -> StoreResult<Message> {
        let (scope, id) = (scope.clone(), id.clone());
        run!(self.write, move |tx| {
            rules::read_state::set_message_unread(tx, scope, id, unread).await
        })
    }

    async fn list_messages(&self, query: &MessageQuery) -> StoreResult<MessagePage> {
        let query = query.clone();
        run!(self.read, move |tx| tx.list_messages(&query).await)
    }

    async fn list_conversations(
        &self,
        query: &ConversationQuery,
    ) -> StoreResult<Vec<Conversation>> {
        let query = query.clone();
        run!(self.read, move |tx| tx.list_conversations(&query).await)
    }
}

#[async_trait::async_trait]
impl<B: Backend> SessionStore for Engine<B> {
    async fn list_sessions(&self, query: &SessionQuery) -> StoreResult<SessionPage> {
        let query = query.clone();
        run!(self.read, move |tx| rules::sessions::list(tx, &query).await)
    }

    async fn session(&self, scope: &AccountScope, id: &SessionId) -> StoreResult<Session> {
        let (scope, id) = (scope.clone(), id.clone());
        run!(self.read, move |tx| rules::sessions::get(tx, &scope, &id)
            .await)
    }

    async fn end_session(&self, scope: &AccountScope, id: &SessionId) -> StoreResult<Session> {
        let (scope, id, now) = (scope.clone(), id.clone(), self.now());
        run!(self.write, move |tx| rules::sessions::end(
            tx, scope, id, now
        )
        .await)
    }

    async fn transcript(&self, query: TranscriptQuery) -> StoreResult<Vec<TranscriptLine>> {
        let now = self.now();
        // Reading as a User marks the messages read, which is a write.
        if query.mark_read {
            run!(self.write, move |tx| rules::sessions::transcript(
                tx, query, now
            )
            .await)
        } else {
            run!(self.read, move |tx| rules::sessions::transcript(
                tx, query, now
            )
            .await)
        }
    }
}

#[async_trait::async_trait]
impl<B: Backend> DeliveryStore for Engine<B> {
    async fn reclaim_leases(&self, owner: &str) -> StoreResult<u64> {
        let owner = owner.to_owned();
        run!(self.write, move |tx| tx.release_leases(&owner).await)
    }

    async fn claim_outbox(&self, claim: Claim) -> StoreResult<Vec<OutboxItem>> {
        let (now, limit) = (claim.now, claim.limit);
        // Due rows are read off the write path; the writes apply only to rows still as read.
        let rows = run!(self.read, move |tx| tx.due_rows(now, limit).await)?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let planned = rules::delivery::plan(&claim, rows);
        run!(self.write, move |tx| rules::delivery::take(
            tx, &claim, planned
        )
        .await)
    }

    async fn record_attempt(
        &self,
        id: &MessageId,
        lease: &Lease,
        now: Timestamp,
        lease_ms: i64,
    ) -> StoreResult<Option<Lease>> {
        let (id, lease) = (id.clone(), lease.clone());
        run!(self.write, move |tx| {
            rules::delivery::record_attempt(tx, id, lease, now, lease_ms).await
        })
    }

    async fn record_outcome(
        &self,
        id: &MessageId,
        lease: &Lease,
        outcome: Outcome,
        now: Timestamp,
    ) -> StoreResult<()> {
        let (id, lease) = (id.clone(), lease.clone());
        run!(self.write, move |tx| {
            rules::delivery::record_outcome(tx, id, lease, outcome, now).await
        })
    }

    async fn record_outcomes(
        &self,
        records: Vec<OutcomeRecord>,
    ) -> StoreResult<Vec<StoreResult<()>>> {
        run!(self.write, move |tx| {
            let mut answers = Vec::with_capacity(records.len());
            for r in records {
                // A refusal comes before the row's first write, so the others may go on.
                match rules::delivery::record_outcome(tx, r.id, r.lease, r.outcome, r.now).await {
                    Err(StoreError::Refused(refusal)) => answers.push(Err(refusal.into())),
                    Err(e) => return Err(e),
                    Ok(()) => answers.push(Ok(())),
                }
            }
            Ok(answers)
        })
    }

    async fn sids_in_use(&self, sids: Vec<String>) -> StoreResult<Vec<String>> {
        run!(self.read, move |tx| tx.sids_in_use(&sids).await)
    }

    async fn apply_carrier_status(&self, update: CarrierStatus) -> StoreResult<StatusApplied> {
        run!(self.write, move |tx| rules::callbacks::apply(tx, update)
            .await)
    }

    async fn delivery_info(
        &self,
        scope: &AccountScope,
        id: &MessageId,
    ) -> StoreResult<DeliveryRecord> {
        let (scope, id) = (scope.clone(), id.clone());
        run!(self.read, move |tx| {
            tx.delivery_record(&scope, &id)
                .await?
                .ok_or_else(|| Refusal::NotFound(Missing::Message(id)).into())
        })
    }

    async fn outbox_stats(&self) -> StoreResult<OutboxStats> {
        run!(self.read, move |tx| tx.outbox_stats().await)
    }

    async fn purge_expired(&self, now: Timestamp) -> StoreResult<u64> {
        run!(self.write, move |tx| rules::delivery::purge_expired(
            tx, now
        )
        .await)
    }

    fn outbox_signal(&self) -> OutboxSignal {
        self.backend.signal().clone()
    }
}

#[async_trait::async_trait]
impl<B: Backend> OptOutStore for Engine<B> {
    async fn list_opt_outs(
        &self,
        scope: &AccountScope,
        endpoint: &EndpointId,
    ) -> StoreResult<Vec<OptOut>> {
        let (scope, endpoint) = (scope.clone(), endpoint.clone());
        run!(self.read, move |tx| rules::opt_outs::list(
            tx, scope, endpoint
        )
        .await)
    }

    async fn add_opt_out(
        &self,
        scope: &AccountScope,
        endpoint: &EndpointId,
        address: &PhoneNumber,
    ) -> StoreResult<OptOut> {
        let (scope, endpoint, address) = (scope.clone(), endpoint.clone(), address.clone());
        let now = self.now();
        run!(self.write, move |tx| {
            rules::opt_outs::add(tx, scope, endpoint, address, now).await
        })
    }

    async fn remove_opt_out(
        &self,
        scope: &AccountScope,
        endpoint: &EndpointId,
        address: &PhoneNumber,
    ) -> StoreResult<()> {
        let (scope, endpoint, address) = (scope.clone(), endpoint.clone(), address.clone());
        run!(self.write, move |tx| {
            rules::opt_outs::remove(tx, scope, endpoint, address).await
        })
    }
}

#[async_trait::async_trait]
impl<B: Backend> CarrierSettingsStore for Engine<B> {
    async fn set_account_carrier(
        &self,
        account: &AccountId,
        twilio_account_sid: &str,
        twilio_auth_token: &str,
    ) -> StoreResult<()> {
        let account = account.clone();
        let (sid, token) = (twilio_account_sid.to_owned(), twilio_auth_token.to_owned());
        run!(self.write, move |tx| {
            if tx.set_account_carrier(&account, &sid, &token).await? {
                Ok(())
            } else {
                Err(Refusal::NotFound(Missing::Account(account)).into())
            }
        })
    }

    async fn carrier_token(&self, account_sid: &str) -> StoreResult<Option<String>> {
        let sid = account_sid.to_owned();
        run!(self.read, move |tx| tx.carrier_token(&sid).await)
    }
}

#[async_trait::async_trait]
impl<B: Backend> Store for Engine<B> {
    async fn ping(&self) -> StoreResult<()> {
        self.backend.ping().await
    }

    async fn shutdown(&self) {
        self.backend.shutdown().await;
    }
}
