//! Passwords, API keys and logins: every lookup goes by the email's uniqueness key or a
//! secret's hash.

use super::super::StoreResult;
use super::super::backend::CredentialTx;
use crate::domain::settings::email_key;
use crate::domain::{Missing, Principal, Refusal, Timestamp};

pub async fn set_password<T: CredentialTx>(
    tx: &mut T,
    email: String,
    hash: String,
) -> StoreResult<()> {
    if tx.set_password(&email_key(&email), &hash).await? {
        Ok(())
    } else {
        Err(Refusal::NotFound(Missing::UserEmail(email.trim().to_owned())).into())
    }
}

pub async fn principal_by_api_key<T: CredentialTx>(
    tx: &mut T,
    hash: [u8; 32],
) -> StoreResult<Option<Principal>> {
    match tx.user_by_api_key(&hash).await? {
        Some(user) => tx.principal(&user).await,
        None => Ok(None),
    }
}

pub async fn principal_by_login<T: CredentialTx>(
    tx: &mut T,
    hash: [u8; 32],
    now: Timestamp,
) -> StoreResult<Option<Principal>> {
    match tx.user_by_login(&hash, now).await? {
        Some(user) => tx.principal(&user).await,
        None => Ok(None),
    }
}
