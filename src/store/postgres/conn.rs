//! One pooled connection inside a transaction, with the statement helpers every primitive uses.

use super::super::backend::BoxFuture;
use super::super::{StoreError, StoreResult};
use anyhow::anyhow;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

/// A statement argument.
pub type Arg<'a> = &'a (dyn ToSql + Sync);

pub struct PgConn {
    client: Option<deadpool_postgres::Object>,
    /// Between `begin` and the end of the transaction: a connection dropped in that state (its
    /// request was cancelled mid-way) must not go back to the pool with the transaction open.
    open: bool,
    /// The `begin` the transaction's first statement carries with it: sent in the same round
    /// trip (tokio-postgres pipelines requests polled together), not awaited on its own.
    begin: &'static str,
    begin_pending: AtomicBool,
}

impl PgConn {
    pub(super) fn new(client: deadpool_postgres::Object) -> Self {
        Self {
            client: Some(client),
            open: false,
            begin: "begin",
            begin_pending: AtomicBool::new(false),
        }
    }

    fn client(&self) -> StoreResult<&deadpool_postgres::Object> {
        self.client
            .as_ref()
            .ok_or_else(|| StoreError::Internal(anyhow!("the connection was given up")))
    }

    /// Runs `work` between `begin` and `commit` (a rollback if it fails: nothing half-written).
    /// `begin` goes out with the first statement; work that sends none costs no round trip.
    pub(super) async fn transaction<T, F>(&mut self, begin: &'static str, work: F) -> StoreResult<T>
    where
        F: for<'c> FnOnce(&'c mut PgConn) -> BoxFuture<'c, StoreResult<T>>,
    {
        self.start(begin);
        let outcome = work(self).await;
        if self.ended_unsent() {
            return outcome;
        }
        self.end(if outcome.is_ok() {
            "commit"
        } else {
            "rollback"
        })
        .await?;
        outcome
    }

    /// Runs `work` in one read-only snapshot. Such a transaction has nothing to make durable,
    /// so the answer does not wait for its end: the connection goes back to the pool once the
    /// `commit` (a rollback after a failed statement) is through.
    pub(super) async fn read_only<T, F>(mut self, work: F) -> StoreResult<T>
    where
        F: for<'c> FnOnce(&'c mut PgConn) -> BoxFuture<'c, StoreResult<T>>,
    {
        self.start("begin isolation level repeatable read read only");
        let outcome = work(&mut self).await;
        if self.ended_unsent() {
            return outcome;
        }
        tokio::spawn(async move {
            if let Err(e) = self.end("commit").await {
                tracing::debug!(error = %e, "a read transaction did not end cleanly; its connection is closed");
            }
        });
        outcome
    }

    fn start(&mut self, begin: &'static str) {
        self.open = true;
        self.begin = begin;
        *self.begin_pending.get_mut() = true;
    }

    /// Whether the transaction never sent a statement (then it never began, and is over).
    fn ended_unsent(&mut self) -> bool {
        let unsent = std::mem::replace(self.begin_pending.get_mut(), false);
        if unsent {
            self.open = false;
        }
        unsent
    }

    /// Ends the open transaction. Only a transaction that ended cleanly leaves the connection
    /// fit for the next caller; an error here keeps `open` set, and `Drop` closes the connection.
    pub(super) async fn end(&mut self, how: &str) -> StoreResult<()> {
        self.client()?.batch_execute(how).await.map_err(internal)?;
        self.open = false;
        Ok(())
    }

    /// Runs one statement, with the transaction's `begin` ahead of it in the same round trip
    /// when it is the first. Should `begin` fail, the connection is broken and so is the
    /// statement; the error of `begin` is the one reported.
    async fn run<R>(
        &self,
        statement: impl Future<Output = Result<R, tokio_postgres::Error>>,
    ) -> StoreResult<R> {
        if !self.begin_pending.swap(false, Ordering::Relaxed) {
            return statement.await.map_err(internal);
        }
        let begin = self.client()?.batch_execute(self.begin);
        let (begun, answer) = tokio::join!(begin, statement);
        begun.map_err(internal)?;
        answer.map_err(internal)
    }

    async fn statement(&self, sql: &str) -> StoreResult<tokio_postgres::Statement> {
        self.client()?.prepare_cached(sql).await.map_err(internal)
    }

    pub async fn query(&self, sql: &str, args: &[Arg<'_>]) -> StoreResult<Vec<Row>> {
        let statement = self.statement(sql).await?;
        self.run(self.client()?.query(&statement, args)).await
    }

    pub async fn query_opt(&self, sql: &str, args: &[Arg<'_>]) -> StoreResult<Option<Row>> {
        let statement = self.statement(sql).await?;
        self.run(self.client()?.query_opt(&statement, args)).await
    }

    pub async fn query_one(&self, sql: &str, args: &[Arg<'_>]) -> StoreResult<Row> {
        let statement = self.statement(sql).await?;
        self.run(self.client()?.query_one(&statement, args)).await
    }

    /// Rows the statement changed.
    pub async fn execute(&self, sql: &str, args: &[Arg<'_>]) -> StoreResult<u64> {
        let statement = self.statement(sql).await?;
        self.run(self.client()?.execute(&statement, args)).await
    }
}

/// A database error as the store reports it: a lost or refused connection is `Unavailable`
/// (the request may be tried again), anything else is `Internal`.
impl Drop for PgConn {
    fn drop(&mut self) {
        // A transaction that never sent its `begin` left the connection clean.
        if self.open
            && !*self.begin_pending.get_mut()
            && let Some(client) = self.client.take()
        {
            // Detached from the pool, the connection closes when dropped.
            drop(deadpool_postgres::Object::take(client));
        }
    }
}

pub fn internal(e: tokio_postgres::Error) -> StoreError {
    // A unique key a concurrent transaction took first: running again sees the winner.
    if e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) {
        return StoreError::Raced;
    }
    if is_unavailable(&e) {
        StoreError::Unavailable(describe(&e))
    } else {
        StoreError::Internal(anyhow!(describe(&e)))
    }
}

fn is_unavailable(e: &tokio_postgres::Error) -> bool {
    match e.code() {
        // Class 08 (connection exception), and a server shutting down or starting up.
        Some(code) => {
            let code = code.code();
            code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03" | "53300")
        }
        // No SQLSTATE: the socket closed or failed, or the connection was never made.
        None => e.is_closed() || e.as_db_error().is_none() && !is_conversion(e),
    }
}

/// A value that did not fit its Rust type: a bug, not an outage.
fn is_conversion(e: &tokio_postgres::Error) -> bool {
    let text = e.to_string();
    text.contains("error deserializing") || text.contains("error serializing")
}

pub fn unavailable(e: &deadpool_postgres::PoolError) -> StoreError {
    StoreError::Unavailable(describe_pool(e))
}

/// The database's own message (code and text) rather than tokio-postgres's "db error", or
/// the error with its causes ("error performing TLS handshake: invalid peer certificate: …").
pub fn describe(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return format!("{} ({})", db.message(), db.code().code());
    }
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

pub fn describe_pool(e: &deadpool_postgres::PoolError) -> String {
    match e {
        deadpool_postgres::PoolError::Backend(e) => describe(e),
        other => other.to_string(),
    }
}
