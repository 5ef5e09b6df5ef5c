//! Values an administrator sets (from the CLI now, over HTTP later), each checked by one rule
//! with one error text, so every way in refuses the same input in the same words. An error
//! says what the value must be; the caller names the field (`--email`, `'EmailAddress'`).

use super::keywords::MAX_HELP_TEXT_CHARS;

/// Why a setting was refused: the predicate it failed, e.g. "must be at least 8 characters".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SettingError(pub String);

fn refuse<T>(message: impl Into<String>) -> Result<T, SettingError> {
    Err(SettingError(message.into()))
}

/// Text every wire format can carry: no control characters but tab and line breaks, and none
/// of the two characters XML 1.0 forbids (U+FFFE, U+FFFF).
pub fn is_plain_text(s: &str) -> bool {
    !s.chars().any(|c| {
        (c.is_control() && !matches!(c, '\n' | '\r' | '\t')) || matches!(c, '\u{FFFE}' | '\u{FFFF}')
    })
}

fn plain(s: &str) -> Result<(), SettingError> {
    if is_plain_text(s) {
        Ok(())
    } else {
        refuse("must not contain control characters")
    }
}

/// A name shown to people (accounts, customers, endpoints): plain text, not blank, trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name(String);

impl Name {
    pub fn parse(s: &str) -> Result<Self, SettingError> {
        plain(s)?;
        let s = s.trim();
        if s.is_empty() {
            return refuse("must not be empty");
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// An optional part of a person's name: plain text (may be empty).
pub fn check_person_name(s: &str) -> Result<(), SettingError> {
    plain(s)
}

/// A login name. Unique across the server regardless of case and surrounding spaces
/// (`key()`), shown as given (trimmed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(s: &str) -> Result<Self, SettingError> {
        plain(s)?;
        let email = s.trim();
        match email.split_once('@') {
            Some((local, domain))
                if !local.is_empty()
                    && !domain.is_empty()
                    && !email.contains(char::is_whitespace) =>
            {
                Ok(Self(email.to_owned()))
            }
            _ => refuse(format!("'{email}' is not an email address")),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What uniqueness is decided on.
    pub fn key(&self) -> String {
        email_key(&self.0)
    }
}

/// The uniqueness key of any email text (lower case, trimmed): how a login finds its user.
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 8;

pub fn check_password(password: &str) -> Result<(), SettingError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return refuse(format!("must be at least {MIN_PASSWORD_CHARS} characters"));
    }
    Ok(())
}

/// What an endpoint answers HELP and INFO with: plain text, 1 to 320 characters, trimmed.
pub fn parse_help_text(text: &str) -> Result<String, SettingError> {
    let text = Name::parse(text)?.into_string();
    if text.chars().count() > MAX_HELP_TEXT_CHARS {
        return refuse(format!("must be at most {MAX_HELP_TEXT_CHARS} characters"));
    }
    Ok(text)
}

/// The pace range accepted: from one segment every 1,000 seconds to far above any carrier's.
pub const MIN_MPS: f64 = 0.001;
pub const MAX_MPS: f64 = 10_000.0;

pub fn check_mps(mps: f64) -> Result<f64, SettingError> {
    if mps.is_finite() && (MIN_MPS..=MAX_MPS).contains(&mps) {
        Ok(mps)
    } else {
        refuse(format!(
            "must be a number of segments per second from {MIN_MPS} to {MAX_MPS}"
        ))
    }
}

/// Carrier account SIDs and auth tokens: one word of printable ASCII.
pub fn check_carrier_token(v: &str) -> Result<(), SettingError> {
    if v.is_empty() || !v.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        return refuse("must be printable ASCII without spaces");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_need_a_local_part_and_a_domain_and_compare_without_case() {
        let e = EmailAddress::parse("  Ann@Acme.Test ").unwrap();
        assert_eq!(e.as_str(), "Ann@Acme.Test");
        assert_eq!(e.key(), "ann@acme.test");
        for bad in [
            "",
            "ann",
            "@acme.test",
            "ann@",
            "a nn@acme.test",
            "ann\u{7}@x.test",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn settings_have_bounds() {
        assert!(check_password("seven77").is_err());
        assert!(check_password("eight888").is_ok());
        assert!(parse_help_text("  ").is_err());
        assert_eq!(parse_help_text(" Reply STOP ").unwrap(), "Reply STOP");
        assert!(parse_help_text(&"x".repeat(321)).is_err());
        for bad in [0.0, 0.0001, -1.0, f64::NAN, f64::INFINITY, 100_000.0] {
            assert!(check_mps(bad).is_err(), "{bad}");
        }
        assert_eq!(check_mps(0.5), Ok(0.5));
        assert!(check_carrier_token("AC 1").is_err());
        assert!(Name::parse("Acme\u{0}").is_err());
    }
}
