//! Sorting Twilio's answer to a create (or the lack of one) into evo's four outcomes
//! (CARRIERS.md, "evo's rule for carrier answers").

use crate::carrier::{Accepted, CarrierError};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde_json::Value;
use std::time::Duration;

/// No response came. Only a connection that was never made proves nothing was written.
pub(super) fn unanswered(e: &reqwest::Error) -> CarrierError {
    if e.is_connect() {
        CarrierError::Retry {
            message: format!("cannot connect: {}", describe(e)),
            retry_after: None,
        }
    } else {
        CarrierError::Ambiguous(describe(e))
    }
}

/// A response came: 2xx with a sid is accepted, 429 and 5xx are "not taken", anything else is
/// a refusal. A body cut short leaves us not knowing what the carrier meant.
pub(super) async fn read(response: reqwest::Response) -> Result<Accepted, CarrierError> {
    let status = response.status();
    let retry_after = retry_after(response.headers());
    let body = response.bytes().await.map_err(|e| {
        CarrierError::Ambiguous(format!(
            "HTTP {status} with an unreadable body: {}",
            describe(&e)
        ))
    })?;
    if status.is_success() {
        return accepted(status, &body);
    }
    let error = twilio_error(&body);
    if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        let why = error.map_or_else(|| reason(status), |(_, message)| message);
        return Err(CarrierError::Retry {
            message: format!("HTTP {}: {why}", status.as_u16()),
            retry_after,
        });
    }
    let (code, message) = error.unwrap_or_else(|| (status.as_u16().to_string(), reason(status)));
    Err(CarrierError::Refused { code, message })
}

fn accepted(status: StatusCode, body: &[u8]) -> Result<Accepted, CarrierError> {
    let sid = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("sid")?.as_str().map(str::to_owned))
        .filter(|sid| !sid.is_empty());
    match sid {
        Some(sid) => Ok(Accepted {
            sid,
            delivered: false,
        }),
        None => Err(CarrierError::Ambiguous(format!(
            "HTTP {status} without a message sid"
        ))),
    }
}

/// Twilio's `code` (a number, sometimes a string) and `message`, when the body has a code.
pub(super) fn twilio_error(body: &[u8]) -> Option<(String, String)> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let code = match v.get("code")? {
        Value::Number(n) => n.to_string(),
        Value::String(s) if !s.is_empty() => s.clone(),
        _ => return None,
    };
    let message = v.get("message").and_then(Value::as_str).unwrap_or("");
    Some((code, message.to_owned()))
}

/// `Retry-After` in seconds; Twilio never sends the HTTP-date form.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

fn reason(status: StatusCode) -> String {
    status
        .canonical_reason()
        .unwrap_or("unexpected status")
        .to_owned()
}

/// The error and its causes on one line: reqwest's own message rarely says what broke.
pub(super) fn describe(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twilio_codes_may_be_numbers_or_strings() {
        let body = br#"{"code":21211,"message":"bad To","status":400}"#;
        assert_eq!(twilio_error(body), Some(("21211".into(), "bad To".into())));
        let body = br#"{"code":"20003","message":"Authenticate"}"#;
        assert_eq!(
            twilio_error(body),
            Some(("20003".into(), "Authenticate".into()))
        );
        assert_eq!(twilio_error(b"<html>"), None);
        assert_eq!(twilio_error(br#"{"message":"no code"}"#), None);
    }

    #[test]
    fn success_needs_a_sid() {
        let ok = accepted(StatusCode::CREATED, br#"{"sid":"SM1","status":"queued"}"#);
        assert_eq!(ok.map(|a| a.sid), Ok("SM1".into()));
        for body in [&b"{}"[..], br#"{"sid":""}"#, b"not json"] {
            assert!(matches!(
                accepted(StatusCode::OK, body),
                Err(CarrierError::Ambiguous(_))
            ));
        }
    }
}
