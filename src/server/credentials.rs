//! Turning a request's credential into a `Principal`: HTTP Basic (email + password, or an API
//! key as the user name with an empty password), `Authorization: Bearer` (API key or login
//! token), and ServiceStack's `ss-id`/`ss-pid` cookies or `X-ss-id`/`X-ss-pid` headers (R70-R73).

use super::throttle::Throttle;
use crate::clock::SharedClock;
use crate::domain::Principal;
use crate::error::{Error, Result};
use crate::service::auth::{API_KEY_PREFIX, secret_hash, verify_password};
use crate::store::Store;
use axum::http::HeaderMap;
use axum::http::header::{AUTHORIZATION, COOKIE};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// How long a verified password or API key is trusted without asking the store again. Short, so
/// a password change or a revoked key (from any process) takes effect within it.
pub const CACHE_TTL: Duration = Duration::from_secs(5);
const CACHE_MAX: usize = 10_000;

/// A credential found on a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    Password {
        user: String,
        password: String,
    },
    ApiKey(String),
    /// A login token (cookie, `X-ss-*` header or Bearer); a stale one just means anonymous.
    Login(String),
}

/// Finds the credential on a request. `Err` means an `Authorization` header that cannot be read.
pub fn credential(headers: &HeaderMap) -> Result<Option<Credential>> {
    if let Some(value) = headers.get(AUTHORIZATION) {
        return authorization(value.to_str().map_err(|_| Error::InvalidCredentials)?).map(Some);
    }
    Ok(login_token(headers).map(Credential::Login))
}

fn authorization(value: &str) -> Result<Credential> {
    let (scheme, rest) = value
        .trim()
        .split_once(' ')
        .ok_or(Error::InvalidCredentials)?;
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        return Ok(if rest.starts_with(API_KEY_PREFIX) {
            Credential::ApiKey(rest.to_owned())
        } else {
            Credential::Login(rest.to_owned())
        });
    }
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(Error::InvalidCredentials);
    }
    let decoded = STANDARD
        .decode(rest)
        .map_err(|_| Error::InvalidCredentials)?;
    let decoded = String::from_utf8(decoded).map_err(|_| Error::InvalidCredentials)?;
    let (user, password) = decoded.split_once(':').ok_or(Error::InvalidCredentials)?;
    Ok(if password.is_empty() {
        Credential::ApiKey(user.to_owned())
    } else {
        Credential::Password {
            user: user.to_owned(),
            password: password.to_owned(),
        }
    })
}

/// The login token from `X-ss-*` headers or `ss-*` cookies; `ss-opt=perm` prefers `ss-pid` (R70).
pub fn login_token(headers: &HeaderMap) -> Option<String> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let cookies = cookie_map(headers);
    let pick = |name: &str| header(&format!("x-{name}")).or_else(|| cookies.get(name).cloned());
    let perm = pick("ss-opt").as_deref() == Some("perm");
    let (first, second) = if perm {
        ("ss-pid", "ss-id")
    } else {
        ("ss-id", "ss-pid")
    };
    pick(first)
        .or_else(|| pick(second))
        .filter(|t| !t.is_empty())
}

/// Every login token a request carries (Bearer, `X-ss-*` headers, `ss-*` cookies), so logout
/// can end each of them.
pub fn login_tokens(headers: &HeaderMap) -> Vec<String> {
    let mut tokens = Vec::new();
    if let Ok(Some(Credential::Login(t))) = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(authorization)
        .transpose()
    {
        tokens.push(t);
    }
    let cookies = cookie_map(headers);
    for name in ["ss-id", "ss-pid"] {
        let header = headers
            .get(format!("x-{name}"))
            .and_then(|v| v.to_str().ok());
        tokens.extend(header.map(str::to_owned));
        tokens.extend(cookies.get(name).cloned());
    }
    tokens.retain(|t| !t.is_empty());
    tokens.sort();
    tokens.dedup();
    tokens
}

/// The login token that authenticates this request, if a login token does.
pub fn current_login_token(headers: &HeaderMap) -> Option<String> {
    match credential(headers) {
        Ok(Some(Credential::Login(t))) => Some(t),
        _ => None,
    }
}

fn cookie_map(headers: &HeaderMap) -> HashMap<String, String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            Some((k.trim().to_owned(), v.trim().to_owned()))
        })
        .collect()
}

/// A verified principal and when it was verified.
type CacheEntry = (Arc<Principal>, Instant);

/// How long a password check may wait for a free core before the server says it is busy.
const VERIFY_QUEUE_WAIT: Duration = Duration::from_secs(5);

/// Resolves credentials against the store, with the short-lived cache and the throttle.
pub struct Authenticator {
    store: Arc<dyn Store>,
    clock: SharedClock,
    throttle: Throttle,
    cache: Mutex<HashMap<[u8; 32], CacheEntry>>,
    /// Argon2 costs ~19 MiB and tens of milliseconds per check: run at most one per core.
    verify_slots: Semaphore,
}

