//! SQLite backend: WAL mode, `synchronous=FULL`, one group-committing writer thread and a pool
//! of read-only connections used from blocking tasks. rusqlite (not sqlx) is used here because
//! the writer runs whole batches on its own thread with cached prepared statements, with no
//! async hop per statement; that is what makes durable sends cheap (see docs/ARCHITECTURE.md).

mod callbacks;
mod carrier_settings;
mod delivery;
mod inbound;
mod messages;
mod opt_out;
mod outbox;
mod read_state;
mod sessions;
mod sql;
mod tenancy;
mod writer;

use super::{
    Account, ApiKey, CarrierStatus, ConversationQuery, Customer, DeliveryRecord, Endpoint,
    EndpointChanges, InboundMessage, Lease, MessagePage, MessageQuery, NewEndpoint, NewMessage,
    NewUser, OptOut, OutboxItem, OutboxStats, Outcome, Received, Session, SessionPage,
    SessionQuery, StatusApplied, Store, StoreError, StoreResult, TranscriptLine, TranscriptQuery,
    User,
};
use crate::domain::{
    AccountId, AccountScope, Conversation, CustomerId, EndpointId, Message, MessageId, PhoneNumber,
    Principal, SessionId, Timestamp, UserId,
};
use anyhow::Context;
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, OptionalExtension};
use rusqlite_migration::{M, Migrations};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use writer::Writer;

const MIGRATIONS: &[M<'static>] = &[
    M::up(include_str!("../../../migrations/sqlite/0001_init.sql")),
    M::up(include_str!(
        "../../../migrations/sqlite/0002_message_segments.sql"
    )),
    M::up(include_str!("../../../migrations/sqlite/0003_delivery.sql")),
    M::up(include_str!("../../../migrations/sqlite/0004_inbound.sql")),
    M::up(include_str!("../../../migrations/sqlite/0005_opt_out.sql")),
    M::up(include_str!("../../../migrations/sqlite/0006_sessions.sql")),
    M::up(include_str!("../../../migrations/sqlite/0007_unread.sql")),
];
const DB_FILE: &str = "evo.db";
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

pub struct SqliteStore {
    writer: Writer,
    readers: r2d2::Pool<SqliteConnectionManager>,
    outbox_signal: Arc<Notify>,
    path: PathBuf,
}

impl SqliteStore {
    /// Opens (creating and migrating if needed) the database under `data_dir`.
    pub fn open(data_dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("cannot create data directory {}", data_dir.display()))?;
        let path = data_dir.join(DB_FILE);
        let mut conn = Connection::open(&path)
            .with_context(|| format!("cannot open database {}", path.display()))?;
        configure(&conn)?;
        // Table rebuilds need foreign keys off while they run (SQLite's ALTER TABLE procedure);
        // the result is checked before they are turned back on.
        conn.pragma_update(None, "foreign_keys", false)?;
        Migrations::from_slice(MIGRATIONS)
            .to_latest(&mut conn)
            .context("cannot migrate the database")?;
        let broken: Option<String> = conn
            .query_row("pragma foreign_key_check", [], |r| r.get(0))
            .optional()?;
        if let Some(table) = broken {
            anyhow::bail!("the migrated database has broken references in {table}");
        }
        conn.pragma_update(None, "foreign_keys", true)?;
        let readers = r2d2::Pool::builder()
            .max_size(8)
            .min_idle(Some(1))
            .build(SqliteConnectionManager::file(&path).with_init(|c| {
                configure_conn(c)?;
                c.execute_batch("pragma query_only = on")
            }))
            .context("cannot open read connections")?;
        let outbox_signal = Arc::new(Notify::new());
        let writer = Writer::start(conn)?;
        Ok(Self {
            writer,
            readers,
            outbox_signal,
            path,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    async fn read<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let pool = self.readers.clone();
        tokio::task::spawn_blocking(move || {
            let conn = pool
                .get()
                .map_err(|e| StoreError::Internal(anyhow::anyhow!("read connection: {e}")))?;
            work(&conn)
        })
        .await
        .map_err(|e| StoreError::Internal(e.into()))?
    }
}

fn configure(conn: &Connection) -> anyhow::Result<()> {
    Ok(configure_conn(conn)?)
}

fn configure_conn(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.set_prepared_statement_cache_capacity(64);
    conn.execute_batch(
        "pragma journal_mode = wal;
         pragma synchronous = full;
         pragma foreign_keys = on;
         pragma temp_store = memory;",
    )
}

#[async_trait::async_trait]
impl Store for SqliteStore {
    async fn create_account(&self, name: &str) -> StoreResult<Account> {
        let name = name.to_owned();
        self.writer
            .write(move |c| tenancy::create_account(c, &name, Timestamp::now()))
            .await
    }

