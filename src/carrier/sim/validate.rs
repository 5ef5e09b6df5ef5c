//! The create request's form, checked the way Twilio checks it, with Twilio's error codes.

use super::json::TwilioError;

/// Twilio's limit on a message body, in characters.
const MAX_BODY_CHARS: usize = 1600;
/// Twilio's limit on ValidityPeriod, in seconds.
const MAX_VALIDITY_SECS: u32 = 36_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct NewMessage {
    pub to: String,
    pub from: String,
    pub body: String,
    pub status_callback: Option<String>,
    pub validity_period: Option<u32>,
}

#[derive(Default)]
struct Fields {
    to: Option<String>,
    from: Option<String>,
    body: Option<String>,
    status_callback: Option<String>,
    validity_period: Option<String>,
}

pub(super) fn parse(form: &[u8]) -> Result<NewMessage, TwilioError> {
    let fields = read_fields(form);
    let to = fields
        .to
        .ok_or_else(|| TwilioError::bad_request(21604, "A 'To' phone number is required."))?;
    let from = fields.from.ok_or_else(|| {
        TwilioError::bad_request(
            21603,
            "A 'From' or 'MessagingServiceSid' parameter is required to send a message.",
        )
    })?;
    let body = fields
        .body
        .ok_or_else(|| TwilioError::bad_request(21602, "Message body is required."))?;
    check_numbers(&to, &from)?;
    check_body(&body)?;
    Ok(NewMessage {
        validity_period: fields
            .validity_period
            .as_deref()
            .map(validity)
            .transpose()?,
        status_callback: fields.status_callback.map(callback_url).transpose()?,
        to,
        from,
        body,
    })
}

/// Empty values count as missing, as they do at Twilio.
fn read_fields(form: &[u8]) -> Fields {
    let mut fields = Fields::default();
    for (name, value) in form_urlencoded::parse(form) {
        if value.is_empty() {
            continue;
        }
        let slot = match name.as_ref() {
            "To" => &mut fields.to,
            "From" => &mut fields.from,
            "Body" => &mut fields.body,
            "StatusCallback" => &mut fields.status_callback,
            "ValidityPeriod" => &mut fields.validity_period,
            _ => continue,
        };
        *slot = Some(value.into_owned());
    }
    fields
}

fn check_numbers(to: &str, from: &str) -> Result<(), TwilioError> {
    if !is_e164(to) {
        let message = format!("The 'To' number {to} is not a valid phone number.");
        return Err(TwilioError::bad_request(21211, message));
    }
    if !is_e164(from) && !is_short_code(from) {
        let message = format!("The 'From' number {from} is not a valid phone number or shortcode.");
        return Err(TwilioError::bad_request(21212, message));
    }
    Ok(())
}

fn check_body(body: &str) -> Result<(), TwilioError> {
    if body.chars().count() > MAX_BODY_CHARS {
        return Err(TwilioError::bad_request(
            21617,
            "The concatenated message body exceeds the 1600 character limit.",
        ));
    }
    Ok(())
}

fn validity(raw: &str) -> Result<u32, TwilioError> {
    raw.parse::<u32>()
        .ok()
        .filter(|s| (1..=MAX_VALIDITY_SECS).contains(s))
        .ok_or_else(|| {
            TwilioError::bad_request(
                21624,
                "Invalid validity period value. Must be between 1 and 36000 seconds.",
            )
        })
}

fn callback_url(url: String) -> Result<String, TwilioError> {
    if url.starts_with("http://") || url.starts_with("https://") {
        Ok(url)
    } else {
        let message = format!("The StatusCallback URL {url} is not a valid URL.");
        Err(TwilioError::bad_request(21609, message))
    }
}

/// `+` then 2 to 15 digits, the first not 0.
pub(super) fn is_e164(s: &str) -> bool {
    s.strip_prefix('+').is_some_and(|digits| {
        (2..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0')
    })
}

fn is_short_code(s: &str) -> bool {
    (5..=6).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(form: &str) -> u32 {
        parse(form.as_bytes()).unwrap_err().code
    }

    #[test]
    fn twilio_codes_for_each_mistake() {
        assert_eq!(code("From=%2B15550001&Body=hi"), 21604);
        assert_eq!(code("To=%2B15550001&Body=hi"), 21603);
        assert_eq!(code("To=%2B15550001&From=%2B15550002&Body="), 21602);
        assert_eq!(code("To=5550001&From=%2B15550002&Body=hi"), 21211);
        assert_eq!(code("To=%2B15550001&From=1234&Body=hi"), 21212);
        let long = "x".repeat(1601);
        assert_eq!(
            code(&format!("To=%2B15550001&From=%2B15550002&Body={long}")),
            21617
        );
        assert_eq!(
            code("To=%2B15550001&From=%2B15550002&Body=hi&ValidityPeriod=0"),
            21624
        );
    }

    #[test]
    fn accepts_short_codes_and_optional_fields() {
        let m = parse(
            "To=%2B15550001&From=12345&Body=hi+there&StatusCallback=http%3A%2F%2Fx%2Fcb&ValidityPeriod=60"
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(m.body, "hi there");
        assert_eq!(m.from, "12345");
        assert_eq!(m.status_callback.as_deref(), Some("http://x/cb"));
        assert_eq!(m.validity_period, Some(60));
        let body = "é".repeat(1600);
        assert!(parse(format!("To=%2B15550001&From=%2B15550002&Body={body}").as_bytes()).is_ok());
    }
}
