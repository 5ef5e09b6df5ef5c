//! Records what hand-offs settle in batches: every outcome that arrives while one write is under
//! way goes into the next, so one savepoint and one commit's pages carry many messages and the
//! writer's cost per delivered message falls as the load rises. A hand-off waits until its own
//! outcome is durable before it gives back its slot, so stopping the worker loses nothing.

use crate::domain::MessageId;
use crate::store::{OutcomeRecord, Store};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// Most outcomes in one write; bounds how long the first of them waits for the commit.
const MAX_BATCH: usize = 512;
/// How long the first outcome of a batch waits for others to join it. A commit's cost (WAL
/// frames, fsync) is shared by its batch, so a few milliseconds here cut the writer's time per
/// message several times over at load, and cost an idle worker nothing but the wait.
const LINGER: Duration = Duration::from_millis(3);

struct Pending {
    record: OutcomeRecord,
    done: oneshot::Sender<()>,
}

#[derive(Clone)]
pub struct Recorder {
    tx: mpsc::Sender<Pending>,
}

/// The receiving end, for `run`.
pub struct Outcomes(mpsc::Receiver<Pending>);

impl Recorder {
    pub fn new() -> (Self, Outcomes) {
        let (tx, rx) = mpsc::channel(MAX_BATCH * 4);
        (Self { tx }, Outcomes(rx))
    }

    /// Records `record` with the next batch and returns once that batch has been written.
    pub async fn record(&self, record: OutcomeRecord) {
        let (done, written) = oneshot::channel();
        let id = record.id.clone();
        if self.tx.send(Pending { record, done }).await.is_err() {
            tracing::error!(message_id = %id, "the outcome recorder has stopped; outcome not recorded");
            return;
        }
        let _ = written.await;
    }
}

/// Writes batches until every `Recorder` is dropped and the queue is empty.
pub async fn run(store: Arc<dyn Store>, Outcomes(mut rx): Outcomes) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.recv().await {
        batch.push(first);
        let linger = tokio::time::sleep(LINGER);
        tokio::pin!(linger);
        while batch.len() < MAX_BATCH {
            tokio::select! {
                biased;
                next = rx.recv() => match next {
                    Some(next) => batch.push(next),
                    None => break,
                },
                _ = &mut linger => break,
            }
        }
        write(store.as_ref(), &mut batch).await;
    }
}

async fn write(store: &dyn Store, batch: &mut Vec<Pending>) {
    let (records, waiting): (Vec<OutcomeRecord>, Vec<oneshot::Sender<()>>) =
        batch.drain(..).map(|p| (p.record, p.done)).unzip();
    let ids: Vec<MessageId> = records.iter().map(|r| r.id.clone()).collect();
    metrics::histogram!("evo_outcome_batch_size").record(ids.len() as f64);
    match store.record_outcomes(records).await {
        Ok(answers) => {
            for (id, answer) in ids.iter().zip(answers) {
                if let Err(e) = answer {
                    tracing::error!(error = %e, message_id = %id, "recording a delivery outcome failed");
                }
            }
        }
        Err(e) => {
            tracing::error!(error = %e, messages = ids.len(), "recording delivery outcomes failed");
        }
    }
    for done in waiting {
        let _ = done.send(());
    }
}
