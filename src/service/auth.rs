//! Credentials: argon2id passwords (hashed off the async runtime), random API keys and login
//! tokens stored only as SHA-256 hashes.

use crate::error::{Error, Result};
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

/// API keys carry this prefix so a Bearer value can be told apart from a login token.
pub const API_KEY_PREFIX: &str = "evo_";

/// Hash of a password nobody has, so a login for an unknown user costs as much as a real one.
static DUMMY_HASH: LazyLock<Option<String>> = LazyLock::new(|| {
    Argon2::default()
        .hash_password(b"evo-dummy-password-for-timing")
        .ok()
        .map(|h| h.to_string())
});

pub async fn hash_password(password: &str) -> Result<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| Error::Internal(anyhow::anyhow!("password hashing failed: {e}")))
    })
    .await
    .map_err(|e| Error::Internal(e.into()))?
}

/// Checks `password` against `hash`; with no hash (unknown user) it checks a dummy one and fails.
pub async fn verify_password(hash: Option<String>, password: &str) -> bool {
    let password = password.to_owned();
    let known = hash.is_some();
    tokio::task::spawn_blocking(move || {
        let Some(phc) = hash.or_else(|| DUMMY_HASH.clone()) else {
            return false;
        };
        let ok = PasswordHash::new(&phc)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false);
        ok && known
    })
    .await
    .unwrap_or(false)
}

/// 32 random bytes, URL-safe base64.
fn random_token() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::Internal(anyhow::anyhow!("no randomness: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

pub fn new_api_key() -> Result<String> {
    Ok(format!("{API_KEY_PREFIX}{}", random_token()?))
}

pub fn new_login_token() -> Result<String> {
    random_token()
}

pub fn secret_hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passwords_verify_only_with_the_right_secret() {
        let hash = hash_password("correct horse").await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password(Some(hash.clone()), "correct horse").await);
        assert!(!verify_password(Some(hash), "wrong").await);
        assert!(!verify_password(None, "correct horse").await);
    }

    #[test]
    fn keys_are_prefixed_random_and_hashed() {
        let a = new_api_key().unwrap();
        let b = new_api_key().unwrap();
        assert!(a.starts_with(API_KEY_PREFIX));
        assert_ne!(a, b);
        assert_eq!(a.len(), API_KEY_PREFIX.len() + 43);
        assert_ne!(secret_hash(&a), secret_hash(&b));
    }
}
