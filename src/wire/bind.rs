//! Binding a request DTO from every source, in ServiceStack's order (R27): the body decoded by
//! its Content-Type, then path variables, then the query string, then form fields.

use super::fields::Fields;
use super::negotiate::{Format, RouteFormat};
use super::{csv, jsv, xml_in};
use crate::error::Error;
use axum::body::Body;
use axum::extract::rejection::RawPathParamsRejection;
use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::header;
use axum::http::request::Parts;

/// The largest request body accepted. A message body is at most 1,600 characters, so this
/// leaves ample room for any envelope while bounding memory per request.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Reads every field source of a request, in ServiceStack's order (R27): the body decoded by its
/// Content-Type (or, without one, the route's format), then path variables, then the query
/// string, then form fields.
pub async fn read_fields(parts: &mut Parts, body: Body) -> Result<Fields, Error> {
    let path = match RawPathParams::from_request_parts(parts, &()).await {
        Ok(path) => Some(path),
        // A path variable that is not valid UTF-8 names nothing that can exist.
        Err(RawPathParamsRejection::InvalidUtf8InPathParam(_)) => {
            return Err(Error::NotFound("Handler for Request not found".to_owned()));
        }
        Err(_) => None,
    };
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let route_format = parts.extensions.get::<RouteFormat>().map(|f| f.0);
    let bytes = read_body(body).await?;
    let (mut fields, form) = decode_body(content_type.as_deref(), route_format, &bytes)?;
    if let Some(path) = &path {
        fields.merge_pairs(path.iter().map(|(k, v)| (k, v.to_owned())));
    }
    if let Some(q) = parts.uri.query() {
        let pairs = parse_urlencoded(q.as_bytes(), "query string")?;
        fields.merge_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.clone())));
    }
    fields.merge(form);
    Ok(fields)
}

/// Returns (body fields, form fields): a form body is the last source, not the first.
/// Public so the fuzz targets can drive every request decoder.
pub fn decode_body(
    content_type: Option<&str>,
    route_format: Option<Format>,
    bytes: &[u8],
) -> Result<(Fields, Fields), Error> {
    // A UTF-8 byte-order mark is not content.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Default::default());
    }
    let essence = content_type
        .and_then(|c| c.split(';').next())
        .map(|c| c.trim().to_ascii_lowercase());
    match essence.as_deref() {
        Some("application/x-www-form-urlencoded") => {
            let pairs = parse_urlencoded(bytes, "form body")?;
            let mut form = Fields::default();
            form.merge_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.clone())));
            Ok((Fields::default(), form))
        }
        Some(ct) => match Format::from_media_type(ct) {
            Some(f) => Ok((decode_as(f, bytes)?, Fields::default())),
            None => Err(Error::UnsupportedMediaType(format!(
                "Content-Type '{ct}' is not supported; send application/json, application/xml, \
                 text/jsv, text/csv, text/jsonl or application/x-www-form-urlencoded"
            ))),
        },
        None => {
            let sniffed = match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
                Some(b'{') => Some(Format::Json),
                Some(b'<') => Some(Format::Xml),
                _ => None,
            };
            let format = route_format.or(sniffed).ok_or_else(|| {
                Error::UnsupportedMediaType("A request body needs a Content-Type".to_owned())
            })?;
            Ok((decode_as(format, bytes)?, Fields::default()))
        }
    }
}

fn decode_as(format: Format, bytes: &[u8]) -> Result<Fields, Error> {
    match format {
        Format::Json => decode_json(bytes),
        Format::Xml => xml_in::decode(bytes),
        Format::Jsv => jsv::decode_fields(bytes),
        Format::Csv => csv::decode_fields(bytes),
        Format::Jsonl => decode_json_lines(bytes),
    }
}