    async fn create_customer(
        &self,
        account: &AccountId,
        parent: Option<&CustomerId>,
        name: &str,
    ) -> StoreResult<Customer> {
        let (account, parent, name) = (account.clone(), parent.cloned(), name.to_owned());
        self.writer
            .write(move |c| tenancy::create_customer(c, &account, parent.as_ref(), &name))
            .await
    }

    async fn create_user(&self, user: NewUser) -> StoreResult<User> {
        self.writer
            .write(move |c| tenancy::create_user(c, &user))
            .await
    }

    async fn set_password(&self, email: &str, password_hash: &str) -> StoreResult<()> {
        let (email, hash) = (email.to_owned(), password_hash.to_owned());
        self.writer
            .write(move |c| tenancy::set_password(c, &email, &hash))
            .await
    }

    async fn create_endpoint(&self, endpoint: NewEndpoint) -> StoreResult<Endpoint> {
        self.writer
            .write(move |c| tenancy::create_endpoint(c, &endpoint))
            .await
    }

    async fn create_api_key(
        &self,
        user: &UserId,
        name: Option<&str>,
        key_hash: [u8; 32],
    ) -> StoreResult<ApiKey> {
        let (user, name) = (user.clone(), name.map(str::to_owned));
        self.writer
            .write(move |c| tenancy::create_api_key(c, &user, name.as_deref(), &key_hash))
            .await
    }

    async fn password_hash(&self, email: &str) -> StoreResult<Option<(UserId, String)>> {
        let email = email.to_owned();
        self.read(move |c| tenancy::password_hash(c, &email)).await
    }

    async fn principal(&self, user: &UserId) -> StoreResult<Option<Principal>> {
        let user = user.clone();
        self.read(move |c| tenancy::principal(c, &user)).await
    }

    async fn principal_by_api_key(&self, key_hash: &[u8; 32]) -> StoreResult<Option<Principal>> {
        let hash = *key_hash;
        self.read(move |c| tenancy::principal_by_api_key(c, &hash))
            .await
    }

    async fn create_login(
        &self,
        token_hash: [u8; 32],
        user: &UserId,
        permanent: bool,
        expires: Timestamp,
    ) -> StoreResult<()> {
        let user = user.clone();
        self.writer
            .write(move |c| tenancy::create_login(c, &token_hash, &user, permanent, expires))
            .await
    }

    async fn principal_by_login(
        &self,
        token_hash: &[u8; 32],
        now: Timestamp,
    ) -> StoreResult<Option<Principal>> {
        let hash = *token_hash;
        self.read(move |c| tenancy::principal_by_login(c, &hash, now))
            .await
    }

    async fn delete_login(&self, token_hash: &[u8; 32]) -> StoreResult<()> {
        let hash = *token_hash;
        self.writer
            .write(move |c| tenancy::delete_login(c, &hash))
            .await
    }

    async fn accounts(&self, scope: &AccountScope) -> StoreResult<Vec<(AccountId, String)>> {
        let scope = scope.clone();
        self.read(move |c| tenancy::accounts(c, &scope)).await
    }

    async fn send_message(
        &self,
        scope: &AccountScope,
        message: NewMessage,
    ) -> StoreResult<Message> {
        let scope = scope.clone();
        let sent = self
            .writer
            .write(move |c| messages::insert_outgoing(c, &scope, &message))
            .await?;
        // Only new outbox rows wake the worker (its own writes must not, or it would spin).
        self.outbox_signal.notify_one();
        Ok(sent)
    }

