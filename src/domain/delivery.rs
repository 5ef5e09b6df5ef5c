//! Delivery states and the rules that move them: status only moves forward (CARRIERS.md,
//! "status precedence"), and retries back off exponentially with full jitter.

use std::time::Duration;

/// Where a message is in its life with the carrier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryStatus {
    /// Accepted by evo, waiting for its turn.
    Queued,
    /// An attempt to hand it to the carrier is under way (or will be retried).
    Sending,
    /// The carrier gave no answer; evo is finding out whether it took the message.
    Unknown,
    /// The carrier took it.
    Sent,
    Delivered,
    Undelivered,
    Failed,
    /// Not taken by the carrier within the validity period; never sent late.
    Expired,
    /// An incoming message.
    Received,
}

const ALL: [DeliveryStatus; 9] = [
    DeliveryStatus::Queued,
    DeliveryStatus::Sending,
    DeliveryStatus::Unknown,
    DeliveryStatus::Sent,
    DeliveryStatus::Delivered,
    DeliveryStatus::Undelivered,
    DeliveryStatus::Failed,
    DeliveryStatus::Expired,
    DeliveryStatus::Received,
];

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Queued => "Queued",
            DeliveryStatus::Sending => "Sending",
            DeliveryStatus::Unknown => "Unknown",
            DeliveryStatus::Sent => "Sent",
            DeliveryStatus::Delivered => "Delivered",
            DeliveryStatus::Undelivered => "Undelivered",
            DeliveryStatus::Failed => "Failed",
            DeliveryStatus::Expired => "Expired",
            DeliveryStatus::Received => "Received",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        ALL.into_iter().find(|d| d.as_str() == s)
    }

    /// Queued 0 < Sending = Unknown 1 < Sent 2 < terminal 3.
    pub fn rank(self) -> u8 {
        match self {
            DeliveryStatus::Queued => 0,
            DeliveryStatus::Sending | DeliveryStatus::Unknown => 1,
            DeliveryStatus::Sent => 2,
            DeliveryStatus::Delivered
            | DeliveryStatus::Undelivered
            | DeliveryStatus::Failed
            | DeliveryStatus::Expired
            | DeliveryStatus::Received => 3,
        }
    }

    pub fn is_terminal(self) -> bool {
        self.rank() == 3
    }

    /// Whether a message in `self` may move to `next`: forward only; Sending and Unknown trade
    /// places while evo reconciles; a terminal state never changes.
    pub fn may_become(self, next: DeliveryStatus) -> bool {
        next.rank() > self.rank() || (self.rank() == 1 && next.rank() == 1 && self != next)
    }

    /// Every status a message may move to `next` from (`may_become`), for a write that moves it
    /// only if it is in one of them.
    pub fn predecessors(next: DeliveryStatus) -> Vec<DeliveryStatus> {
        ALL.into_iter().filter(|s| s.may_become(next)).collect()
    }

    /// The statuses that are not terminal.
    pub fn unsettled() -> Vec<DeliveryStatus> {
        ALL.into_iter().filter(|s| !s.is_terminal()).collect()
    }
}

/// How long to wait before attempt number `attempt + 1` (attempt ≥ 1): a random delay between
/// `base` and `min(cap, base · 2^(attempt−1))` ("full jitter", floored at `base` so a retry never
/// comes back at once).
pub fn backoff_delay(attempt: u32, base: Duration, cap: Duration) -> Duration {
    let exp = attempt.saturating_sub(1).min(30);
    let ceiling = base.saturating_mul(1u32 << exp).min(cap).max(base);
    let span = ceiling.saturating_sub(base).as_millis() as u64;
    base + Duration::from_millis(if span == 0 {
        0
    } else {
        fastrand::u64(0..=span)
    })
}

/// Twilio's default sending rate for a number, in segments per second: about 100 for a short
/// code, 3 for a US/Canada toll-free number, 1 for a long code (CARRIERS.md section 0).
pub fn default_mps(number: &str) -> f64 {
    const TOLL_FREE: [&str; 7] = ["800", "833", "844", "855", "866", "877", "888"];
    let digits = number.strip_prefix('+');
    match digits {
        None if (5..=6).contains(&number.len()) && number.bytes().all(|b| b.is_ascii_digit()) => {
            100.0
        }
        Some(d) if d.len() == 11 && d.starts_with('1') && TOLL_FREE.contains(&&d[1..4]) => 3.0,
        _ => 1.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_rates_follow_the_kind_of_number() {
        assert_eq!(default_mps("+15556667777"), 1.0);
        assert_eq!(default_mps("+18885550100"), 3.0);
        assert_eq!(default_mps("+18335550100"), 3.0);
        assert_eq!(default_mps("+448005550100"), 1.0);
        assert_eq!(default_mps("12345"), 100.0);
        assert_eq!(default_mps("123456"), 100.0);
    }

    #[test]
    fn terminal_states_never_change() {
        for from in ALL.into_iter().filter(|s| s.is_terminal()) {
            for to in ALL {
                assert!(!from.may_become(to), "{from:?} -> {to:?}");
            }
        }
    }

    #[test]
    fn status_moves_forward_only() {
        use DeliveryStatus::*;
        assert!(Queued.may_become(Sending));
        assert!(Sending.may_become(Unknown));
        assert!(Unknown.may_become(Sending));
        assert!(Unknown.may_become(Sent));
        assert!(Sent.may_become(Delivered));
        assert!(Sent.may_become(Undelivered));
        assert!(!Sent.may_become(Sending));
        assert!(!Sent.may_become(Unknown));
        assert!(!Sending.may_become(Queued));
        assert!(!Sent.may_become(Sent));
    }

    #[test]
    fn predecessors_are_exactly_the_statuses_that_may_move() {
        use DeliveryStatus::*;
        assert_eq!(DeliveryStatus::predecessors(Sending), vec![Queued, Unknown]);
        assert_eq!(
            DeliveryStatus::predecessors(Sent),
            vec![Queued, Sending, Unknown]
        );
        assert_eq!(
            DeliveryStatus::predecessors(Delivered),
            vec![Queued, Sending, Unknown, Sent]
        );
        assert!(DeliveryStatus::predecessors(Queued).is_empty());
        assert_eq!(
            DeliveryStatus::unsettled(),
            vec![Queued, Sending, Unknown, Sent]
        );
    }

    #[test]
    fn backoff_stays_between_base_and_cap() {
        let (base, cap) = (Duration::from_millis(100), Duration::from_secs(2));
        for attempt in 1..40 {
            for _ in 0..50 {
                let d = backoff_delay(attempt, base, cap);
                assert!(d >= base && d <= cap, "attempt {attempt}: {d:?}");
            }
        }
        assert_eq!(backoff_delay(1, base, cap), base);
        // Later attempts can wait longer than the first ones.
        let late = (0..200).map(|_| backoff_delay(10, base, cap)).max();
        assert!(late > Some(Duration::from_millis(1000)));
    }
}
