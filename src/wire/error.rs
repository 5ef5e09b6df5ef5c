//! The one place where errors become HTTP statuses and ServiceStack `ErrorResponse` bodies
//! (R60-R64, R66; Q18 for the 401/403 codes).

use super::value::{Object, Value, ns};
use crate::error::{Error, FieldError};
use axum::http::StatusCode;

/// Status and `ErrorResponse` for a service error. Internal causes are logged, never shown.
pub fn error_object(err: &Error) -> (StatusCode, Object) {
    let (status, code, message, fields): (StatusCode, &str, String, &[FieldError]) = match err {
        Error::Validation(errors) => (
            StatusCode::BAD_REQUEST,
            errors.first().map_or("ValidationException", |e| e.code),
            err.to_string(),
            errors,
        ),
        Error::BadRequest { code, message } => {
            (StatusCode::BAD_REQUEST, code, message.clone(), &[])
        }
        Error::UnsupportedMediaType(m) => (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "NotSupportedException",
            m.clone(),
            &[],
        ),
        Error::NotAuthenticated | Error::InvalidCredentials => (
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            err.to_string(),
            &[],
        ),
        Error::InvalidRole => (StatusCode::FORBIDDEN, "Forbidden", err.to_string(), &[]),
        Error::Forbidden(m) => (StatusCode::FORBIDDEN, "Forbidden", m.clone(), &[]),
        Error::NotFound(m) => (StatusCode::NOT_FOUND, "NotFound", m.clone(), &[]),
        Error::TooManyAttempts => (
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequests",
            err.to_string(),
            &[],
        ),
        Error::Conflict(m) => (StatusCode::CONFLICT, "Conflict", m.clone(), &[]),
        Error::Unprocessable { code, message } => {
            (StatusCode::UNPROCESSABLE_ENTITY, code, message.clone(), &[])
        }
        Error::PayloadTooLarge(m) => (
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLarge",
            m.clone(),
            &[],
        ),
        Error::Busy(m) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            m.clone(),
            &[],
        ),
        Error::Unavailable => (
            StatusCode::SERVICE_UNAVAILABLE,
            "DatabaseUnavailable",
            err.to_string(),
            &[],
        ),
        Error::Internal(cause) => {
            tracing::error!(error = ?cause, "internal error");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Exception",
                "An internal error occurred".to_owned(),
                &[],
            )
        }
    };
    (status, error_response(code, &message, fields))
}

/// `ErrorResponse` for a status produced outside the handlers (unknown route, wrong verb,
/// oversized body).
pub fn status_object(status: StatusCode, message: &str) -> Object {
    let code = status
        .canonical_reason()
        .unwrap_or("Error")
        .replace(' ', "");
    error_response(&code, message, &[])
}

fn error_response(code: &str, message: &str, fields: &[FieldError]) -> Object {
    let errors: Vec<Object> = fields
        .iter()
        .map(|e| {
            Object::new("ResponseError", ns::SERVICESTACK)
                .declared_order()
                .field("ErrorCode", e.code)
                .field("FieldName", e.field)
                .field("Message", e.message.as_str())
        })
        .collect();
    let status = Object::new("ResponseStatus", ns::SERVICESTACK)
        .declared_order()
        .field("ErrorCode", code)
        .field("Message", message)
        .field("StackTrace", Value::Null)
        .field("Errors", errors);
    Object::new("ErrorResponse", ns::SERVICESTACK)
        .declared_order()
        .field("ResponseStatus", status)
}