    async fn receive_message(&self, message: InboundMessage) -> StoreResult<Received> {
        let received = self
            .writer
            .write(move |c| inbound::receive(c, &message))
            .await?;
        if matches!(received, Received::Stored { replied: true, .. }) {
            self.outbox_signal.notify_one();
        }
        Ok(received)
    }

    async fn set_conversation_unread(
        &self,
        scope: &AccountScope,
        id: &crate::domain::ConversationId,
        unread: bool,
    ) -> StoreResult<Conversation> {
        let (scope, id) = (scope.clone(), id.clone());
        self.writer
            .write(move |c| read_state::set_conversation_unread(c, &scope, &id, unread))
            .await
    }

    async fn set_message_unread(
        &self,
        scope: &AccountScope,
        id: &MessageId,
        unread: bool,
    ) -> StoreResult<Message> {
        let (scope, id) = (scope.clone(), id.clone());
        self.writer
            .write(move |c| read_state::set_message_unread(c, &scope, &id, unread))
            .await
    }

    async fn list_messages(&self, query: &MessageQuery) -> StoreResult<MessagePage> {
        let query = query.clone();
        self.read(move |c| messages::list(c, &query)).await
    }

    async fn list_conversations(
        &self,
        query: &ConversationQuery,
    ) -> StoreResult<Vec<Conversation>> {
        let query = query.clone();
        self.read(move |c| messages::conversations(c, &query)).await
    }

    async fn list_sessions(&self, query: &SessionQuery) -> StoreResult<SessionPage> {
        let query = query.clone();
        self.read(move |c| sessions::list(c, &query)).await
    }

    async fn session(&self, scope: &AccountScope, id: &SessionId) -> StoreResult<Session> {
        let (scope, id) = (scope.clone(), id.clone());
        self.read(move |c| sessions::get(c, &scope, &id)).await
    }

    async fn end_session(&self, scope: &AccountScope, id: &SessionId) -> StoreResult<Session> {
        let (scope, id) = (scope.clone(), id.clone());
        self.writer
            .write(move |c| sessions::end(c, &scope, &id, Timestamp::now()))
            .await
    }

    async fn transcript(&self, query: TranscriptQuery) -> StoreResult<Vec<TranscriptLine>> {
        if query.mark_read {
            self.writer
                .write(move |c| sessions::transcript(c, &query, Timestamp::now()))
                .await
        } else {
            self.read(move |c| sessions::transcript(c, &query, Timestamp::now()))
                .await
        }
    }

    async fn reclaim_leases(&self, owner: &str) -> StoreResult<u64> {
        let owner = owner.to_owned();
        self.writer.write(move |c| outbox::reclaim(c, &owner)).await
    }

    async fn claim_outbox(
        &self,
        owner: &str,
        now: Timestamp,
        lease_ms: i64,
        limit: u32,
    ) -> StoreResult<Vec<OutboxItem>> {
        let owner = owner.to_owned();
        self.writer
            .write(move |c| outbox::claim(c, &owner, now, lease_ms, limit))
            .await
    }

    async fn record_attempt(
        &self,
        id: &MessageId,
        lease: &Lease,
        now: Timestamp,
        lease_ms: i64,
    ) -> StoreResult<Option<Lease>> {
        let (id, lease) = (id.clone(), lease.clone());
        self.writer
            .write(move |c| outbox::record_attempt(c, &id, &lease, now, lease_ms))
            .await
    }

    async fn record_outcome(
        &self,
        id: &MessageId,
        lease: &Lease,
        outcome: Outcome,
        now: Timestamp,
    ) -> StoreResult<()> {
        let (id, lease) = (id.clone(), lease.clone());
        self.writer
            .write(move |c| outbox::record_outcome(c, &id, &lease, &outcome, now))
            .await
    }

    async fn sids_in_use(&self, sids: Vec<String>) -> StoreResult<Vec<String>> {
        self.read(move |c| outbox::sids_in_use(c, &sids)).await
    }

    async fn apply_carrier_status(&self, update: CarrierStatus) -> StoreResult<StatusApplied> {
        self.writer
            .write(move |c| callbacks::apply(c, &update))
            .await
    }