fn decode_json(bytes: &[u8]) -> Result<Fields, Error> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        Error::bad_request("SerializationException", format!("Invalid JSON body: {e}"))
    })?;
    let serde_json::Value::Object(map) = value else {
        return Err(Error::bad_request(
            "SerializationException",
            "The JSON body must be an object",
        ));
    };
    let mut fields = Fields::default();
    for (key, value) in map {
        use super::fields::Raw;
        use serde_json::Value as J;
        let structured = matches!(value, J::Array(_) | J::Object(_));
        let raw = match value {
            J::Null => continue,
            J::String(s) => Raw::Text(s),
            J::Array(items) => Raw::List(items.into_iter().map(json_text).collect()),
            other => Raw::Text(json_text(other)),
        };
        fields.set(&key, raw);
        if structured {
            fields.mark_structured(&key);
        }
    }
    Ok(fields)
}

/// The whole request body, refusing more than `MAX_BODY_BYTES`.
pub async fn read_body(body: Body) -> Result<axum::body::Bytes, Error> {
    axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| {
            Error::PayloadTooLarge(format!(
                "The request body is larger than {MAX_BODY_BYTES} bytes"
            ))
        })
}

/// `a=1&b=x+y` pairs, refusing percent-encodings that are not UTF-8 (rather than replacing them).
pub fn parse_urlencoded(bytes: &[u8], what: &str) -> Result<Vec<(String, String)>, Error> {
    let decode = |raw: &[u8]| -> Result<String, Error> {
        let spaced: Vec<u8> = raw
            .iter()
            .map(|&b| if b == b'+' { b' ' } else { b })
            .collect();
        let decoded: Vec<u8> = percent_encoding::percent_decode(&spaced).collect();
        String::from_utf8(decoded).map_err(|_| {
            Error::bad_request(
                "SerializationException",
                format!("The {what} is not valid UTF-8"),
            )
        })
    };
    bytes
        .split(|b| *b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let mut kv = pair.splitn(2, |b| *b == b'=');
            let key = decode(kv.next().unwrap_or_default())?;
            let value = decode(kv.next().unwrap_or_default())?;
            Ok((key, value))
        })
        .collect()
}

/// A JSON Lines body carries one request: its first non-blank line.
fn decode_json_lines(bytes: &[u8]) -> Result<Fields, Error> {
    let line = bytes
        .split(|b| *b == b'\n')
        .find(|l| !l.iter().all(u8::is_ascii_whitespace))
        .unwrap_or_default();
    decode_json(line)
}

fn json_text(v: serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s,
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_keys_bind_case_insensitively_r21_and_unknown_keys_are_ignored_r26() {
        let (f, _) = decode_body(
            Some("application/json"),
            None,
            br#"{"TOADDRESS":"+1","extra":{"x":1},"n":5,"b":true}"#,
        )
        .unwrap();
        assert_eq!(f.text("toAddress"), Some("+1"));
        assert_eq!(f.text("n"), Some("5"));
        assert_eq!(f.text("b"), Some("true"));
    }

    #[test]
    fn urlencoded_values_must_be_utf8() {
        assert_eq!(
            parse_urlencoded(b"a=x+y%2B&b=&c", "q").unwrap(),
            vec![
                ("a".to_owned(), "x y+".to_owned()),
                ("b".to_owned(), String::new()),
                ("c".to_owned(), String::new())
            ]
        );
        assert!(parse_urlencoded(b"body=%FF", "q").is_err());
        assert!(parse_urlencoded(b"body=raw\xff", "q").is_err());
        assert!(parse_urlencoded(b"%C3%28=1", "q").is_err());
    }

    #[test]
    fn bad_bodies_are_400_and_unknown_types_415() {
        assert!(matches!(
            decode_body(Some("application/json"), None, b"{nope"),
            Err(Error::BadRequest { .. })
        ));
        assert!(matches!(
            decode_body(Some("application/json"), None, b"[1]"),
            Err(Error::BadRequest { .. })
        ));
        assert!(matches!(
            decode_body(Some("application/json"), None, b"{\"a\":\"\xff\"}"),
            Err(Error::BadRequest { .. })
        ));
        assert!(matches!(
            decode_body(Some("image/png"), None, b"x"),
            Err(Error::UnsupportedMediaType(_))
        ));
    }
}
