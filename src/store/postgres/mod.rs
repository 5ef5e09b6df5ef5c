//! PostgreSQL backend: a pool of connections (deadpool-postgres over tokio-postgres), each write
//! one transaction committed with `synchronous_commit` on, prepared statements cached per
//! connection. Concurrency holds by the database's own means (unique keys, `on conflict`,
//! conditional updates, `for update skip locked`), never by an in-process lock.
//!
//! The store's rules are written once (`store::rules`) against the primitives in
//! `store::backend`; this module supplies those primitives for a `PgConn`.

mod conn;
mod messages;
mod migrate;
mod opt_out;
mod outbox;
mod rows;
mod sessions;
mod sql;
mod tenancy;
mod tls;

pub use conn::PgConn;

use super::StoreResult;
use super::backend::{Backend, BoxFuture};
use super::engine::Engine;
use super::signal::OutboxSignal;
use crate::clock::SharedClock;
use anyhow::{Context, anyhow};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use std::time::Duration;

/// The store on PostgreSQL: the shared rules over this backend.
pub type PostgresStore = Engine<PostgresBackend>;

/// Connections evo keeps open to the database.
const POOL_SIZE: usize = 16;
/// How long a request waits for a free connection, or for the database to accept one.
const CONNECT_WAIT: Duration = Duration::from_secs(5);

pub struct PostgresBackend {
    pool: Pool,
    signal: OutboxSignal,
}

impl Engine<PostgresBackend> {
    /// Connects to `url`, migrating the database first (under an advisory lock, so that nodes
    /// starting at once never race).
    pub async fn connect(url: &str, clock: SharedClock) -> anyhow::Result<Self> {
        Ok(Engine::new(PostgresBackend::connect(url).await?, clock))
    }
}

impl PostgresBackend {
    async fn connect(url: &str) -> anyhow::Result<Self> {
        let (config, tls) = config(url)?;
        let manager = Manager::from_config(
            config,
            tls.connector,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .wait_timeout(Some(CONNECT_WAIT))
            .create_timeout(Some(CONNECT_WAIT))
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .build()
            .context("cannot build the PostgreSQL pool")?;
        let mut client = pool
            .get()
            .await
            .map_err(|e| anyhow!("cannot connect to PostgreSQL: {}", conn::describe_pool(&e)))?;
        migrate::to_latest(&mut client).await?;
        drop(client);
        Ok(Self {
            pool,
            signal: OutboxSignal::default(),
        })
    }

    async fn conn(&self) -> StoreResult<PgConn> {
        let client = self.pool.get().await.map_err(|e| conn::unavailable(&e))?;
        Ok(PgConn::new(client))
    }
}

/// Whether `url` names a PostgreSQL database.
pub fn is_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// The connection settings of `url` (the password from `PGPASSWORD` when the URL has none) and
/// the TLS its `sslmode` asks for.
fn config(url: &str) -> anyhow::Result<(tokio_postgres::Config, tls::Tls)> {
    let tls = tls::from_url(url)?;
    let mut config: tokio_postgres::Config = tls
        .url
        .parse()
        .map_err(|e| anyhow!("invalid --database-url: {e}"))?;
    if config.get_password().is_none()
        && let Ok(password) = std::env::var("PGPASSWORD")
    {
        config.password(password);
    }
    config.connect_timeout(CONNECT_WAIT);
    Ok((config, tls))
}

/// One connection outside the pool (`copy-store`), its driver task spawned.
pub async fn connect_raw(url: &str) -> anyhow::Result<tokio_postgres::Client> {
    let (config, tls) = config(url)?;
    let (client, connection) = config
        .connect(tls.connector)
        .await
        .map_err(|e| anyhow!("cannot connect to PostgreSQL: {}", conn::describe(&e)))?;
    tokio::spawn(connection);
    Ok(client)
}

/// Creates or migrates evo's schema on `client`'s database.
pub async fn migrate(client: &mut tokio_postgres::Client) -> anyhow::Result<()> {
    migrate::to_latest(client).await
}

impl Backend for PostgresBackend {
    type Conn = PgConn;

    async fn write<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut PgConn) -> BoxFuture<'c, StoreResult<T>> + Send + 'static,
    {
        let mut conn = self.conn().await?;
        conn.transaction("begin", work).await
    }

    async fn read<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut PgConn) -> BoxFuture<'c, StoreResult<T>> + Send + 'static,
    {
        let conn = self.conn().await?;
        conn.read_only(work).await
    }

    fn signal(&self) -> &OutboxSignal {
        &self.signal
    }

    async fn ping(&self) -> StoreResult<()> {
        let conn = self.conn().await?;
        conn.execute("select 1", &[]).await.map(drop)
    }

    async fn shutdown(&self) {
        self.pool.close();
    }
}
