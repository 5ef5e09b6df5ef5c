//! E.164 phone numbers, checked with libphonenumber's *possible* rule (a known country calling
//! code and a national number of a length that country uses), not its *valid* rule: fictional
//! numbers such as +1 555 666 7777 must pass. The per-country lengths are read once from the
//! `phonenumber` crate's metadata, so the hot-path check is a table lookup, not a full parse.

use std::sync::LazyLock;

/// E.164 allows at most 15 digits after the `+`.
const MAX_E164_DIGITS: usize = 15;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneNumberError {
    #[error("must be in E.164 format: '+', the country code and the number, e.g. +15556667777")]
    NotE164,
    #[error("'+{0}' is not a known country calling code")]
    UnknownCountryCode(String),
    #[error("is not a possible length for a number with country code +{0}")]
    ImpossibleLength(u16),
}

impl PhoneNumber {
    pub fn parse(input: &str) -> Result<Self, PhoneNumberError> {
        let digits = input.strip_prefix('+').ok_or(PhoneNumberError::NotE164)?;
        if digits.is_empty()
            || digits.len() > MAX_E164_DIGITS
            || !digits.bytes().all(|b| b.is_ascii_digit())
            || digits.starts_with('0')
        {
            return Err(PhoneNumberError::NotE164);
        }
        let (code, national) = split_country_code(digits).ok_or_else(|| {
            PhoneNumberError::UnknownCountryCode(digits[..digits.len().min(3)].into())
        })?;
        let lengths = &POSSIBLE_LENGTHS[usize::from(code)];
        let len = u16::try_from(national.len()).unwrap_or(u16::MAX);
        if !lengths.contains(&len) {
            return Err(PhoneNumberError::ImpossibleLength(code));
        }
        Ok(Self(input.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// An ECMA-262 pattern accepting exactly the numbers `PhoneNumber::parse` accepts: `+`, a known
/// calling code, and a national number of a possible length for it.
pub fn e164_pattern() -> String {
    let mut alternatives = Vec::new();
    for (code, lengths) in POSSIBLE_LENGTHS.iter().enumerate() {
        // E.164 caps the whole number, calling code included, at 15 digits.
        let room = MAX_E164_DIGITS - code.to_string().len();
        let counts: Vec<String> = lengths
            .iter()
            .filter(|l| usize::from(**l) <= room)
            .map(u16::to_string)
            .collect();
        if counts.is_empty() {
            continue;
        }
        let national = if counts.len() == 1 {
            format!("[0-9]{{{}}}", counts[0])
        } else {
            let each: Vec<String> = counts.iter().map(|n| format!("[0-9]{{{n}}}")).collect();
            format!("(?:{})", each.join("|"))
        };
        alternatives.push(format!("{code}{national}"));
    }
    format!("^\\+(?:{})$", alternatives.join("|"))
}

/// Country calling codes are prefix-free, so the first 1-3 digits that name a known code are it.
fn split_country_code(digits: &str) -> Option<(u16, &str)> {
    (1..=3.min(digits.len())).find_map(|n| {
        let code: u16 = digits[..n].parse().ok()?;
        (!POSSIBLE_LENGTHS[usize::from(code)].is_empty()).then(|| (code, &digits[n..]))
    })
}

/// Possible national-number lengths per calling code (index = code, 0..1000), taken from the
/// main country for that code as libphonenumber does.
static POSSIBLE_LENGTHS: LazyLock<Vec<Vec<u16>>> = LazyLock::new(|| {
    let db = &*phonenumber::metadata::DATABASE;
    (0u16..1000)
        .map(|code| {
            let Some(metas) = db.by_code(&code) else {
                return Vec::new();
            };
            let main = metas
                .iter()
                .find(|m| m.is_main_country_for_code())
                .or_else(|| metas.first());
            main.map(|m| number_type_lengths(m.descriptors()))
                .unwrap_or_default()
        })
        .collect()
});

/// libphonenumber's general possible lengths are the union over the number types; the crate's
/// metadata leaves the general descriptor's list empty, so the union is taken here.
fn number_type_lengths(d: &phonenumber::metadata::Descriptors) -> Vec<u16> {
    let types = [
        Some(d.general()),
        d.fixed_line(),
        d.mobile(),
        d.toll_free(),
        d.premium_rate(),
        d.shared_cost(),
        d.personal_number(),
        d.voip(),
        d.pager(),
        d.uan(),
        d.voicemail(),
    ];
    let mut lengths: Vec<u16> = types
        .into_iter()
        .flatten()
        .flat_map(|desc| desc.possible_length().iter().copied())
        .collect();
    lengths.sort_unstable();
    lengths.dedup();
    lengths
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fictional_555_numbers_are_possible() {
        assert!(PhoneNumber::parse("+15556667777").is_ok());
        assert!(PhoneNumber::parse("+15550100001").is_ok());
    }

    #[test]
    fn other_countries_use_their_own_lengths() {
        assert!(PhoneNumber::parse("+447700900123").is_ok());
        assert!(PhoneNumber::parse("+4915112345678").is_ok());
        assert!(PhoneNumber::parse("+33612345678").is_ok());
    }

    #[test]
    fn national_format_is_rejected_as_not_e164() {
        assert_eq!(
            PhoneNumber::parse("5556667777"),
            Err(PhoneNumberError::NotE164)
        );
        assert_eq!(
            PhoneNumber::parse("(555) 666-7777"),
            Err(PhoneNumberError::NotE164)
        );
        assert_eq!(
            PhoneNumber::parse("+1 555 666 7777"),
            Err(PhoneNumberError::NotE164)
        );
        assert_eq!(PhoneNumber::parse("+"), Err(PhoneNumberError::NotE164));
    }

    #[test]
    fn wrong_lengths_and_unknown_codes_are_rejected() {
        assert_eq!(
            PhoneNumber::parse("+1555666777"),
            Err(PhoneNumberError::ImpossibleLength(1))
        );
        assert_eq!(
            PhoneNumber::parse("+155566677778"),
            Err(PhoneNumberError::ImpossibleLength(1))
        );
        assert!(matches!(
            PhoneNumber::parse("+9991234567"),
            Err(PhoneNumberError::UnknownCountryCode(_))
        ));
    }
}
