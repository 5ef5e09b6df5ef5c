//! Counters the handlers bump without taking the store lock.

use serde_json::{Value, json};
use std::sync::atomic::{AtomicU64, Ordering};

/// A snapshot of what the simulator has seen since it started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SimStats {
    /// Every `POST …/Messages.json`, whatever became of it.
    pub create_requests: u64,
    /// Messages stored (answered 201, or stored before a timeout or reset).
    pub stored: u64,
    /// Refused before any fault: bad credentials, unknown account, invalid parameters.
    pub rejected: u64,
    pub faults_429: u64,
    pub faults_500: u64,
    pub faults_timeout: u64,
    pub faults_reset: u64,
    pub faults_drop: u64,
    pub outcomes_undelivered: u64,
    pub outcomes_failed: u64,
    /// Status callbacks answered 2xx.
    pub callbacks_sent: u64,
    /// Status callbacks that never got a 2xx, retries included.
    pub callbacks_failed: u64,
    /// Inbound messages the target answered 2xx.
    pub inbound_sent: u64,
    /// Inbound messages answered non-2xx, or not answered at all.
    pub inbound_failed: u64,
}

#[derive(Debug, Default)]
pub(super) struct Counters {
    pub create_requests: AtomicU64,
    pub stored: AtomicU64,
    pub rejected: AtomicU64,
    pub faults_429: AtomicU64,
    pub faults_500: AtomicU64,
    pub faults_timeout: AtomicU64,
    pub faults_reset: AtomicU64,
    pub faults_drop: AtomicU64,
    pub outcomes_undelivered: AtomicU64,
    pub outcomes_failed: AtomicU64,
    pub callbacks_sent: AtomicU64,
    pub callbacks_failed: AtomicU64,
    pub inbound_sent: AtomicU64,
    pub inbound_failed: AtomicU64,
}

/// Counting needs no ordering with anything else.
pub(super) fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl Counters {
    pub fn snapshot(&self) -> SimStats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        SimStats {
            create_requests: get(&self.create_requests),
            stored: get(&self.stored),
            rejected: get(&self.rejected),
            faults_429: get(&self.faults_429),
            faults_500: get(&self.faults_500),
            faults_timeout: get(&self.faults_timeout),
            faults_reset: get(&self.faults_reset),
            faults_drop: get(&self.faults_drop),
            outcomes_undelivered: get(&self.outcomes_undelivered),
            outcomes_failed: get(&self.outcomes_failed),
            callbacks_sent: get(&self.callbacks_sent),
            callbacks_failed: get(&self.callbacks_failed),
            inbound_sent: get(&self.inbound_sent),
            inbound_failed: get(&self.inbound_failed),
        }
    }
}

impl SimStats {
    pub(super) fn to_json(self) -> Value {
        json!({
            "create_requests": self.create_requests,
            "stored": self.stored,
            "rejected": self.rejected,
            "faults": {
                "429": self.faults_429,
                "500": self.faults_500,
                "timeout": self.faults_timeout,
                "reset": self.faults_reset,
                "drop": self.faults_drop,
            },
            "outcomes": {
                "undelivered": self.outcomes_undelivered,
                "failed": self.outcomes_failed,
            },
            "callbacks": {
                "sent": self.callbacks_sent,
                "failed": self.callbacks_failed,
            },
            "inbound": {
                "sent": self.inbound_sent,
                "failed": self.inbound_failed,
            },
        })
    }
}
