//! SQLite backend: WAL mode, `synchronous=FULL`, one group-committing writer thread and a pool
//! of read-only connections used from blocking tasks. rusqlite (not sqlx) is used here because
//! the writer runs whole batches on its own thread with cached prepared statements, with no
//! async hop per statement; that is what makes durable sends cheap (see docs/ARCHITECTURE.md).
//!
//! The store's rules are written once (`store::rules`) against the primitives in
//! `store::backend`; this module supplies those primitives for a `rusqlite::Connection`.

mod checkpoint;
mod messages;
mod opt_out;
mod outbox;
mod rows;
mod sessions;
mod sql;
mod tenancy;
mod writer;

use super::backend::{Backend, BoxFuture};
use super::engine::Engine;
use super::signal::OutboxSignal;
use super::{StoreError, StoreResult};
use crate::clock::{self, SharedClock};
use anyhow::{Context, anyhow};
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, OptionalExtension};
use rusqlite_migration::{M, Migrations};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::pin;
use std::task::{Context as TaskContext, Poll, Waker};
use std::time::Duration;
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
/// WAL pages after which a commit checkpoints on the writer. Only a checkpoint run between the
/// writer's transactions lets the next one restart the WAL from its first page; the passive
/// checkpoints of `checkpoint.rs` never can under steady writes, and without this the WAL grew
/// by ~50 MB/s under `bench/delivery.sh`. 16,000 pages (64 MB) copies a page rewritten by many
/// commits once, and measured no slower than SQLite's default of 1,000 (BENCHMARKS.md, #10).
const WAL_RESTART_PAGES: i64 = 16_000;

/// The store on SQLite: the shared rules over this backend.
pub type SqliteStore = Engine<SqliteBackend>;

pub struct SqliteBackend {
    writer: Writer,
    _checkpoints: checkpoint::Checkpointer,
    readers: r2d2::Pool<SqliteConnectionManager>,
    signal: OutboxSignal,
    path: PathBuf,
}

impl Engine<SqliteBackend> {
    /// Opens (creating and migrating if needed) the database under `data_dir`, on the system
    /// clock.
    pub fn open(data_dir: &Path) -> anyhow::Result<Self> {
        Self::open_with_clock(data_dir, clock::system())
    }

    pub fn open_with_clock(data_dir: &Path, clock: SharedClock) -> anyhow::Result<Self> {
        Ok(Engine::new(SqliteBackend::open(data_dir)?, clock))
    }

    pub fn path(&self) -> &Path {
        &self.backend().path
    }
}

impl SqliteBackend {
    fn open(data_dir: &Path) -> anyhow::Result<Self> {
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
        // Checkpoints run beside the writer (`checkpoint.rs`), so its commits seldom copy pages;
        // the writer's own checkpoint past `WAL_RESTART_PAGES` is what lets the WAL start over.
        conn.pragma_update(None, "wal_autocheckpoint", WAL_RESTART_PAGES)?;
        let checkpoints = checkpoint::Checkpointer::start(&path)?;
        let readers = r2d2::Pool::builder()
            .max_size(8)
            .min_idle(Some(1))
            .build(SqliteConnectionManager::file(&path).with_init(|c| {
                configure_conn(c)?;
                c.execute_batch("pragma query_only = on")
            }))
            .context("cannot open read connections")?;
        let writer = Writer::start(conn)?;
        Ok(Self {
            writer,
            _checkpoints: checkpoints,
            readers,
            signal: OutboxSignal::default(),
            path,
        })
    }
}

/// Runs a primitive's future to its end. SQLite's primitives never wait (they run on the
/// writer thread or a blocking task), so the first poll finishes them; one that does not is a
/// bug reported as an error, not a hang.
fn run_now<T>(work: impl Future<Output = StoreResult<T>>) -> StoreResult<T> {
    let mut cx = TaskContext::from_waker(Waker::noop());
    match pin!(work).as_mut().poll(&mut cx) {
        Poll::Ready(result) => result,
        Poll::Pending => Err(StoreError::Internal(anyhow!(
            "a SQLite primitive waited, which it never should"
        ))),
    }
}

impl Backend for SqliteBackend {
    type Conn = Connection;

    async fn write<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Connection) -> BoxFuture<'c, StoreResult<T>> + Send + 'static,
    {
        self.writer.write(move |c| run_now(work(c))).await
    }

    async fn read<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Connection) -> BoxFuture<'c, StoreResult<T>> + Send + 'static,
    {
        let pool = self.readers.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool
                .get()
                .map_err(|e| StoreError::Internal(anyhow!("read connection: {e}")))?;
            run_now(work(&mut conn))
        })
        .await
        .map_err(|e| StoreError::Internal(e.into()))?
    }

    fn signal(&self) -> &OutboxSignal {
        &self.signal
    }

    async fn ping(&self) -> StoreResult<()> {
        let pool = self.readers.clone();
        tokio::task::spawn_blocking(move || {
            let conn = pool
                .get()
                .map_err(|e| StoreError::Internal(anyhow!("read connection: {e}")))?;
            conn.query_row("select 1", [], |_| Ok(()))
                .map_err(sql::internal)
        })
        .await
        .map_err(|e| StoreError::Internal(e.into()))?
    }

    async fn shutdown(&self) {
        self.writer.stop().await;
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
