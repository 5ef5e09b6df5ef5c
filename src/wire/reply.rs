//! Responses leave handlers as format-neutral objects; this middleware encodes them, and gives
//! every other 4xx/5xx (unknown route, wrong verb, oversized body) a ServiceStack body too.

use super::error::{error_object, status_object};
use super::negotiate::negotiate;
use super::value::{Dto, Object};
use super::{Format, encode};
use crate::error::Error;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// A response DTO on its way to the encoder.
#[derive(Clone)]
struct Encodable(Arc<Object>);

/// A handler's successful answer.
pub struct Reply(pub Object);

impl Reply {
    pub fn of(dto: &impl Dto) -> Self {
        Reply(dto.to_wire())
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        with_object(StatusCode::OK, self.0)
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

/// Encodes whatever the handler answered in the format the request negotiated.
pub async fn encode_replies(req: Request, next: Next) -> Response {
    let format = request_format(&req);
    let method = req.method().clone();
    let mut res = next.run(req).await;
    if let Some(Encodable(obj)) = res.extensions_mut().remove::<Encodable>() {
        set_body(&mut res, format, &obj);
    } else if res.status().is_client_error() || res.status().is_server_error() {
        let obj = status_object(res.status(), &default_message(res.status(), &method));
        set_body(&mut res, format, &obj);
    }
    res
}

fn request_format(req: &Request) -> Format {
    let header_str =
        |name: header::HeaderName| req.headers().get(name).and_then(|v| v.to_str().ok());
    negotiate(
        req.uri().query(),
        header_str(header::ACCEPT),
        header_str(header::CONTENT_TYPE),
    )
}

fn set_body(res: &mut Response, format: Format, obj: &Object) {
    let bytes = encode(format, obj);
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    res.headers_mut().remove(header::CONTENT_LENGTH);
    *res.body_mut() = Body::from(bytes);
}

fn default_message(status: StatusCode, method: &axum::http::Method) -> String {
    match status {
        StatusCode::NOT_FOUND => "Handler for Request not found".to_owned(),
        StatusCode::METHOD_NOT_ALLOWED => {
            format!("This route does not accept {method}; the Allow header lists the verbs it does")
        }
        StatusCode::PAYLOAD_TOO_LARGE => "The request body is too large".to_owned(),
        other => other.canonical_reason().unwrap_or("Error").to_owned(),
    }
}
