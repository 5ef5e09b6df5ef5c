//! Carrier webhooks. `POST /webhooks/twilio/status`: Twilio's status callbacks, checked against
//! `X-Twilio-Signature` over the public URL (CARRIERS.md 1b), then applied forward-only.

use super::AppState;
use super::delivery::STATUS_PATH;
use crate::carrier::signature;
use crate::domain::{DeliveryStatus, MessageId, Timestamp};
use crate::error::{Error, Result};
use crate::store::{CarrierStatus, StatusApplied};
use crate::wire::{parse_urlencoded, read_body};
use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::post;

pub fn router() -> Router<AppState> {
    Router::new().route(STATUS_PATH, post(status_callback))
}

async fn status_callback(State(state): State<AppState>, req: Request) -> Result<impl IntoResponse> {
    let (parts, body) = req.into_parts();
    let params = parse_urlencoded(&read_body(body).await?, "the callback body")?;
    let path_and_query = parts
        .uri
        .path_and_query()
        .map_or(STATUS_PATH, |p| p.as_str());
    let signed = parts
        .headers
        .get("x-twilio-signature")
        .and_then(|v| v.to_str().ok());
    let url = format!("{}{path_and_query}", state.public_url.trim_end_matches('/'));
    if !signature_holds(&state, &url, &params, signed).await? {
        metrics::counter!("evo_status_callbacks_total", "result" => "bad_signature").increment(1);
        tracing::warn!(url = %url, "status callback with a bad or missing X-Twilio-Signature");
        return Err(Error::Forbidden(
            "X-Twilio-Signature does not match this request".to_owned(),
        ));
    }
    let Some(update) = status_update(&params, parts.uri.query()) else {
        metrics::counter!("evo_status_callbacks_total", "result" => "ignored").increment(1);
        return Ok(StatusCode::NO_CONTENT);
    };
    let applied = state.store.apply_carrier_status(update).await?;
    let result = match applied {
        StatusApplied::Moved => "moved",
        StatusApplied::Unchanged => "unchanged",
        StatusApplied::Pending => "pending",
    };
    metrics::counter!("evo_status_callbacks_total", "result" => result).increment(1);
    Ok(StatusCode::NO_CONTENT)
}

/// Whether the signature is Twilio's for the carrier account the callback names: the
/// server-wide account, or an account's own (`evo admin account set-carrier`).
async fn signature_holds(
    state: &AppState,
    url: &str,
    params: &[(String, String)],
    signed: Option<&str>,
) -> Result<bool> {
    let Some(signed) = signed else {
        return Ok(false);
    };
    let account_sid = param(params, "AccountSid");
    let server_wide = state.carrier.credentials();
    let token = match (server_wide, account_sid) {
        (Some(c), Some(sid)) if c.account_sid == sid => Some(c.auth_token.clone()),
        (Some(c), None) => Some(c.auth_token.clone()),
        (_, Some(sid)) => state.store.carrier_token(sid).await?,
        (None, None) => None,
    };
    Ok(token.is_some_and(|t| signature::is_valid(&t, url, params, signed)))
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The status the callback reports, if it is one evo records (queued, accepted and sending
/// say nothing evo does not already know).
fn status_update(params: &[(String, String)], query: Option<&str>) -> Option<CarrierStatus> {
    let sid = param(params, "MessageSid").or_else(|| param(params, "SmsSid"))?;
    let reported = param(params, "MessageStatus").or_else(|| param(params, "SmsStatus"))?;
    let status = match reported.to_ascii_lowercase().as_str() {
        "sent" => DeliveryStatus::Sent,
        "delivered" | "read" => DeliveryStatus::Delivered,
        "undelivered" => DeliveryStatus::Undelivered,
        "failed" => DeliveryStatus::Failed,
        _ => return None,
    };
    let error = param(params, "ErrorCode")
        .filter(|c| !c.is_empty())
        .map(|code| match param(params, "ErrorMessage") {
            Some(m) if !m.is_empty() => format!("{code}: {m}"),
            _ => format!("carrier error {code}"),
        });
    let message_id = query.and_then(|q| {
        form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "id")
            .map(|(_, v)| MessageId::from_string(v.into_owned()))
    });
    Some(CarrierStatus {
        sid: sid.to_owned(),
        message_id,
        status,
        error,
        at: Timestamp::now(),
    })
}
