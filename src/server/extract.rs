//! Authentication as handler parameters: `Caller` requires a principal (401 otherwise),
//! `MaybeCaller` allows anonymous callers.

use super::AppState;
use super::credentials::credential;
use crate::domain::{Principal, Role};
use crate::error::{Error, Result};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// An authenticated caller.
pub struct Caller(pub Arc<Principal>);

/// A caller who may be anonymous.
pub struct MaybeCaller(pub Option<Arc<Principal>>);

impl Caller {
    /// R63: role checks run after the authentication check.
    pub fn require(&self, role: Role) -> Result<&Principal> {
        crate::service::require_role(&self.0, role)?;
        Ok(&self.0)
    }
}

impl FromRequestParts<AppState> for MaybeCaller {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let Some(credential) = credential(&parts.headers)? else {
            return Ok(MaybeCaller(None));
        };
        let client = client_ip(parts);
        let principal = state.auth.principal(&credential, client).await?;
        Ok(MaybeCaller(principal))
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let MaybeCaller(principal) = MaybeCaller::from_request_parts(parts, state).await?;
        principal.map(Caller).ok_or(Error::NotAuthenticated)
    }
}

/// The client's address, when the server runs with connection info (always, outside unit tests).
pub struct ClientIp(pub Option<IpAddr>);

fn client_ip(parts: &Parts) -> Option<IpAddr> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_ip(parts)))
    }
}
