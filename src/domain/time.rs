//! Instants as unix milliseconds, shown on the wire as RFC 3339 UTC with exactly three fraction
//! digits (contract Q4: `2026-11-30T12:34:56.789Z`).

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, UtcOffset};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    pub fn now() -> Self {
        Self((OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64)
    }

    pub fn from_millis(ms: i64) -> Self {
        Self(ms)
    }

    pub fn millis(self) -> i64 {
        self.0
    }

    pub fn plus_millis(self, ms: i64) -> Self {
        Self(self.0.saturating_add(ms))
    }

    /// `2026-11-30T12:34:56.789Z`.
    pub fn to_rfc3339(self) -> String {
        let fmt = format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
        );
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000_000)
            .ok()
            .and_then(|t| t.format(&fmt).ok())
            .unwrap_or_default()
    }
}

/// Parses an `AfterDate` filter: RFC 3339 (any offset) or a bare `YYYY-MM-DD`, meaning midnight UTC.
pub fn parse_after_date(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(Timestamp((t.unix_timestamp_nanos() / 1_000_000) as i64));
    }
    let date = Date::parse(s, format_description!("[year]-[month]-[day]")).ok()?;
    let t = date.midnight().assume_offset(UtcOffset::UTC);
    Some(Timestamp(t.unix_timestamp() * 1000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_exactly_three_fraction_digits() {
        assert_eq!(
            Timestamp::from_millis(1_795_000_000_000).to_rfc3339(),
            "2026-11-18T11:06:40.000Z"
        );
        assert_eq!(
            Timestamp::from_millis(1_795_000_000_789).to_rfc3339(),
            "2026-11-18T11:06:40.789Z"
        );
    }

    #[test]
    fn after_date_accepts_rfc3339_and_plain_dates() {
        assert_eq!(
            parse_after_date("2026-11-18T11:06:40.789Z"),
            Some(Timestamp::from_millis(1_795_000_000_789))
        );
        assert_eq!(
            parse_after_date("2026-11-18T12:06:40+01:00"),
            Some(Timestamp::from_millis(1_795_000_000_000))
        );
        assert_eq!(
            parse_after_date("1970-01-02"),
            Some(Timestamp::from_millis(86_400_000))
        );
        assert_eq!(parse_after_date("yesterday"), None);
        assert_eq!(parse_after_date("2026-13-01"), None);
    }
}
