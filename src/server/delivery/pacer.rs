//! Sender pacing: each sending number may hand the carrier `mps` segments per second (Twilio's
//! MPS; a 3-segment message costs 3). Slots are handed out in claim order; a message whose slot
//! is further away than the horizon is deferred (its row goes back to the outbox, due then)
//! rather than held under a lease.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// When a lane has nothing booked past now for this long, it is forgotten.
const LANES_BEFORE_PRUNE: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// Send at this instant (now or soon).
    At(Instant),
    /// Too far off to wait for under a lease: put the row back, due after this long.
    Defer(Duration),
}

#[derive(Debug, Clone, Copy)]
struct Lane {
    next_free: Instant,
    /// Where the next deferred message goes, so deferred rows come back spread out, in order.
    deferred_until: Instant,
}

#[derive(Debug)]
pub struct Pacer {
    lanes: HashMap<String, Lane>,
    horizon: Duration,
}

impl Pacer {
    pub fn new(horizon: Duration) -> Self {
        Self {
            lanes: HashMap::new(),
            horizon,
        }
    }

    /// Books `segments` segments from `sender` at `mps` segments per second.
    pub fn reserve(&mut self, sender: &str, segments: u32, mps: f64, now: Instant) -> Slot {
        if self.lanes.len() > LANES_BEFORE_PRUNE {
            self.lanes
                .retain(|_, l| l.next_free > now || l.deferred_until > now);
        }
        let cost = Duration::from_secs_f64(f64::from(segments.max(1)) / mps);
        let lane = self.lanes.entry(sender.to_owned()).or_insert(Lane {
            next_free: now,
            deferred_until: now,
        });
        let start = lane.next_free.max(now);
        if start <= now + self.horizon {
            lane.next_free = start + cost;
            return Slot::At(start);
        }
        let due = start.max(lane.deferred_until);
        lane.deferred_until = due + cost;
        Slot::Defer(due - now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_segment_per_second_spaces_messages_a_second_apart() {
        let mut p = Pacer::new(Duration::from_secs(15));
        let now = Instant::now();
        let slots: Vec<_> = (0..3)
            .map(|_| p.reserve("+15550001111", 1, 1.0, now))
            .collect();
        assert_eq!(
            slots,
            vec![
                Slot::At(now),
                Slot::At(now + Duration::from_secs(1)),
                Slot::At(now + Duration::from_secs(2))
            ]
        );
    }

    #[test]
    fn segments_cost_their_count_and_senders_are_independent() {
        let mut p = Pacer::new(Duration::from_secs(15));
        let now = Instant::now();
        assert_eq!(p.reserve("+1A", 3, 1.0, now), Slot::At(now));
        assert_eq!(
            p.reserve("+1A", 1, 1.0, now),
            Slot::At(now + Duration::from_secs(3))
        );
        assert_eq!(p.reserve("+1B", 1, 1.0, now), Slot::At(now));
    }

    #[test]
    fn slots_past_the_horizon_are_deferred_in_order() {
        let mut p = Pacer::new(Duration::from_secs(2));
        let now = Instant::now();
        for _ in 0..3 {
            assert!(matches!(p.reserve("+1A", 1, 1.0, now), Slot::At(_)));
        }
        let a = p.reserve("+1A", 1, 1.0, now);
        let b = p.reserve("+1A", 1, 1.0, now);
        assert_eq!(a, Slot::Defer(Duration::from_secs(3)));
        assert_eq!(b, Slot::Defer(Duration::from_secs(4)));
    }
}
