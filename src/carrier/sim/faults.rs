//! What can go wrong, and how often. Each create request draws one number and lands in at most
//! one fault band, so `p_500 = 0.1` means one request in ten answers 500 whatever the other
//! probabilities are (as long as they add up to no more than 1).

use serde_json::{Value, json};
use std::time::Duration;

/// Fault probabilities and timings. `Default` injects nothing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Faults {
    /// Added before every create request is looked at.
    pub latency: Duration,
    /// Answer 429 (Twilio 20429) with `Retry-After: retry_after_secs`; nothing stored.
    pub p_429: f64,
    pub retry_after_secs: u64,
    /// Answer 500; nothing stored.
    pub p_500: f64,
    /// Store the message, then stall `timeout` before answering.
    pub p_timeout: f64,
    pub timeout: Duration,
    /// Store the message, then reset the connection without answering: the ambiguous case.
    pub p_reset: f64,
    /// Read the request, store nothing, reset the connection.
    pub p_drop: f64,
    /// Of the stored messages, end as `undelivered` (30003) or `failed` (30005).
    pub p_undelivered: f64,
    pub p_failed: f64,
}

impl Default for Faults {
    fn default() -> Self {
        Self {
            latency: Duration::ZERO,
            p_429: 0.0,
            retry_after_secs: 1,
            p_500: 0.0,
            p_timeout: 0.0,
            timeout: Duration::from_secs(60),
            p_reset: 0.0,
            p_drop: 0.0,
            p_undelivered: 0.0,
            p_failed: 0.0,
        }
    }
}

/// What happens to one create request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fault {
    None,
    TooManyRequests,
    ServerError,
    Timeout,
    Reset,
    Drop,
}

/// How a stored message ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    Delivered,
    Undelivered,
    Failed,
}

impl Faults {
    /// `roll` is uniform in [0, 1).
    pub(super) fn pick_fault(&self, roll: f64) -> Fault {
        let bands = [
            (self.p_429, Fault::TooManyRequests),
            (self.p_500, Fault::ServerError),
            (self.p_timeout, Fault::Timeout),
            (self.p_reset, Fault::Reset),
            (self.p_drop, Fault::Drop),
        ];
        pick(roll, &bands).unwrap_or(Fault::None)
    }

    /// `roll` is uniform in [0, 1).
    pub(super) fn pick_outcome(&self, roll: f64) -> Outcome {
        let bands = [
            (self.p_undelivered, Outcome::Undelivered),
            (self.p_failed, Outcome::Failed),
        ];
        pick(roll, &bands).unwrap_or(Outcome::Delivered)
    }

    /// The control endpoint's shape: durations as whole milliseconds.
    pub(super) fn to_json(self) -> Value {
        json!({
            "latency_ms": millis(self.latency),
            "p_429": self.p_429,
            "retry_after_secs": self.retry_after_secs,
            "p_500": self.p_500,
            "p_timeout": self.p_timeout,
            "timeout_ms": millis(self.timeout),
            "p_reset": self.p_reset,
            "p_drop": self.p_drop,
            "p_undelivered": self.p_undelivered,
            "p_failed": self.p_failed,
        })
    }

    /// Reads the control endpoint's shape. Fields left out take their default, so `{}` clears
    /// every fault; an unknown field is an error, so a typo cannot silently inject nothing.
    pub(super) fn from_json(value: &Value) -> Result<Self, String> {
        let fields = value.as_object().ok_or("expected a JSON object")?;
        let mut faults = Self::default();
        for (name, v) in fields {
            faults.set_field(name, v)?;
        }
        Ok(faults)
    }

    fn set_field(&mut self, name: &str, v: &Value) -> Result<(), String> {
        match name {
            "latency_ms" => self.latency = Duration::from_millis(whole(name, v)?),
            "retry_after_secs" => self.retry_after_secs = whole(name, v)?,
            "timeout_ms" => self.timeout = Duration::from_millis(whole(name, v)?),
            _ => *self.probability_mut(name)? = probability(name, v)?,
        }
        Ok(())
    }

    fn probability_mut(&mut self, name: &str) -> Result<&mut f64, String> {
        Ok(match name {
            "p_429" => &mut self.p_429,
            "p_500" => &mut self.p_500,
            "p_timeout" => &mut self.p_timeout,
            "p_reset" => &mut self.p_reset,
            "p_drop" => &mut self.p_drop,
            "p_undelivered" => &mut self.p_undelivered,
            "p_failed" => &mut self.p_failed,
            _ => return Err(format!("unknown field {name:?}")),
        })
    }
}

fn pick<T: Copy>(roll: f64, bands: &[(f64, T)]) -> Option<T> {
    let mut edge = 0.0;
    for &(p, what) in bands {
        edge += p;
        if roll < edge {
            return Some(what);
        }
    }
    None
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn whole(name: &str, v: &Value) -> Result<u64, String> {
    v.as_u64()
        .ok_or_else(|| format!("{name} must be a whole number ≥ 0"))
}

fn probability(name: &str, v: &Value) -> Result<f64, String> {
    v.as_f64()
        .filter(|p| (0.0..=1.0).contains(p))
        .ok_or_else(|| format!("{name} must be a number from 0 to 1"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_are_cumulative_and_exclusive() {
        let f = Faults {
            p_429: 0.25,
            p_500: 0.25,
            p_drop: 0.5,
            ..Faults::default()
        };
        assert_eq!(f.pick_fault(0.0), Fault::TooManyRequests);
        assert_eq!(f.pick_fault(0.3), Fault::ServerError);
        assert_eq!(f.pick_fault(0.6), Fault::Drop);
        assert_eq!(Faults::default().pick_fault(0.0), Fault::None);
        assert_eq!(Faults::default().pick_outcome(0.0), Outcome::Delivered);
    }

    #[test]
    fn json_round_trips_and_rejects_typos() {
        let f = Faults::from_json(&json!({"p_429": 0.5, "retry_after_secs": 2, "latency_ms": 20}))
            .unwrap();
        assert_eq!(f.p_429, 0.5);
        assert_eq!(f.retry_after_secs, 2);
        assert_eq!(f.latency, Duration::from_millis(20));
        assert_eq!(f.timeout, Duration::from_secs(60));
        assert_eq!(Faults::from_json(&f.to_json()).unwrap(), f);
        assert!(Faults::from_json(&json!({"p429": 0.5})).is_err());
        assert!(Faults::from_json(&json!({"p_500": 1.5})).is_err());
        assert!(Faults::from_json(&json!({"latency_ms": -1})).is_err());
    }
}
