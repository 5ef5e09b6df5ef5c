//! Password-guessing throttle: once a user name or a client address has `LIMIT` failed password
//! attempts within `WINDOW`, every further password attempt for it is refused (right or wrong,
//! so the answer leaks nothing) until the oldest of those failures is a `WINDOW` old.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const LIMIT: usize = 10;
pub const WINDOW: Duration = Duration::from_secs(60);
/// Beyond this many tracked keys, expired entries are swept before adding more.
const SWEEP_AT: usize = 10_000;

#[derive(Default)]
pub struct Throttle {
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl Throttle {
    pub fn is_blocked(&self, keys: &[&str], now: Instant) -> bool {
        let Ok(map) = self.failures.lock() else {
            return false;
        };
        keys.iter().any(|k| {
            map.get(*k).is_some_and(|q| {
                q.len() >= LIMIT && q.front().is_some_and(|t| now.duration_since(*t) < WINDOW)
            })
        })
    }

    pub fn record_failure(&self, keys: &[&str], now: Instant) {
        let Ok(mut map) = self.failures.lock() else {
            return;
        };
        if map.len() >= SWEEP_AT {
            map.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < WINDOW));
        }
        for key in keys {
            let q = map.entry((*key).to_owned()).or_default();
            while q.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
                q.pop_front();
            }
            q.push_back(now);
            if q.len() > LIMIT {
                q.pop_front();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_limit_until_the_window_passes() {
        let t = Throttle::default();
        let start = Instant::now();
        for i in 0..LIMIT {
            assert!(!t.is_blocked(&["u"], start));
            t.record_failure(&["u"], start + Duration::from_millis(i as u64));
        }
        assert!(t.is_blocked(&["u"], start + Duration::from_secs(1)));
        assert!(!t.is_blocked(&["other"], start + Duration::from_secs(1)));
        assert!(!t.is_blocked(&["u"], start + WINDOW + Duration::from_millis(1)));
    }
}
