//! Wake-ups for delivery workers: new outbox rows were committed. A backend announces its own
//! commits here, and may feed in what other processes announce (PostgreSQL `LISTEN/NOTIFY`).
//! It is a hint only: a worker also polls, so a lost wake-up delays a message by one poll.

use std::sync::Arc;
use tokio::sync::watch;

#[derive(Clone, Debug)]
pub struct OutboxSignal {
    generation: Arc<watch::Sender<u64>>,
}

impl Default for OutboxSignal {
    fn default() -> Self {
        Self {
            generation: Arc::new(watch::channel(0).0),
        }
    }
}

impl OutboxSignal {
    /// New outbox rows were committed.
    pub fn announce(&self) {
        self.generation.send_modify(|g| *g = g.wrapping_add(1));
    }

    pub fn subscribe(&self) -> OutboxWakeups {
        OutboxWakeups(self.generation.subscribe())
    }
}

/// One worker's view of the signal: never misses an announcement made after it subscribed.
pub struct OutboxWakeups(watch::Receiver<u64>);

impl OutboxWakeups {
    /// Resolves at the next announcement (at once if one came since the last call).
    pub async fn next(&mut self) {
        if self.0.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn an_announcement_before_waiting_is_not_lost() {
        let signal = OutboxSignal::default();
        let mut wakeups = signal.subscribe();
        signal.announce();
        tokio::time::timeout(Duration::from_secs(1), wakeups.next())
            .await
            .expect("woken by the earlier announcement");
    }
}
