//! The single SQLite writer. Requests queue their write jobs; the writer thread runs every job
//! that is waiting in one transaction (each in its own savepoint, so one failure does not undo
//! the others), commits with `synchronous=FULL`, and only then answers each job. One fsync is
//! shared by the whole batch: durable acknowledgement without an fsync per message.

use super::super::{StoreError, StoreResult};
use anyhow::anyhow;
use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

/// Most jobs committed together; bounds the latency a huge backlog adds to the first job.
const MAX_BATCH: usize = 1024;
/// Jobs that may wait for the writer before senders are made to wait (back-pressure).
const QUEUE_DEPTH: usize = 16 * 1024;

trait Pending: Send {
    fn run(&mut self, conn: &mut Connection);
    fn finish(self: Box<Self>, committed: Result<(), String>);
}

struct Job<T, F> {
    work: Option<F>,
    outcome: Option<StoreResult<T>>,
    reply: oneshot::Sender<StoreResult<T>>,
}

impl<T, F> Pending for Job<T, F>
where
    T: Send,
    F: FnOnce(&mut Connection) -> StoreResult<T> + Send,
{
    fn run(&mut self, conn: &mut Connection) {
        let Some(work) = self.work.take() else { return };
        let outcome = statement(conn, "savepoint job").and_then(|()| {
            let r = work(conn);
            if r.is_err() {
                statement(conn, "rollback to job")?;
            }
            statement(conn, "release job")?;
            r
        });
        self.outcome = Some(outcome);
    }

    fn finish(self: Box<Self>, committed: Result<(), String>) {
        let result = match (committed, self.outcome) {
            (Ok(()), Some(outcome)) => outcome,
            (Err(e), _) => Err(StoreError::Internal(anyhow!("commit failed: {e}"))),
            (Ok(()), None) => Err(StoreError::Internal(anyhow!("write job did not run"))),
        };
        // The caller may have gone away (client disconnect); the write stands either way.
        let _ = self.reply.send(result);
    }
}

enum Msg {
    Job(Box<dyn Pending>),
    Stop(oneshot::Sender<()>),
}

#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Msg>,
}

impl Writer {
    /// Starts the writer thread on `conn`.
    pub fn start(conn: Connection) -> std::io::Result<Self> {
        let (tx, rx) = mpsc::channel(QUEUE_DEPTH);
        std::thread::Builder::new()
            .name("evo-sqlite-writer".into())
            .spawn(move || run(conn, rx))?;
        Ok(Self { tx })
    }

    /// Runs `work` inside the next group commit and returns its result once it is durable.
    pub async fn write<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            work: Some(work),
            outcome: None,
            reply,
        };
        self.tx
            .send(Msg::Job(Box::new(job)))
            .await
            .map_err(|_| StoreError::Internal(anyhow!("the store is shut down")))?;
        answer
            .await
            .map_err(|_| StoreError::Internal(anyhow!("the store writer stopped")))?
    }

    /// Drains queued jobs, checkpoints the WAL and stops the thread.
    pub async fn stop(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Msg::Stop(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}

/// A savepoint statement, prepared once per connection (cheaper than parsing it per job).
fn statement(conn: &Connection, sql: &str) -> StoreResult<()> {
    conn.prepare_cached(sql)
        .and_then(|mut s| s.execute([]))
        .map(drop)
        .map_err(|e| StoreError::Internal(e.into()))
}

fn run(mut conn: Connection, mut rx: mpsc::Receiver<Msg>) {
    let mut batch: Vec<Box<dyn Pending>> = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.blocking_recv() {
        let mut stop = None;
        match first {
            Msg::Job(job) => batch.push(job),
            Msg::Stop(done) => stop = Some(done),
        }
        while stop.is_none() && batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(Msg::Job(job)) => batch.push(job),
                Ok(Msg::Stop(done)) => stop = Some(done),
                Err(_) => break,
            }
        }
        if !batch.is_empty() {
            commit_batch(&mut conn, &mut batch);
        }
        if let Some(done) = stop {
            rx.close();
            while let Ok(Msg::Job(job)) = rx.try_recv() {
                batch.push(job);
            }
            if !batch.is_empty() {
                commit_batch(&mut conn, &mut batch);
            }
            if let Err(e) = conn.execute_batch("pragma wal_checkpoint(truncate)") {
                tracing::warn!(error = %e, "WAL checkpoint at shutdown failed");
            }
            let _ = done.send(());
            return;
        }
    }
}

fn commit_batch(conn: &mut Connection, batch: &mut Vec<Box<dyn Pending>>) {
    let committed = conn
        .execute_batch("begin immediate")
        .map_err(|e| e.to_string())
        .and_then(|()| {
            for job in batch.iter_mut() {
                job.run(conn);
            }
            conn.execute_batch("commit").map_err(|e| {
                let _ = conn.execute_batch("rollback");
                e.to_string()
            })
        });
    if let Err(e) = &committed {
        tracing::error!(error = %e, jobs = batch.len(), "group commit failed");
    }
    for job in batch.drain(..) {
        job.finish(committed.clone());
    }
}
