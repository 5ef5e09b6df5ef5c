//! Accounts and what lives in them: customers, users, API keys, phone-number endpoints and the
//! addresses that opted out of an endpoint.

use super::{AccountId, ApiKeyId, CustomerId, EndpointId, Role, Timestamp, UserId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: AccountId,
    pub name: String,
    pub created: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    pub id: CustomerId,
    pub account_id: AccountId,
    pub parent_id: Option<CustomerId>,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub roles: Vec<Role>,
    pub accounts: Vec<AccountId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub user_id: UserId,
    pub name: Option<String>,
    pub created: Timestamp,
}

/// What an endpoint is. evo serves phone numbers; other Evo kinds may exist in a database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointKind {
    PhoneNumber,
    /// Any other Evo endpoint type (User, FaxNumber, …): it cannot send or receive SMS.
    Other,
}

impl EndpointKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EndpointKind::PhoneNumber => "PhoneNumber",
            EndpointKind::Other => "Other",
        }
    }

    pub fn parse(s: &str) -> Self {
        if s == "PhoneNumber" {
            EndpointKind::PhoneNumber
        } else {
            EndpointKind::Other
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    pub id: EndpointId,
    pub account_id: AccountId,
    pub customer_id: Option<CustomerId>,
    pub kind: EndpointKind,
    pub number: String,
    pub display_name: String,
    /// Segments per second; `None` takes the default for the number's kind.
    pub mps: Option<f64>,
    /// What HELP and INFO are answered with; `None` answers with a generic text.
    pub help_text: Option<String>,
    pub sms_enabled: bool,
}

/// Settings to change on an endpoint; `None` leaves a setting as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EndpointChanges {
    pub mps: Option<f64>,
    pub help_text: Option<String>,
    pub sms_enabled: Option<bool>,
}

/// An address that may not be sent SMS from an endpoint's number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptOut {
    pub address: String,
    pub created: Timestamp,
}