    async fn delivery_info(
        &self,
        scope: &AccountScope,
        id: &MessageId,
    ) -> StoreResult<DeliveryRecord> {
        let (scope, id) = (scope.clone(), id.clone());
        self.read(move |c| delivery::delivery_info(c, &scope, &id))
            .await
    }

    async fn outbox_stats(&self) -> StoreResult<OutboxStats> {
        self.read(outbox::stats).await
    }

    async fn purge_idempotency(&self, now: Timestamp) -> StoreResult<u64> {
        self.writer
            .write(move |c| delivery::purge_idempotency(c, now))
            .await
    }

    async fn set_account_carrier(
        &self,
        account: &AccountId,
        twilio_account_sid: &str,
        twilio_auth_token: &str,
    ) -> StoreResult<()> {
        let (account, sid, token) = (
            account.clone(),
            twilio_account_sid.to_owned(),
            twilio_auth_token.to_owned(),
        );
        self.writer
            .write(move |c| carrier_settings::set_account_carrier(c, &account, &sid, &token))
            .await
    }

    async fn carrier_token(&self, account_sid: &str) -> StoreResult<Option<String>> {
        let sid = account_sid.to_owned();
        self.read(move |c| carrier_settings::carrier_token(c, &sid))
            .await
    }

    async fn update_endpoint(
        &self,
        id: &EndpointId,
        changes: EndpointChanges,
    ) -> StoreResult<Endpoint> {
        let id = id.clone();
        self.writer
            .write(move |c| carrier_settings::update_endpoint(c, &id, &changes))
            .await
    }

    fn outbox_signal(&self) -> Arc<Notify> {
        self.outbox_signal.clone()
    }

    async fn ping(&self) -> StoreResult<()> {
        self.read(|c| {
            c.query_row("select 1", [], |_| Ok(()))
                .map_err(sql::internal)
        })
        .await
    }

    async fn shutdown(&self) {
        self.writer.stop().await;
    }

    async fn list_opt_outs(
        &self,
        scope: &AccountScope,
        endpoint: &EndpointId,
    ) -> StoreResult<Vec<OptOut>> {
        let (scope, endpoint) = (scope.clone(), endpoint.clone());
        self.read(move |c| opt_out::list(c, &scope, &endpoint))
            .await
    }

    async fn add_opt_out(
        &self,
        scope: &AccountScope,
        endpoint: &EndpointId,
        address: &PhoneNumber,
    ) -> StoreResult<OptOut> {
        let (scope, endpoint, address) = (scope.clone(), endpoint.clone(), address.clone());
        self.writer
            .write(move |c| opt_out::add(c, &scope, &endpoint, &address, Timestamp::now()))
            .await
    }

    async fn remove_opt_out(
        &self,
        scope: &AccountScope,
        endpoint: &EndpointId,
        address: &PhoneNumber,
    ) -> StoreResult<()> {
        let (scope, endpoint, address) = (scope.clone(), endpoint.clone(), address.clone());
        self.writer
            .write(move |c| opt_out::remove(c, &scope, &endpoint, &address))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_apply_in_order() {
        assert!(Migrations::from_slice(MIGRATIONS).validate().is_ok());
    }

    #[test]
    fn connections_are_durable_wal_with_full_sync() {
        let dir = tempfile::tempdir().unwrap();
        let conn = Connection::open(dir.path().join("t.db")).unwrap();
        configure_conn(&conn).unwrap();
        let pragma = |name: &str| -> String {
            conn.query_row(&format!("pragma {name}"), [], |r| {
                r.get::<_, rusqlite::types::Value>(0)
            })
            .map(|v| match v {
                rusqlite::types::Value::Integer(i) => i.to_string(),
                rusqlite::types::Value::Text(t) => t,
                other => format!("{other:?}"),
            })
            .unwrap()
        };
        assert_eq!(pragma("journal_mode"), "wal");
        // 2 = FULL: every commit is fsynced before the writer answers.
        assert_eq!(pragma("synchronous"), "2");
        assert_eq!(pragma("foreign_keys"), "1");
    }
}
