//! Responses leave handlers as format-neutral objects; this middleware encodes them in the
//! negotiated format, wraps JSON for JSONP (R19), and gives every other 4xx/5xx (unknown route,
//! wrong verb) a ServiceStack body too.

use super::error::{error_object, status_object};
use super::negotiate::{RouteFormat, negotiate, query_param};
use super::value::{Dto, Object};
use super::{Format, encode};
use crate::error::Error;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// A response DTO on its way to the encoder.
#[derive(Clone)]
struct Encodable(Arc<Object>);

/// A handler's successful answer: a DTO, or nothing (204), plus any extra headers.
pub struct Reply {
    object: Option<Object>,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl Reply {
    pub fn new(object: Object) -> Self {
        Self {
            object: Some(object),
            headers: Vec::new(),
        }
    }

    pub fn of(dto: &impl Dto) -> Self {
        Self::new(dto.to_wire())
    }

    /// 204 No Content (R11 one-way calls).
    pub fn no_content() -> Self {
        Self {
            object: None,
            headers: Vec::new(),
        }
    }

    /// Drops the body, keeping the headers (a one-way call of any operation).
    pub fn without_body(mut self) -> Self {
        self.object = None;
        self
    }

    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let mut res = match self.object {
            Some(obj) => with_object(StatusCode::OK, obj),
            None => StatusCode::NO_CONTENT.into_response(),
        };
        for (name, value) in self.headers {
            res.headers_mut().append(name, value);
        }
        res
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let (status, obj) = error_object(&self);
        let mut res = with_object(status, obj);
        if let Ok(reason) = hyper::ext::ReasonPhrase::try_from(reason_text(&self)) {
            // R66: the reason phrase carries the error message.
            res.extensions_mut().insert(reason);
        }
        res
    }
}

fn reason_text(err: &Error) -> Vec<u8> {
    let text: String = err
        .to_string()
        .chars()
        .filter(|c| c.is_ascii() && !c.is_ascii_control())
        .take(200)
        .collect();
    text.into_bytes()
}

fn with_object(status: StatusCode, obj: Object) -> Response {
    let mut res = status.into_response();
    res.extensions_mut().insert(Encodable(Arc::new(obj)));
    res
}

/// How the request wants its answer written.
struct Encoding {
    format: Format,
    /// A JSONP callback (R19), only for JSON answers.
    callback: Option<String>,
    method: Method,
}

/// Encodes whatever the handler answered in the format the request negotiated.
pub async fn encode_replies(req: Request, next: Next) -> Response {
    let encoding = match request_encoding(&req) {
        Ok(e) => e,
        Err(err) => {
            let mut res = err.into_response();
            finish(&mut res, Format::Json, None, &Method::GET);
            return res;
        }
    };
    let mut res = next.run(req).await;
    finish(
        &mut res,
        encoding.format,
        encoding.callback.as_deref(),
        &encoding.method,
    );
    res
}

/// An error answered before routing (so before `encode_replies` runs), encoded right away.
pub fn render_error(req: &Request, err: Error) -> Response {
    let (format, callback) = match request_encoding(req) {
        Ok(e) => (e.format, e.callback),
        Err(_) => (Format::Json, None),
    };
    let mut res = err.into_response();
    finish(&mut res, format, callback.as_deref(), req.method());
    res
}

fn finish(res: &mut Response, format: Format, callback: Option<&str>, method: &Method) {
    let obj = match res.extensions_mut().remove::<Encodable>() {
        Some(Encodable(obj)) => obj,
        None if res.status().is_client_error() || res.status().is_server_error() => Arc::new(
            status_object(res.status(), &default_message(res.status(), method)),
        ),
        None => return,
    };
    let mut bytes = encode(format, &obj);
    let mut content_type = format.content_type();
    if let Some(callback) = callback {
        // R19: JSONP wraps errors too, and answers them with 200.
        let mut wrapped = Vec::with_capacity(bytes.len() + callback.len() + 2);
        wrapped.extend_from_slice(callback.as_bytes());
        wrapped.push(b'(');
        // U+2028 and U+2029 are valid in JSON but end a line in older JavaScript.
        let json = String::from_utf8_lossy(&bytes)
            .replace('\u{2028}', "\\u2028")
            .replace('\u{2029}', "\\u2029");
        wrapped.extend_from_slice(json.as_bytes());
        wrapped.push(b')');
        bytes = wrapped;
        content_type = "text/javascript";
        *res.status_mut() = StatusCode::OK;
        res.extensions_mut().remove::<hyper::ext::ReasonPhrase>();
    }
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    res.headers_mut().remove(header::CONTENT_LENGTH);
    *res.body_mut() = Body::from(bytes);
}

fn request_encoding(req: &Request) -> Result<Encoding, Error> {
    let header_str =
        |name: header::HeaderName| req.headers().get(name).and_then(|v| v.to_str().ok());
    let format = negotiate(
        req.extensions().get::<RouteFormat>().map(|f| f.0),
        req.uri().query(),
        header_str(header::ACCEPT),
        header_str(header::CONTENT_TYPE),
    );
    // A cheap look before parsing the query: most requests have no callback.
    let query = req.uri().query().filter(|q| {
        q.as_bytes()
            .windows(8)
            .any(|w| w.eq_ignore_ascii_case(b"callback"))
    });
    let callback = match query.and_then(|q| query_param(q, "callback")) {
        // An empty callback is no callback, as in ServiceStack.
        Some(cb) if format == Format::Json && !cb.is_empty() => Some(valid_callback(cb)?),
        _ => None,
    };
    Ok(Encoding {
        format,
        callback,
        method: req.method().clone(),
    })
}

/// A JSONP callback must be a JavaScript identifier path: letters, digits, `_`, `$` and `.`.
fn valid_callback(cb: String) -> Result<String, Error> {
    let ok = !cb.is_empty()
        && cb.len() <= 128
        && cb.split('.').all(|part| {
            part.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
        });
    if ok {
        Ok(cb)
    } else {
        Err(Error::field(
            "InvalidCallback",
            "callback",
            "'callback' must be a JavaScript identifier path (letters, digits, '_', '$', '.').",
        ))
    }
}

fn default_message(status: StatusCode, method: &Method) -> String {
    match status {
        StatusCode::NOT_FOUND => "Handler for Request not found".to_owned(),
        StatusCode::METHOD_NOT_ALLOWED => {
            format!("This route does not accept {method}; the Allow header lists the verbs it does")
        }
        StatusCode::PAYLOAD_TOO_LARGE => "The request body is too large".to_owned(),
        other => other.canonical_reason().unwrap_or("Error").to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r19_callbacks_are_identifier_paths() {
        for good in ["fn", "a.b.c", "$jq_1", "_x.$y"] {
            assert!(valid_callback(good.into()).is_ok(), "{good}");
        }
        for bad in ["", "1a", "a..b", "alert(1)", "a b", "a;b", "a-b", "a.", "é"] {
            assert!(valid_callback(bad.into()).is_err(), "{bad}");
        }
    }
}
