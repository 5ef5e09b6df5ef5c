//! Creating accounts and what lives in them.

use super::super::StoreResult;
use super::super::backend::TenancyTx;
use super::super::queries::{NewEndpoint, NewUser};
use super::scope::scoped_endpoint;
use crate::domain::settings::email_key;
use crate::domain::{
    Account, AccountId, AccountScope, ApiKey, ApiKeyId, Customer, CustomerId, Endpoint,
    EndpointChanges, EndpointId, EndpointKind, Missing, Refusal, Timestamp, User, UserId,
};

pub async fn create_account<T: TenancyTx>(
    tx: &mut T,
    name: String,
    now: Timestamp,
) -> StoreResult<Account> {
    let account = Account {
        id: AccountId::generate(),
        name,
        created: now,
    };
    tx.insert_account(&account).await?;
    Ok(account)
}

async fn require_account<T: TenancyTx>(tx: &mut T, id: &AccountId) -> StoreResult<()> {
    if tx.account_exists(id).await? {
        Ok(())
    } else {
        Err(Refusal::NotFound(Missing::Account(id.clone())).into())
    }
}

/// The customer, which must belong to `account`.
async fn require_customer<T: TenancyTx>(
    tx: &mut T,
    account: &AccountId,
    id: &CustomerId,
) -> StoreResult<()> {
    if tx.customer_exists(id, account).await? {
        Ok(())
    } else {
        Err(Refusal::NotFound(Missing::Customer {
            id: id.clone(),
            account: account.clone(),
        })
        .into())
    }
}

pub async fn create_customer<T: TenancyTx>(
    tx: &mut T,
    account: AccountId,
    parent: Option<CustomerId>,
    name: String,
    now: Timestamp,
) -> StoreResult<Customer> {
    require_account(tx, &account).await?;
    if let Some(parent) = &parent {
        require_customer(tx, &account, parent).await?;
    }
    let customer = Customer {
        id: CustomerId::generate(),
        account_id: account,
        parent_id: parent,
        name,
    };
    tx.insert_customer(&customer, now).await?;
    Ok(customer)
}

pub async fn create_user<T: TenancyTx>(
    tx: &mut T,
    new: NewUser,
    now: Timestamp,
) -> StoreResult<User> {
    for account in &new.accounts {
        require_account(tx, account).await?;
    }
    let email = new.email.trim().to_owned();
    let user = User {
        id: UserId::generate(),
        email: email.clone(),
        first_name: new.first_name,
        last_name: new.last_name,
        roles: new.roles,
        accounts: new.accounts,
    };
    if !tx
        .insert_user(&user, &email_key(&email), &new.password_hash, now)
        .await?
    {
        return Err(Refusal::EmailTaken(email).into());
    }
    Ok(user)
}

pub async fn create_endpoint<T: TenancyTx>(
    tx: &mut T,
    new: NewEndpoint,
    now: Timestamp,
) -> StoreResult<Endpoint> {
    require_account(tx, &new.account_id).await?;
    if let Some(customer) = &new.customer_id {
        require_customer(tx, &new.account_id, customer).await?;
    }
    let endpoint = Endpoint {
        id: EndpointId::generate(),
        account_id: new.account_id,
        customer_id: new.customer_id,
        kind: EndpointKind::PhoneNumber,
        number: new.number.as_str().to_owned(),
        display_name: new.display_name,
        mps: new.mps,
        help_text: None,
        sms_enabled: true,
    };
    if !tx.insert_endpoint(&endpoint, now).await? {
        return Err(Refusal::NumberTaken(endpoint.number).into());
    }
    Ok(endpoint)
}

pub async fn update_endpoint<T: TenancyTx>(
    tx: &mut T,
    scope: AccountScope,
    id: EndpointId,
    changes: EndpointChanges,
) -> StoreResult<Endpoint> {
    scoped_endpoint(tx, &scope, &id).await?;
    tx.update_endpoint(&id, &changes).await?;
    scoped_endpoint(tx, &scope, &id).await
}

pub async fn create_api_key<T: TenancyTx>(
    tx: &mut T,
    user: UserId,
    name: Option<String>,
    key_hash: [u8; 32],
    now: Timestamp,
) -> StoreResult<ApiKey> {
    if !tx.user_exists(&user).await? {
        return Err(Refusal::NotFound(Missing::User(user)).into());
    }
    let key = ApiKey {
        id: ApiKeyId::generate(),
        user_id: user,
        name,
        created: now,
    };
    tx.insert_api_key(&key, &key_hash).await?;
    Ok(key)
}
