//! Sender pacing: each sending number may hand the carrier `mps` segments per second (Twilio's
//! MPS; a 3-segment message costs 3). Slots are handed out in claim order; a message whose slot
//! is further away than the horizon is deferred (its row goes back to the outbox, due then)
//! rather than held under a lease. Time is the injected clock's, in milliseconds.

use super::Timestamp;
use std::collections::HashMap;

/// When a lane has nothing booked past now for this long, it is forgotten.
const LANES_BEFORE_PRUNE: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// Send at this instant (now or soon).
    At(Timestamp),
    /// Too far off to wait for under a lease: put the row back, due then.
    Defer(Timestamp),
}

#[derive(Debug, Clone, Copy)]
struct Lane {
    /// Milliseconds, fractional: at 10,000 segments per second a slot is 0.1 ms.
    next_free: f64,
    /// Where the next deferred message goes, so deferred rows come back spread out, in order.
    deferred_until: f64,
}

#[derive(Debug)]
pub struct Pacer {
    lanes: HashMap<String, Lane>,
    horizon_ms: f64,
}

impl Pacer {
    pub fn new(horizon_ms: i64) -> Self {
        Self {
            lanes: HashMap::new(),
            horizon_ms: horizon_ms as f64,
        }
    }

    /// Books `segments` segments from `sender` at `mps` segments per second.
    pub fn reserve(&mut self, sender: &str, segments: u32, mps: f64, now: Timestamp) -> Slot {
        let now = now.millis() as f64;
        if self.lanes.len() > LANES_BEFORE_PRUNE {
            self.lanes
                .retain(|_, l| l.next_free > now || l.deferred_until > now);
        }
        let cost = f64::from(segments.max(1)) * 1000.0 / mps;
        let lane = self.lanes.entry(sender.to_owned()).or_insert(Lane {
            next_free: now,
            deferred_until: now,
        });
        let start = lane.next_free.max(now);
        if start <= now + self.horizon_ms {
            lane.next_free = start + cost;
            return Slot::At(at(start));
        }
        let due = start.max(lane.deferred_until);
        lane.deferred_until = due + cost;
        Slot::Defer(at(due))
    }
}

/// A slot time, rounded up to the millisecond (never early).
fn at(ms: f64) -> Timestamp {
    Timestamp::from_millis(ms.ceil() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_000_000;

    fn t(ms: i64) -> Timestamp {
        Timestamp::from_millis(T0 + ms)
    }

    #[test]
    fn one_segment_per_second_spaces_messages_a_second_apart() {
        let mut p = Pacer::new(15_000);
        let slots: Vec<_> = (0..3)
            .map(|_| p.reserve("+15550001111", 1, 1.0, t(0)))
            .collect();
        assert_eq!(
            slots,
            vec![Slot::At(t(0)), Slot::At(t(1000)), Slot::At(t(2000))]
        );
    }

    #[test]
    fn segments_cost_their_count_and_senders_are_independent() {
        let mut p = Pacer::new(15_000);
        assert_eq!(p.reserve("+1A", 3, 1.0, t(0)), Slot::At(t(0)));
        assert_eq!(p.reserve("+1A", 1, 1.0, t(0)), Slot::At(t(3000)));
        assert_eq!(p.reserve("+1B", 1, 1.0, t(0)), Slot::At(t(0)));
    }

    #[test]
    fn slots_past_the_horizon_are_deferred_in_order() {
        let mut p = Pacer::new(2000);
        for _ in 0..3 {
            assert!(matches!(p.reserve("+1A", 1, 1.0, t(0)), Slot::At(_)));
        }
        assert_eq!(p.reserve("+1A", 1, 1.0, t(0)), Slot::Defer(t(3000)));
        assert_eq!(p.reserve("+1A", 1, 1.0, t(0)), Slot::Defer(t(4000)));
    }

    #[test]
    fn fast_senders_get_sub_millisecond_slots() {
        let mut p = Pacer::new(15_000);
        let last = (0..100).map(|_| p.reserve("+1A", 1, 10_000.0, t(0))).last();
        // 100 segments at 10,000 per second take 10 ms.
        assert_eq!(last, Some(Slot::At(t(10))));
    }
}
