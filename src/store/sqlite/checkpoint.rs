//! WAL checkpoints on their own thread and connection. SQLite's automatic checkpoint runs inside
//! the commit that crosses its threshold, on the writer thread, where it delays every job in the
//! queue; a passive checkpoint from another connection copies most of those pages beforehand
//! without blocking the writer (or readers) at all, so the writer's checkpoint, which restarts
//! the WAL (`WAL_RESTART_PAGES`), has little left to copy.

use rusqlite::Connection;
use std::path::Path;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

/// How often the WAL is copied back into the database file. At the writer's peak this keeps
/// the WAL to a few megabytes.
const EVERY: Duration = Duration::from_millis(250);

pub struct Checkpointer {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    pub fn start(path: &Path) -> anyhow::Result<Self> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(5))?;
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("evo-sqlite-checkpoint".into())
            .spawn(move || run(&conn, &stopped))?;
        Ok(Self {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

fn run(conn: &Connection, stopped: &mpsc::Receiver<()>) {
    while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(EVERY) {
        if let Err(e) = conn.query_row("pragma wal_checkpoint(passive)", [], |_| Ok(())) {
            tracing::warn!(error = %e, "WAL checkpoint failed");
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
