//! The clock evo reads time from. The server, the delivery worker and the store all take one, so
//! tests can move time (validity, leases, backoff, reconciliation grace, idempotency and login
//! expiry) instead of sleeping through it.

use crate::domain::Timestamp;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;
use tokio::sync::watch;

pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;

    /// Resolves once `now() >= at`.
    fn sleep_until(&self, at: Timestamp) -> Sleep;
}

pub type SharedClock = Arc<dyn Clock>;

/// Wall-clock time.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }

    fn sleep_until(&self, at: Timestamp) -> Sleep {
        let wait = at.millis().saturating_sub(Timestamp::now().millis()).max(0);
        Box::pin(tokio::time::sleep(Duration::from_millis(wait as u64)))
    }
}

pub fn system() -> SharedClock {
    Arc::new(SystemClock)
}

/// Time that moves only when a test moves it. Sleepers wake as soon as it passes their instant.
#[derive(Debug)]
pub struct ManualClock {
    now: AtomicI64,
    moved: watch::Sender<i64>,
}

impl ManualClock {
    /// A clock reading the current wall-clock time, until it is moved.
    pub fn new() -> Arc<Self> {
        Self::starting_at(Timestamp::now())
    }

    pub fn starting_at(at: Timestamp) -> Arc<Self> {
        Arc::new(Self {
            now: AtomicI64::new(at.millis()),
            moved: watch::channel(at.millis()).0,
        })
    }

    pub fn advance(&self, by: Duration) {
        let by = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        let now = self.now.fetch_add(by, Ordering::SeqCst).saturating_add(by);
        self.moved.send_replace(now);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_millis(self.now.load(Ordering::SeqCst))
    }

    fn sleep_until(&self, at: Timestamp) -> Sleep {
        let mut moved = self.moved.subscribe();
        Box::pin(async move {
            while *moved.borrow_and_update() < at.millis() {
                if moved.changed().await.is_err() {
                    return std::future::pending().await;
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_manual_clock_wakes_sleepers_when_moved_past_them() {
        let clock = ManualClock::starting_at(Timestamp::from_millis(1_000));
        let sleep = clock.sleep_until(Timestamp::from_millis(3_000));
        let waiter = tokio::spawn(sleep);
        clock.advance(Duration::from_millis(1_000));
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        clock.advance(Duration::from_millis(1_000));
        tokio::time::timeout(Duration::from_secs(1), waiter)
            .await
            .expect("woken")
            .expect("joined");
        assert_eq!(clock.now(), Timestamp::from_millis(3_000));
    }
}
