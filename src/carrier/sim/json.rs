//! Twilio's response shapes: the Message resource and the error body.

use super::store::SimMessage;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc2822;

pub(super) const API_VERSION: &str = "2010-04-01";

/// A Twilio REST error: `{"code","message","more_info","status"}`.
#[derive(Debug)]
pub(super) struct TwilioError {
    pub status: StatusCode,
    pub code: u32,
    pub message: String,
}

impl TwilioError {
    pub fn new(status: StatusCode, code: u32, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn bad_request(code: u32, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn not_found(path: &str) -> Self {
        let message = format!("The requested resource {path} was not found");
        Self::new(StatusCode::NOT_FOUND, 20404, message)
    }

    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, 20003, "Authenticate")
    }
}

impl IntoResponse for TwilioError {
    fn into_response(self) -> Response {
        let body = json!({
            "code": self.code,
            "message": self.message,
            "more_info": format!("https://www.twilio.com/docs/errors/{}", self.code),
            "status": self.status.as_u16(),
        });
        let mut response = json_response(self.status, &body);
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"Twilio API\""),
            );
        }
        response
    }
}

pub(super) fn json_response(status: StatusCode, body: &Value) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let content_type = [(header::CONTENT_TYPE, "application/json; charset=utf-8")];
    (status, content_type, bytes).into_response()
}

pub(super) fn message_uri(account_sid: &str, sid: &str) -> String {
    format!("/{API_VERSION}/Accounts/{account_sid}/Messages/{sid}.json")
}

/// The Message resource as Twilio writes it (keys in Twilio's alphabetical order; counts as
/// strings, like Twilio).
pub(super) fn message_json(m: &SimMessage) -> Value {
    let uri = message_uri(&m.account_sid, &m.sid);
    let media = format!(
        "/{API_VERSION}/Accounts/{}/Messages/{}/Media.json",
        m.account_sid, m.sid
    );
    json!({
        "account_sid": m.account_sid,
        "api_version": API_VERSION,
        "body": m.body,
        "date_created": rfc2822(m.created_ms),
        "date_sent": m.sent_ms.map(rfc2822),
        "date_updated": rfc2822(m.updated_ms),
        "direction": "outbound-api",
        "error_code": m.error_code,
        "error_message": m.error_code.map(error_message),
        "from": m.from,
        "messaging_service_sid": null,
        "num_media": "0",
        "num_segments": m.num_segments.to_string(),
        "price": null,
        "price_unit": "USD",
        "sid": m.sid,
        "status": m.status.as_str(),
        "subresource_uris": { "media": media },
        "to": m.to,
        "uri": uri,
    })
}

/// The simulator's own view for `/sim/messages`: everything, times in unix milliseconds.
pub(super) fn sim_message_json(m: &SimMessage) -> Value {
    json!({
        "sid": m.sid,
        "account_sid": m.account_sid,
        "to": m.to,
        "from": m.from,
        "body": m.body,
        "status": m.status.as_str(),
        "status_callback": m.status_callback,
        "validity_period": m.validity_period,
        "num_segments": m.num_segments,
        "error_code": m.error_code,
        "created_ms": m.created_ms,
        "updated_ms": m.updated_ms,
        "sent_ms": m.sent_ms,
        "callbacks_sent": m.callbacks_sent,
        "callbacks_failed": m.callbacks_failed,
    })
}

pub(super) fn error_message(code: u32) -> &'static str {
    match code {
        30003 => "Unreachable destination handset",
        30005 => "Unknown destination handset",
        _ => "Unknown error",
    }
}

/// `Thu, 30 Jul 2015 20:12:31 +0000`, to the second like Twilio.
pub(super) fn rfc2822(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .ok()
        .and_then(|t| t.format(&Rfc2822).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_look_like_twilio_s() {
        assert_eq!(
            rfc2822(1_438_287_151_999),
            "Thu, 30 Jul 2015 20:12:31 +0000"
        );
    }
}
