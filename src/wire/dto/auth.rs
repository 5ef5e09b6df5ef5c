//! Authentication DTOs (ServiceStack's Authenticate / AuthenticateResponse, Evo's UserInfo).

use crate::domain::Principal;
use crate::error::Error;
use crate::wire::fields::{Fields, FromFields, Problems};
use crate::wire::value::{Dto, Object, Value, ns};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Authenticate {
    pub provider: Option<String>,
    pub user_name: Option<String>,
    pub password: Option<String>,
    pub remember_me: bool,
}

impl FromFields for Authenticate {
    fn from_fields(f: &Fields) -> Result<Self, Error> {
        let mut problems = Problems::default();
        let remember_me = problems.take(f.bool("RememberMe")).flatten();
        problems.finish()?;
        Ok(Self {
            provider: f.text("provider").map(str::to_owned),
            user_name: f.text("UserName").map(str::to_owned),
            // A password may legitimately be surrounded by spaces: keep it verbatim.
            password: f.text("Password").map(str::to_owned),
            remember_me: remember_me.unwrap_or(false),
        })
    }
}

/// AuthenticateResponse, DataMember-ordered (contract b.6).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuthenticateResponse {
    pub user_id: Option<String>,
    pub session_id: Option<String>,
    pub user_name: Option<String>,
    pub display_name: Option<String>,
    pub bearer_token: Option<String>,
    pub roles: Option<Vec<String>>,
}

impl AuthenticateResponse {
    pub fn for_principal(p: &Principal, token: Option<&str>) -> Self {
        Self {
            user_id: Some(p.user_id.as_str().to_owned()),
            session_id: token.map(str::to_owned),
            user_name: Some(p.email.clone()),
            display_name: Some(p.display_name()),
            bearer_token: token.map(str::to_owned),
            roles: Some(p.roles.iter().map(|r| r.as_str().to_owned()).collect()),
        }
    }
}

impl Dto for AuthenticateResponse {
    fn to_wire(&self) -> Object {
        let text = |v: &Option<String>| Value::from(v.clone());
        Object::new("AuthenticateResponse", ns::SERVICESTACK)
            .declared_order()
            .field("UserId", text(&self.user_id))
            .field("SessionId", text(&self.session_id))
            .field("UserName", text(&self.user_name))
            .field("DisplayName", text(&self.display_name))
            .field("ReferrerUrl", Value::Null)
            .field("BearerToken", text(&self.bearer_token))
            .field("RefreshToken", Value::Null)
            .field("ProfileUrl", Value::Null)
            .field("Roles", Value::from(self.roles.clone()))
            .field(
                "Permissions",
                Value::from(self.roles.as_ref().map(|_| Vec::<String>::new())),
            )
            .field("ResponseStatus", Value::Null)
    }
}

/// UserInfo (ns Voice.Api.Authentication), returned by GetAuthStatus.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserInfo {
    pub principal: Option<Principal>,
    /// The accounts the caller sees (all of them for a SystemAdministrator, R75).
    pub accounts: Vec<(String, String)>,
}

impl Dto for UserInfo {
    fn to_wire(&self) -> Object {
        let obj = Object::new("UserInfo", ns::AUTHENTICATION);
        let Some(p) = &self.principal else {
            return obj
                .field("Id", Value::Null)
                .field("IsAuthenticated", false)
                .field("FirstName", Value::Null)
                .field("LastName", Value::Null)
                .field("Name", Value::Null)
                .field("AvatarUrl", Value::Null)
                .field("EmailAddress", Value::Null)
                .field("Roles", Vec::<String>::new())
                .field("AccountIds", Vec::<String>::new())
                .field("AccountNames", Vec::<String>::new())
                .field("DashboardPermissions", Vec::<String>::new());
        };
        obj.field("Id", p.user_id.as_str())
            .field("IsAuthenticated", true)
            .field("FirstName", p.first_name.clone())
            .field("LastName", p.last_name.clone())
            .field("Name", p.display_name())
            .field("AvatarUrl", Value::Null)
            .field("EmailAddress", p.email.as_str())
            .field(
                "Roles",
                p.roles
                    .iter()
                    .map(|r| r.as_str().to_owned())
                    .collect::<Vec<_>>(),
            )
            .field(
                "AccountIds",
                self.accounts
                    .iter()
                    .map(|a| a.0.clone())
                    .collect::<Vec<_>>(),
            )
            .field(
                "AccountNames",
                self.accounts
                    .iter()
                    .map(|a| a.1.clone())
                    .collect::<Vec<_>>(),
            )
            .field("DashboardPermissions", Vec::<String>::new())
    }
}
