//! The one error type of the service layer. The wire layer turns it into an HTTP status and a
//! ServiceStack `ResponseStatus` in exactly one place (`wire::error`).

use crate::domain::{Missing, Refusal};
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
    /// 503: the database cannot be reached just now; nothing was written.
    #[error("The database is unavailable; try again shortly")]
    Unavailable,
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
            StoreError::Refused(refusal) => refusal.into(),
            StoreError::Raced => Error::Internal(anyhow::anyhow!(
                "a write lost a race with a concurrent one twice"
            )),
            StoreError::Unavailable(why) => {
                tracing::warn!(error = %why, "database unavailable");
                Error::Unavailable
            }
            StoreError::Internal(e) => Error::Internal(e),
        }
    }
}

/// The one place a refusal becomes a status, a code and the words a client reads.
impl From<Refusal> for Error {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::NotFound(missing) => Error::NotFound(missing_text(&missing)),
            Refusal::NotAPhoneNumber(endpoint) => Error::field(
                "Invalid",
                "EndpointId",
                format!("Endpoint '{endpoint}' cannot send SMS"),
            ),
            Refusal::SmsDisabled(endpoint) => Error::bad_request(
                "SmsDisabled",
                format!("SMS is disabled on endpoint '{endpoint}'"),
            ),
            Refusal::SessionEnded(session) => Error::bad_request(
                "SessionEnded",
                format!(
                    "Session '{session}' has ended; send to the endpoint and address to start a new one"
                ),
            ),
            Refusal::RecipientOptedOut(address) => Error::bad_request(
                "RecipientOptedOut",
                format!("{address} has opted out of messages from this number (they texted STOP)"),
            ),
            Refusal::IdempotencyKeyReused(key) => Error::Unprocessable {
                code: "IdempotencyKeyReused",
                message: format!(
                    "Idempotency-Key '{key}' was already used with a different request"
                ),
            },
            Refusal::EmailTaken(email) => {
                Error::Conflict(format!("a user with email '{email}' already exists"))
            }
            Refusal::NumberTaken(number) => {
                Error::Conflict(format!("the number {number} is already an endpoint"))
            }
            Refusal::CarrierSidTaken(sid) => Error::Conflict(format!(
                "carrier sid {sid} already belongs to another message"
            )),
        }
    }
}

fn missing_text(missing: &Missing) -> String {
    match missing {
        Missing::Account(id) => format!("account '{id}' does not exist"),
        Missing::Customer { id, account } => {
            format!("customer '{id}' does not exist in account '{account}'")
        }
        Missing::User(id) => format!("user '{id}' does not exist"),
        Missing::UserEmail(email) => format!("no user has email '{email}'"),
        Missing::Endpoint(id) => {
            format!("Endpoint '{id}' not found (it does not exist, or is not in your accounts)")
        }
        Missing::Conversation(id) => format!("Conversation '{id}' not found"),
        Missing::Session(id) => format!("Session '{id}' not found"),
        Missing::Message(id) => format!("Message '{id}' not found"),
        Missing::OptOut { endpoint, address } => {
            format!("{address} has not opted out of endpoint '{endpoint}'")
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
