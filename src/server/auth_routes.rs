//! ServiceStack authentication: `Authenticate` on `/auth` and `/auth/{provider}` (credentials
//! login on POST, the current session on GET, `logout` as a provider) and Evo's `GetAuthStatus`
//! on `/auth/status` (R70, R74, R75).

use super::credentials::{current_login_token, login_tokens};
use super::operation::{Access, Call, Operation, Route, Verb};
use crate::domain::{AccountScope, Principal};
use crate::error::{Error, Result};
use crate::service::auth::{new_login_token, secret_hash};
use crate::wire::Reply;
use crate::wire::dto::defs;
use crate::wire::dto::{Authenticate, AuthenticateResponse, UserInfo};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderValue, Method};

/// Server-side lifetime of a login: RememberMe keeps it for 30 days, otherwise 12 hours.
const PERMANENT_LOGIN_MS: i64 = 30 * 24 * 3600 * 1000;
const TEMPORARY_LOGIN_MS: i64 = 12 * 3600 * 1000;
/// ServiceStack's permanent cookies last about 20 years.
const PERMANENT_COOKIE_SECS: i64 = 20 * 365 * 24 * 3600;

pub static AUTHENTICATE: Operation = Operation {
    request: &defs::AUTHENTICATE,
    response: Some(&defs::AUTHENTICATE_RESPONSE),
    routes: &[
        Route {
            path: "/auth",
            verbs: &[Verb::Get, Verb::Post],
        },
        Route {
            path: "/auth/{provider}",
            verbs: &[Verb::Get, Verb::Post],
        },
    ],
    changes_data: false,
    access: Access::Public,
    handler: |call| Box::pin(authenticate(call)),
};

pub static GET_AUTH_STATUS: Operation = Operation {
    request: &defs::GET_AUTH_STATUS,
    response: Some(&defs::USER_INFO),
    routes: &[Route {
        path: "/auth/status",
        verbs: &[Verb::Get],
    }],
    changes_data: false,
    access: Access::Public,
    handler: |call| Box::pin(status(call)),
};

async fn authenticate(call: Call) -> Result<Reply> {
    let req: Authenticate = call.bind()?;
    let provider = req.provider.as_deref().unwrap_or("credentials");
    if provider.eq_ignore_ascii_case("logout") {
        return logout(&call).await;
    }
    if call.method == Method::GET || call.method == Method::HEAD {
        let principal = call.principal()?;
        let token = current_login_token(&call.headers);
        return Ok(Reply::of(&AuthenticateResponse::for_principal(
            principal,
            token.as_deref(),
        )));
    }
    if !provider.eq_ignore_ascii_case("credentials") {
        return Err(Error::NotFound(format!(
            "No configuration was added for auth provider '{provider}'"
        )));
    }
    login(&call, &req).await
}

async fn login(call: &Call, req: &Authenticate) -> Result<Reply> {
    let (Some(user), Some(password)) = (req.user_name.as_deref(), req.password.as_deref()) else {
        return Err(Error::InvalidCredentials);
    };
    let state = &call.state;
    let principal = state
        .auth
        .password_login(user, password, call.client)
        .await?;
    let token = new_login_token()?;
    let ttl = if req.remember_me {
        PERMANENT_LOGIN_MS
    } else {
        TEMPORARY_LOGIN_MS
    };
    let expires = call.state.clock.now().plus_millis(ttl);
    state
        .store
        .create_login(
            secret_hash(&token),
            &principal.user_id,
            req.remember_me,
            expires,
        )
        .await?;
    let opt = if req.remember_me { "perm" } else { "temp" };
    let cookies = [
        format!("ss-id={token}; Path=/; HttpOnly; SameSite=Lax"),
        format!("ss-pid={token}; Path=/; Max-Age={PERMANENT_COOKIE_SECS}; HttpOnly; SameSite=Lax"),
        format!("ss-opt={opt}; Path=/; Max-Age={PERMANENT_COOKIE_SECS}; SameSite=Lax"),
    ];
    let reply = Reply::of(&AuthenticateResponse::for_principal(
        &principal,
        Some(&token),
    ));
    Ok(with_cookies(reply, &cookies))
}

async fn logout(call: &Call) -> Result<Reply> {
    for token in login_tokens(&call.headers) {
        call.state.store.delete_login(&secret_hash(&token)).await?;
    }
    let expired = ["ss-id", "ss-pid", "ss-opt"].map(|name| format!("{name}=; Path=/; Max-Age=0"));
    Ok(with_cookies(
        Reply::of(&AuthenticateResponse::default()),
        &expired,
    ))
}

async fn status(call: Call) -> Result<Reply> {
    let Some(principal) = call.caller.as_ref() else {
        return Ok(Reply::of(&UserInfo::default()));
    };
    let accounts = visible_accounts(&call, principal).await?;
    Ok(Reply::of(&UserInfo {
        principal: Some((**principal).clone()),
        accounts,
    }))
}

/// R75: a SystemAdministrator sees every account; others the ones granted to them.
async fn visible_accounts(call: &Call, p: &Principal) -> Result<Vec<(String, String)>> {
    let accounts = match p.scope() {
        AccountScope::All => call.state.store.accounts(&AccountScope::All).await?,
        AccountScope::Only(_) => p.accounts.clone(),
    };
    Ok(accounts
        .into_iter()
        .map(|(id, name)| (id.into_string(), name))
        .collect())
}

fn with_cookies(mut reply: Reply, cookies: &[String]) -> Reply {
    for cookie in cookies {
        if let Ok(v) = HeaderValue::from_str(cookie) {
            reply = reply.with_header(SET_COOKIE, v);
        }
    }
    reply
}
