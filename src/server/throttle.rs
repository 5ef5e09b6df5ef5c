//! Password-guessing throttle: once a user name or a client address has `LIMIT` failed password
//! attempts within `WINDOW`, every further password attempt for it is refused (right or wrong,
//! so the answer leaks nothing) until the oldest of those failures is a `WINDOW` old. Attempts
//! still being checked count against the limit too, so concurrent guesses cannot slip past it.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const LIMIT: usize = 10;
pub const WINDOW: Duration = Duration::from_secs(60);
/// Beyond this many tracked keys, idle entries are swept before adding more.
const SWEEP_AT: usize = 10_000;

#[derive(Default)]
struct Entry {
    failures: VecDeque<Instant>,
    in_flight: usize,
}

impl Entry {
    fn forget_old(&mut self, now: Instant) {
        while self
            .failures
            .front()
            .is_some_and(|t| now.duration_since(*t) >= WINDOW)
        {
            self.failures.pop_front();
        }
    }
}

#[derive(Default)]
pub struct Throttle {
    entries: Mutex<HashMap<String, Entry>>,
}

/// A reserved password attempt; dropping it releases the reservation.
pub struct Attempt<'a> {
    throttle: &'a Throttle,
    keys: Vec<String>,
    failed: bool,
}

impl Throttle {
    /// Reserves an attempt for every key, or `None` when any of them is at the limit.
    pub fn begin(&self, keys: Vec<String>, now: Instant) -> Option<Attempt<'_>> {
        let mut map = self.entries.lock().ok()?;
        if map.len() >= SWEEP_AT {
            map.retain(|_, e| {
                e.forget_old(now);
                e.in_flight > 0 || !e.failures.is_empty()
            });
        }
        let blocked = keys.iter().any(|k| {
            map.get_mut(k).is_some_and(|e| {
                e.forget_old(now);
                e.failures.len() + e.in_flight >= LIMIT
            })
        });
        if blocked {
            return None;
        }
        for k in &keys {
            map.entry(k.clone()).or_default().in_flight += 1;
        }
        Some(Attempt {
            throttle: self,
            keys,
            failed: false,
        })
    }
}

impl Attempt<'_> {
    /// The password was wrong: it counts as a failure for every key.
    pub fn fail(mut self) {
        self.failed = true;
    }
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        let Ok(mut map) = self.throttle.entries.lock() else {
            return;
        };
        let now = Instant::now();
        for k in &self.keys {
            if let Some(e) = map.get_mut(k) {
                e.in_flight = e.in_flight.saturating_sub(1);
                if self.failed {
                    e.failures.push_back(now);
                    if e.failures.len() > LIMIT {
                        e.failures.pop_front();
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(k: &str) -> Vec<String> {
        vec![k.to_owned()]
    }

    #[test]
    fn blocks_after_limit_failures() {
        let t = Throttle::default();
        let now = Instant::now();
        for _ in 0..LIMIT {
            t.begin(keys("u"), now).expect("allowed").fail();
        }
        assert!(t.begin(keys("u"), now).is_none());
        assert!(t.begin(vec!["other".into(), "u".into()], now).is_none());
        assert!(t.begin(keys("other"), now).is_some());
        assert!(
            t.begin(keys("u"), now + WINDOW + Duration::from_secs(1))
                .is_some()
        );
    }

    #[test]
    fn attempts_in_flight_count_against_the_limit() {
        let t = Throttle::default();
        let now = Instant::now();
        let held: Vec<_> = (0..LIMIT)
            .map(|_| t.begin(keys("u"), now).expect("allowed"))
            .collect();
        assert!(t.begin(keys("u"), now).is_none());
        drop(held);
        // Successful attempts leave nothing behind.
        assert!(t.begin(keys("u"), now).is_some());
    }
}
