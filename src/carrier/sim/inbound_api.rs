//! `POST /sim/inbound`: deliver one inbound message on request, so another process (a demo, a
//! shell script) can play the handset. The answer reports what the target said; the simulator
//! itself only fails when the request is malformed (400) or the target cannot be reached (502).

use super::inbound::Inbound;
use super::json::json_response;
use super::state::SimState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};
use std::sync::Arc;

pub(super) async fn send(State(sim): State<Arc<SimState>>, body: Bytes) -> Response {
    let parsed = serde_json::from_slice::<Value>(&body)
        .map_err(|e| e.to_string())
        .and_then(|v| parse(&v));
    let (target, mut inbound) = match parsed {
        Ok(request) => request,
        Err(e) => return json_response(StatusCode::BAD_REQUEST, &json!({ "error": e })),
    };
    // Chosen here rather than by the delivery so that a 502 can still name it.
    let message_sid = inbound
        .message_sid
        .get_or_insert_with(super::new_message_sid)
        .clone();
    match sim.send_inbound(&target, &inbound).await {
        Ok(result) => json_response(
            StatusCode::OK,
            &json!({
                "message_sid": result.message_sid,
                "status": result.status,
                "body": result.body,
            }),
        ),
        Err(e) => json_response(
            StatusCode::BAD_GATEWAY,
            &json!({ "message_sid": message_sid, "error": format!("{e:#}") }),
        ),
    }
}

/// The target URL and the message. Unknown fields are refused, so that a typo (`"media_url"`)
/// cannot silently send a message without what it was meant to carry.
fn parse(value: &Value) -> Result<(String, Inbound), String> {
    let fields = value.as_object().ok_or("expected a JSON object")?;
    if let Some(name) = fields.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return Err(format!("unknown field {name:?}"));
    }
    let target = text(fields, "target")?;
    if !(target.starts_with("http://") || target.starts_with("https://")) {
        return Err("target must be an http(s) URL".into());
    }
    let message_sid = match fields.get("message_sid") {
        None | Some(Value::Null) => None,
        Some(_) => Some(text(fields, "message_sid")?).filter(|s| !s.is_empty()),
    };
    let inbound = Inbound {
        to: text(fields, "to")?,
        from: text(fields, "from")?,
        body: text(fields, "body")?,
        media: media(fields.get("media"))?,
        message_sid,
    };
    Ok((target, inbound))
}

const KNOWN: [&str; 6] = ["to", "from", "body", "target", "media", "message_sid"];

fn text(fields: &Map<String, Value>, name: &str) -> Result<String, String> {
    fields
        .get(name)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("{name} must be a string"))
}

fn media(value: Option<&Value>) -> Result<Vec<(String, String)>, String> {
    let items = match value {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(v) => v.as_array().ok_or("media must be an array")?,
    };
    items
        .iter()
        .map(|item| {
            let fields = item
                .as_object()
                .ok_or("each media item must be {\"url\",\"content_type\"}")?;
            Ok((text(fields, "url")?, text(fields, "content_type")?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_request_parses() {
        let (target, inbound) = parse(&json!({
            "to": "+15550001111", "from": "+15550002222", "body": "hi",
            "target": "http://127.0.0.1:1/webhooks/twilio/sms",
            "media": [{"url": "https://m.example/1", "content_type": "image/jpeg"}],
            "message_sid": "SM1",
        }))
        .unwrap();
        assert_eq!(target, "http://127.0.0.1:1/webhooks/twilio/sms");
        assert_eq!(inbound.to, "+15550001111");
        assert_eq!(inbound.message_sid.as_deref(), Some("SM1"));
        assert_eq!(
            inbound.media,
            [("https://m.example/1".into(), "image/jpeg".into())]
        );
    }

    #[test]
    fn missing_wrong_or_unknown_fields_are_refused() {
        let ok = json!({"to": "+1", "from": "+2", "body": "", "target": "http://x/"});
        assert!(parse(&ok).is_ok());
        for (name, bad) in [
            ("to", Value::Null),
            ("body", json!(5)),
            ("target", json!("ftp://x/")),
            ("media", json!([{"url": "u"}])),
            ("media", json!("u")),
            ("media_url", json!("u")),
        ] {
            let mut v = ok.clone();
            v[name] = bad;
            assert!(parse(&v).is_err(), "{v}");
        }
        assert!(parse(&json!([])).is_err());
    }
}
