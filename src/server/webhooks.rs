//! Carrier webhooks, each checked against `X-Twilio-Signature` over the public URL (CARRIERS.md
//! 1b; a bad signature is a 403 and changes nothing). `POST /webhooks/twilio/status`: status
//! callbacks, applied forward-only. `POST /webhooks/twilio/sms`: incoming messages, stored once
//! per MessageSid before the 200.

use super::delivery::STATUS_PATH;
use super::{AppState, FixedRoutes};
use crate::carrier::signature;
use crate::domain::{
    CarrierAccount, CarrierStatus, DeliveryStatus, InboundMessage, Media, MessageId, Received,
    StatusApplied, Timestamp,
};
use crate::error::{Error, Result};
use crate::wire::{parse_urlencoded, read_body};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::post;

/// Where Twilio posts incoming messages.
pub const SMS_PATH: &str = "/webhooks/twilio/sms";

pub fn routes() -> FixedRoutes {
    vec![
        (STATUS_PATH.into(), post(status_callback)),
        (SMS_PATH.into(), post(incoming_sms)),
    ]
}

/// A webhook whose signature holds: its form, its query string, and the carrier account that
/// signed it (which only reaches the messages and numbers of the evo accounts using it).
struct Signed {
    params: Vec<(String, String)>,
    query: Option<String>,
    carrier: CarrierAccount,
}

/// The form of a webhook whose signature holds; a 403 otherwise (counted under `metric`).
async fn signed_form(state: &AppState, req: Request, metric: &'static str) -> Result<Signed> {
    let (parts, body) = req.into_parts();
    let params = parse_urlencoded(&read_body(body).await?, "the webhook body")?;
    let path_and_query = parts.uri.path_and_query().map_or("", |p| p.as_str());
    let signed = parts
        .headers
        .get("x-twilio-signature")
        .and_then(|v| v.to_str().ok());
    let url = format!("{}{path_and_query}", state.public_url.trim_end_matches('/'));
    let Some(account) = signing_account(state, &url, &params, signed).await? else {
        metrics::counter!(metric, "result" => "bad_signature").increment(1);
        tracing::warn!(url = %url, "webhook with a bad or missing X-Twilio-Signature");
        return Err(Error::Forbidden(
            "X-Twilio-Signature does not match this request".to_owned(),
        ));
    };
    Ok(Signed {
        params,
        query: parts.uri.query().map(str::to_owned),
        carrier: CarrierAccount {
            signed_by: account,
            server_wide: state.carrier.credentials().map(|c| c.account_sid.clone()),
        },
    })
}

async fn status_callback(State(state): State<AppState>, req: Request) -> Result<impl IntoResponse> {
    let signed = signed_form(&state, req, "evo_status_callbacks_total").await?;
    let (params, query, now) = (&signed.params, signed.query.as_deref(), state.clock.now());
    let Some(update) = status_update(params, query, signed.carrier, now) else {
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

/// Twilio's "do nothing" answer: no reply is sent, and Twilio does not retry.
const EMPTY_TWIML: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>";

async fn incoming_sms(State(state): State<AppState>, req: Request) -> Result<impl IntoResponse> {
    let signed = signed_form(&state, req, "evo_inbound_total").await?;
    let message = inbound_message(&signed.params, signed.carrier, state.clock.now())?;
    let result = match state.store.receive_message(message).await? {
        Received::Stored { .. } => "stored",
        Received::Duplicate(_) => "duplicate",
        Received::UnknownNumber => "unknown_number",
        Received::SmsDisabled => "sms_disabled",
    };
    metrics::counter!("evo_inbound_total", "result" => result).increment(1);
    Ok(([(CONTENT_TYPE, "text/xml; charset=utf-8")], EMPTY_TWIML))
}

/// The message a signed inbound webhook carries; a signed request without the fields every
/// Twilio message has is a 400.
fn inbound_message(
    params: &[(String, String)],
    carrier: CarrierAccount,
    now: Timestamp,
) -> Result<InboundMessage> {
    let required = |name: &'static str| {
        param(params, name)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| Error::field("NotEmpty", name, format!("'{name}' must not be empty.")))
    };
    let sid = param(params, "MessageSid")
        .or_else(|| param(params, "SmsSid"))
        .filter(|v| !v.is_empty())
        .ok_or_else(|| Error::field("NotEmpty", "MessageSid", "'MessageSid' must not be empty."))?;
    let body = param(params, "Body").unwrap_or_default().to_owned();
    let count: usize = param(params, "NumMedia")
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
        .min(MAX_MEDIA);
    let media = (0..count)
        .filter_map(|i| {
            let url = param(params, &format!("MediaUrl{i}"))?;
            let content_type = param(params, &format!("MediaContentType{i}")).unwrap_or_default();
            Some(Media {
                url: url.to_owned(),
                content_type: content_type.to_owned(),
            })
        })
        .collect();
    Ok(InboundMessage {
        to: required("To")?.to_owned(),
        from: required("From")?.to_owned(),
        segments: crate::domain::segments(&body),
        body,
        sid: sid.to_owned(),
        media,
        date: now,
        carrier,
    })
}

/// Twilio sends at most 10 attachments per message.
const MAX_MEDIA: usize = 10;

/// The carrier account whose token signed the request: the one the callback names, if the
/// signature is Twilio's for it — the server-wide account, or an account's own
/// (`evo admin account set-carrier`).
async fn signing_account(
    state: &AppState,
    url: &str,
    params: &[(String, String)],
    signed: Option<&str>,
) -> Result<Option<String>> {
    let Some(signed) = signed else {
        return Ok(None);
    };
    let account_sid = param(params, "AccountSid");
    let server_wide = state.carrier.credentials();
    let (sid, token) = match (server_wide, account_sid) {
        (Some(c), Some(sid)) if c.account_sid == sid => (sid, Some(c.auth_token.clone())),
        (Some(c), None) => (c.account_sid.as_str(), Some(c.auth_token.clone())),
        (_, Some(sid)) => (sid, state.store.carrier_token(sid).await?),
        (None, None) => return Ok(None),
    };
    let holds = token.is_some_and(|t| signature::is_valid(&t, url, params, signed));
    Ok(holds.then(|| sid.to_owned()))
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The status the callback reports, if it is one evo records (queued, accepted and sending
/// say nothing evo does not already know).
fn status_update(
    params: &[(String, String)],
    query: Option<&str>,
    carrier: CarrierAccount,
    now: Timestamp,
) -> Option<CarrierStatus> {
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
        at: now,
        carrier,
    })
}
