//! ServiceStack authentication routes: `/auth`, `/auth/{provider}`, `/auth/logout` and Evo's
//! `/auth/status` (R70, R74, R75).

use super::AppState;
use super::credentials::login_token;
use super::extract::{Caller, ClientIp, MaybeCaller};
use crate::domain::{AccountScope, Principal, Timestamp};
use crate::error::{Error, Result};
use crate::service::auth::{new_login_token, secret_hash};
use crate::wire::dto::{Authenticate, AuthenticateResponse, UserInfo};
use crate::wire::{Bound, Reply};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::header::{AUTHORIZATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::net::IpAddr;

/// Server-side lifetime of a login: RememberMe keeps it for 30 days, otherwise 12 hours.
const PERMANENT_LOGIN_MS: i64 = 30 * 24 * 3600 * 1000;
const TEMPORARY_LOGIN_MS: i64 = 12 * 3600 * 1000;
/// ServiceStack's permanent cookies last about 20 years.
const PERMANENT_COOKIE_SECS: i64 = 20 * 365 * 24 * 3600;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth", get(current).post(authenticate))
        .route("/auth/{provider}", get(current).post(authenticate_with))
        .route("/auth/logout", get(logout).post(logout))
        .route("/auth/status", get(status))
}

async fn current(Caller(principal): Caller, headers: HeaderMap) -> Reply {
    let token = login_token(&headers).or_else(|| bearer(&headers));
    Reply::of(&AuthenticateResponse::for_principal(
        &principal,
        token.as_deref(),
    ))
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let token = value.strip_prefix("Bearer ")?;
    (!token.starts_with(crate::service::auth::API_KEY_PREFIX)).then(|| token.to_owned())
}

async fn authenticate_with(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    ClientIp(client): ClientIp,
    Bound(mut req): Bound<Authenticate>,
) -> Result<Response> {
    req.provider = Some(provider);
    login(&state, client, req).await
}

async fn authenticate(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Bound(req): Bound<Authenticate>,
) -> Result<Response> {
    login(&state, client, req).await
}

async fn login(state: &AppState, client: Option<IpAddr>, req: Authenticate) -> Result<Response> {
    let provider = req.provider.as_deref().unwrap_or("credentials");
    if !provider.eq_ignore_ascii_case("credentials") {
        return Err(Error::NotFound(format!(
            "No configuration was added for auth provider '{provider}'"
        )));
    }
    let (Some(user), Some(password)) = (req.user_name.as_deref(), req.password.as_deref()) else {
        return Err(Error::InvalidCredentials);
    };
    let principal = state.auth.password_login(user, password, client).await?;
    let token = new_login_token()?;
    let ttl = if req.remember_me {
        PERMANENT_LOGIN_MS
    } else {
        TEMPORARY_LOGIN_MS
    };
    let expires = Timestamp::now().plus_millis(ttl);
    state
        .store
        .create_login(
            secret_hash(&token),
            &principal.user_id,
            req.remember_me,
            expires,
        )
        .await?;
    let body = Reply::of(&AuthenticateResponse::for_principal(
        &principal,
        Some(&token),
    ));
    let opt = if req.remember_me { "perm" } else { "temp" };
    let cookies = [
        format!("ss-id={token}; Path=/; HttpOnly; SameSite=Lax"),
        format!("ss-pid={token}; Path=/; Max-Age={PERMANENT_COOKIE_SECS}; HttpOnly; SameSite=Lax"),
        format!("ss-opt={opt}; Path=/; Max-Age={PERMANENT_COOKIE_SECS}; SameSite=Lax"),
    ];
    Ok(with_cookies(body.into_response(), &cookies))
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Result<Response> {
    if let Some(token) = login_token(&headers).or_else(|| bearer(&headers)) {
        state.store.delete_login(&secret_hash(&token)).await?;
    }
    let expired = ["ss-id", "ss-pid", "ss-opt"].map(|name| format!("{name}=; Path=/; Max-Age=0"));
    let body = Reply::of(&AuthenticateResponse::default());
    Ok(with_cookies(body.into_response(), &expired))
}

async fn status(
    State(state): State<AppState>,
    MaybeCaller(principal): MaybeCaller,
) -> Result<Reply> {
    let Some(principal) = principal else {
        return Ok(Reply::of(&UserInfo::default()));
    };
    let accounts = visible_accounts(&state, &principal).await?;
    Ok(Reply::of(&UserInfo {
        principal: Some((*principal).clone()),
        accounts,
    }))
}

/// R75: a SystemAdministrator sees every account; others the ones granted to them.
async fn visible_accounts(state: &AppState, p: &Principal) -> Result<Vec<(String, String)>> {
    let accounts = match p.scope() {
        AccountScope::All => state.store.accounts(&AccountScope::All).await?,
        AccountScope::Only(_) => p.accounts.clone(),
    };
    Ok(accounts
        .into_iter()
        .map(|(id, name)| (id.into_string(), name))
        .collect())
}

fn with_cookies(mut res: Response, cookies: &[String]) -> Response {
    for cookie in cookies {
        if let Ok(v) = HeaderValue::from_str(cookie) {
            res.headers_mut().append(SET_COOKIE, v);
        }
    }
    res
}