impl Authenticator {
    pub fn new(store: Arc<dyn Store>, clock: SharedClock) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        Self {
            store,
            clock,
            throttle: Throttle::default(),
            cache: Mutex::new(HashMap::new()),
            verify_slots: Semaphore::new(cores),
        }
    }

    /// The principal for a credential. Wrong passwords and unknown API keys are 401; a login
    /// token that is unknown or expired is `None` (anonymous).
    pub async fn principal(
        &self,
        credential: &Credential,
        client: Option<IpAddr>,
    ) -> Result<Option<Arc<Principal>>> {
        match credential {
            Credential::Password { user, password } => {
                self.password_login(user, password, client).await.map(Some)
            }
            Credential::ApiKey(key) => self.api_key(key).await.map(Some),
            Credential::Login(token) => Ok(self
                .store
                .principal_by_login(&secret_hash(token), self.clock.now())
                .await?
                .map(Arc::new)),
        }
    }

    /// Verifies an email and password, throttled per user name and per client address.
    pub async fn password_login(
        &self,
        user: &str,
        password: &str,
        client: Option<IpAddr>,
    ) -> Result<Arc<Principal>> {
        let user_key = format!("user:{}", user.trim().to_lowercase());
        let keys: Vec<String> = std::iter::once(user_key.clone())
            .chain(client.map(|ip| format!("ip:{ip}")))
            .collect();
        let attempt = self
            .throttle
            .begin(keys, Instant::now())
            .ok_or(Error::TooManyAttempts)?;
        let cache_key = secret_hash(&format!("{user_key}\0{password}"));
        if let Some(p) = self.cached(&cache_key) {
            return Ok(p);
        }
        let _slot = tokio::time::timeout(VERIFY_QUEUE_WAIT, self.verify_slots.acquire())
            .await
            .ok()
            .and_then(Result::ok)
            .ok_or_else(|| Error::Busy("Too many logins at once; try again shortly".to_owned()))?;
        let found = self.store.password_hash(user).await?;
        let (user_id, hash) = found.map_or((None, None), |(id, h)| (Some(id), Some(h)));
        let principal = match user_id {
            Some(id) if verify_password(hash, password).await => self.store.principal(&id).await?,
            Some(_) => None,
            None => {
                verify_password(None, password).await;
                None
            }
        };
        let Some(principal) = principal else {
            attempt.fail();
            return Err(Error::InvalidCredentials);
        };
        Ok(self.remember(cache_key, principal))
    }

    async fn api_key(&self, key: &str) -> Result<Arc<Principal>> {
        let hash = secret_hash(key);
        if let Some(p) = self.cached(&hash) {
            return Ok(p);
        }
        let principal = self
            .store
            .principal_by_api_key(&hash)
            .await?
            .ok_or(Error::InvalidCredentials)?;
        Ok(self.remember(hash, principal))
    }

    fn cached(&self, key: &[u8; 32]) -> Option<Arc<Principal>> {
        let cache = self.cache.lock().ok()?;
        let (principal, at) = cache.get(key)?;
        (at.elapsed() < CACHE_TTL).then(|| principal.clone())
    }

    fn remember(&self, key: [u8; 32], principal: Principal) -> Arc<Principal> {
        let principal = Arc::new(principal);
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() >= CACHE_MAX {
                cache.retain(|_, (_, at)| at.elapsed() < CACHE_TTL);
                if cache.len() >= CACHE_MAX {
                    cache.clear();
                }
            }
            cache.insert(key, (principal.clone(), Instant::now()));
        }
        principal
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn r72_basic_with_password_and_r73_api_key_as_user_name() {
        let basic = |s: &str| format!("Basic {}", STANDARD.encode(s));
        assert_eq!(
            credential(&headers(&[("authorization", &basic("a@b.c:pw:x"))])).unwrap(),
            Some(Credential::Password {
                user: "a@b.c".into(),
                password: "pw:x".into()
            })
        );
        assert_eq!(
            credential(&headers(&[("authorization", &basic("evo_k:"))])).unwrap(),
            Some(Credential::ApiKey("evo_k".into()))
        );
        assert_eq!(
            credential(&headers(&[("authorization", "Bearer evo_k")])).unwrap(),
            Some(Credential::ApiKey("evo_k".into()))
        );
        assert_eq!(
            credential(&headers(&[("authorization", "Bearer tok")])).unwrap(),
            Some(Credential::Login("tok".into()))
        );
        assert!(credential(&headers(&[("authorization", "Digest x")])).is_err());
        assert!(credential(&headers(&[("authorization", "Basic !!!")])).is_err());
    }

    #[test]
    fn r70_r71_cookies_and_headers_pick_the_session_key() {
        let h = headers(&[("cookie", "ss-id=temp; ss-pid=perm; ss-opt=perm")]);
        assert_eq!(login_token(&h), Some("perm".into()));
        let h = headers(&[("cookie", "ss-id=temp; ss-pid=perm; ss-opt=temp")]);
        assert_eq!(login_token(&h), Some("temp".into()));
        let h = headers(&[("x-ss-id", "hdr"), ("cookie", "ss-id=c")]);
        assert_eq!(login_token(&h), Some("hdr".into()));
        assert_eq!(login_token(&HeaderMap::new()), None);
    }
}
