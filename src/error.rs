//! The one error type of the service layer. The wire layer turns it into an HTTP status and a
//! ServiceStack `ResponseStatus` in exactly one place (`wire::error`).

use crate::store::StoreError;

/// One failing field of a request (ServiceStack `ResponseError`, contract R64).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub code: &'static str,
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(code: &'static str, field: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            field,
            message: message.into(),
        }
    }

    pub fn not_empty(field: &'static str) -> Self {
        Self::new("NotEmpty", field, format!("'{field}' must not be empty."))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 400 with one `ResponseError` per field (R64).
    #[error("{}", .0.first().map(|e| e.message.as_str()).unwrap_or("Validation failed"))]
    Validation(Vec<FieldError>),
    /// 400 for a body or parameter that cannot be read at all (R62).
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 401: no credential was presented (R63).
    #[error("Not Authenticated")]
    NotAuthenticated,
    /// 401: a credential was presented and is wrong (R65).
    #[error("Invalid UserName or Password")]
    InvalidCredentials,
    /// 403: authenticated but without the operation's role (R63).
    #[error("Invalid Role")]
    InvalidRole,
    /// 403 for a request that proves nothing about who sent it (a bad webhook signature).
    #[error("{0}")]
    Forbidden(String),
    /// 404: the object does not exist or is outside the caller's accounts; the two look alike.
    #[error("{0}")]
    NotFound(String),
    #[error("Too many failed login attempts; try again in a minute")]
    TooManyAttempts,
    #[error("{0}")]
    Conflict(String),
    /// 422: well formed, but refused given what came before (a reused idempotency key).
    #[error("{message}")]
    Unprocessable { code: &'static str, message: String },
    /// 413: the request body is over the limit.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// 503: too much work queued (password checks); try again shortly.
    #[error("{0}")]
    Busy(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl Error {
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Error::BadRequest {
            code,
            message: message.into(),
        }
    }

    pub fn field(code: &'static str, field: &'static str, message: impl Into<String>) -> Self {
        Error::Validation(vec![FieldError::new(code, field, message)])
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => Error::NotFound(what),
            StoreError::Conflict(what) => Error::Conflict(what),
            StoreError::Invalid(field, message) => Error::field("Invalid", field, message),
            StoreError::Refused(code, message) => Error::BadRequest { code, message },
            StoreError::Unprocessable(code, message) => Error::Unprocessable { code, message },
            StoreError::Internal(e) => Error::Internal(e),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
