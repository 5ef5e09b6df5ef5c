//! Accounts, customers, users, endpoints, API keys and login sessions.

use super::super::{
    Account, ApiKey, Customer, Endpoint, NewEndpoint, NewUser, StoreError, StoreResult, User,
};
use super::sql::{internal, on_unique, scope_filter, where_clause};
use crate::domain::{
    AccountId, AccountScope, ApiKeyId, CustomerId, EndpointId, Principal, Role, Timestamp, UserId,
};
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};

/// Emails are unique regardless of case and surrounding spaces.
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

pub fn create_account(c: &Connection, name: &str, now: Timestamp) -> StoreResult<Account> {
    let id = AccountId::generate();
    c.prepare_cached("insert into accounts (id, name, created_at) values (?1, ?2, ?3)")
        .and_then(|mut s| s.execute(params![id.as_str(), name, now.millis()]))
        .map_err(internal)?;
    Ok(Account {
        id,
        name: name.to_owned(),
        created: now,
    })
}

pub(super) fn require_account(c: &Connection, id: &AccountId) -> StoreResult<()> {
    let found = c
        .query_row(
            "select 1 from accounts where id = ?1",
            [id.as_str()],
            |_| Ok(()),
        )
        .optional()
        .map_err(internal)?;
    found.ok_or_else(|| StoreError::NotFound(format!("account '{id}' does not exist")))
}

/// The customer, which must belong to `account`.
fn require_customer(c: &Connection, account: &AccountId, id: &CustomerId) -> StoreResult<()> {
    let found = c
        .query_row(
            "select 1 from customers where id = ?1 and account_id = ?2",
            [id.as_str(), account.as_str()],
            |_| Ok(()),
        )
        .optional()
        .map_err(internal)?;
    found.ok_or_else(|| {
        StoreError::NotFound(format!(
            "customer '{id}' does not exist in account '{account}'"
        ))
    })
}

pub fn create_customer(
    c: &Connection,
    account: &AccountId,
    parent: Option<&CustomerId>,
    name: &str,
) -> StoreResult<Customer> {
    require_account(c, account)?;
    if let Some(parent) = parent {
        require_customer(c, account, parent)?;
    }
    let id = CustomerId::generate();
    c.execute(
        "insert into customers (id, account_id, parent_id, name, created_at) values (?1, ?2, ?3, ?4, ?5)",
        params![
            id.as_str(),
            account.as_str(),
            parent.map(CustomerId::as_str),
            name,
            Timestamp::now().millis()
        ],
    )
    .map_err(internal)?;
    Ok(Customer {
        id,
        account_id: account.clone(),
        parent_id: parent.cloned(),
        name: name.to_owned(),
    })
}

pub fn create_user(c: &Connection, user: &NewUser) -> StoreResult<User> {
    for account in &user.accounts {
        require_account(c, account)?;
    }
    let id = UserId::generate();
    let email = user.email.trim();
    c.execute(
        "insert into users (id, email, email_key, first_name, last_name, password_hash, created_at)
         values (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            id.as_str(),
            email,
            email_key(email),
            user.first_name,
            user.last_name,
            user.password_hash,
            Timestamp::now().millis()
        ],
    )
    .map_err(on_unique(|| {
        format!("a user with email '{email}' already exists")
    }))?;
    for role in &user.roles {
        c.execute(
            "insert or ignore into user_roles (user_id, role) values (?1, ?2)",
            params![id.as_str(), role.as_str()],
        )
        .map_err(internal)?;
    }
    for account in &user.accounts {
        c.execute(
            "insert or ignore into user_accounts (user_id, account_id) values (?1, ?2)",
            params![id.as_str(), account.as_str()],
        )
        .map_err(internal)?;
    }
    Ok(User {
        id,
        email: email.to_owned(),
        first_name: user.first_name.clone(),
        last_name: user.last_name.clone(),
        roles: user.roles.clone(),
        accounts: user.accounts.clone(),
    })
}

pub fn set_password(c: &Connection, email: &str, hash: &str) -> StoreResult<()> {
    let changed = c
        .execute(
            "update users set password_hash = ?1 where email_key = ?2",
            params![hash, email_key(email)],
        )
        .map_err(internal)?;
    if changed == 0 {
        return Err(StoreError::NotFound(format!(
            "no user has email '{}'",
            email.trim()
        )));
    }
    Ok(())
}

pub fn create_endpoint(c: &Connection, e: &NewEndpoint) -> StoreResult<Endpoint> {
    require_account(c, &e.account_id)?;
    if let Some(customer) = &e.customer_id {
        require_customer(c, &e.account_id, customer)?;
    }
    let id = EndpointId::generate();
    c.execute(
        "insert into endpoints (id, account_id, customer_id, kind, phone_number, display_name, sms_enabled, created_at, mps)
         values (?1, ?2, ?3, 'PhoneNumber', ?4, ?5, 1, ?6, ?7)",
        params![
            id.as_str(),
            e.account_id.as_str(),
            e.customer_id.as_ref().map(CustomerId::as_str),
            e.number.as_str(),
            e.display_name,
            Timestamp::now().millis(),
            e.mps
        ],
    )
    .map_err(on_unique(|| {
        format!("the number {} is already an endpoint", e.number.as_str())
    }))?;
    Ok(Endpoint {
        id,
        account_id: e.account_id.clone(),
        customer_id: e.customer_id.clone(),
        number: e.number.as_str().to_owned(),
        display_name: e.display_name.clone(),
        mps: e.mps,
        help_text: None,
        sms_enabled: true,
    })
}

pub fn create_api_key(
    c: &Connection,
    user: &UserId,
    name: Option<&str>,
    hash: &[u8; 32],
) -> StoreResult<ApiKey> {
    let exists = c
        .query_row("select 1 from users where id = ?1", [user.as_str()], |_| {
            Ok(())
        })
        .optional()
        .map_err(internal)?;
    if exists.is_none() {
        return Err(StoreError::NotFound(format!(
            "user '{user}' does not exist"
        )));
    }
    let id = ApiKeyId::generate();
    let now = Timestamp::now();
    c.execute(
        "insert into api_keys (id, user_id, name, key_hash, created_at) values (?1, ?2, ?3, ?4, ?5)",
        params![id.as_str(), user.as_str(), name, &hash[..], now.millis()],
    )
    .map_err(internal)?;
    Ok(ApiKey {
        id,
        user_id: user.clone(),
        name: name.map(str::to_owned),
        created: now,
    })
}

pub fn password_hash(c: &Connection, email: &str) -> StoreResult<Option<(UserId, String)>> {
    c.prepare_cached("select id, password_hash from users where email_key = ?1")
        .and_then(|mut s| {
            s.query_row([email_key(email)], |r| {
                Ok((UserId::from_string(r.get::<_, String>(0)?), r.get(1)?))
            })
            .optional()
        })
        .map_err(internal)
}

pub fn principal(c: &Connection, user: &UserId) -> StoreResult<Option<Principal>> {
    let head = c
        .prepare_cached("select email, first_name, last_name from users where id = ?1")
        .and_then(|mut s| {
            s.query_row([user.as_str()], |r| {
                Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()
        })
        .map_err(internal)?;
    let Some((email, first_name, last_name)) = head else {
        return Ok(None);
    };
    let roles = c
        .prepare_cached("select role from user_roles where user_id = ?1 order by role")
        .and_then(|mut s| {
            s.query_map([user.as_str()], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(internal)?
        .iter()
        .filter_map(|r| Role::parse(r))
        .collect();
    let accounts = c
        .prepare_cached(
            "select a.id, a.name from user_accounts ua join accounts a on a.id = ua.account_id
             where ua.user_id = ?1 order by a.created_at, a.id",
        )
        .and_then(|mut s| {
            s.query_map([user.as_str()], |r| {
                Ok((AccountId::from_string(r.get::<_, String>(0)?), r.get(1)?))
            })?
            .collect::<Result<Vec<_>, _>>()
        })
        .map_err(internal)?;
    Ok(Some(Principal {
        user_id: user.clone(),
        email,
        first_name,
        last_name,
        roles,
        accounts,
    }))
}

pub fn principal_by_api_key(c: &Connection, hash: &[u8; 32]) -> StoreResult<Option<Principal>> {
    let user = c
        .prepare_cached("select user_id from api_keys where key_hash = ?1")
        .and_then(|mut s| {
            s.query_row([&hash[..]], |r| r.get::<_, String>(0))
                .optional()
        })
        .map_err(internal)?;
    match user {
        Some(id) => principal(c, &UserId::from_string(id)),
        None => Ok(None),
    }
}

pub fn create_login(
    c: &Connection,
    hash: &[u8; 32],
    user: &UserId,
    permanent: bool,
    expires: Timestamp,
) -> StoreResult<()> {
    c.execute(
        "insert into logins (token_hash, user_id, permanent, created_at, expires_at) values (?1, ?2, ?3, ?4, ?5)",
        params![&hash[..], user.as_str(), permanent, Timestamp::now().millis(), expires.millis()],
    )
    .map_err(internal)?;
    Ok(())
}

pub fn principal_by_login(
    c: &Connection,
    hash: &[u8; 32],
    now: Timestamp,
) -> StoreResult<Option<Principal>> {
    let user = c
        .prepare_cached("select user_id from logins where token_hash = ?1 and expires_at > ?2")
        .and_then(|mut s| {
            s.query_row(params![&hash[..], now.millis()], |r| r.get::<_, String>(0))
                .optional()
        })
        .map_err(internal)?;
    match user {
        Some(id) => principal(c, &UserId::from_string(id)),
        None => Ok(None),
    }
}

pub fn delete_login(c: &Connection, hash: &[u8; 32]) -> StoreResult<()> {
    c.execute("delete from logins where token_hash = ?1", [&hash[..]])
        .map_err(internal)?;
    Ok(())
}

pub fn accounts(c: &Connection, scope: &AccountScope) -> StoreResult<Vec<(AccountId, String)>> {
    let (mut conds, mut args) = (Vec::new(), Vec::new());
    scope_filter(scope, "id", &mut conds, &mut args);
    let sql = format!(
        "select id, name from accounts {} order by created_at, id",
        where_clause(&conds)
    );
    c.prepare(&sql)
        .and_then(|mut s| {
            s.query_map(params_from_iter(args), |r| {
                Ok((AccountId::from_string(r.get::<_, String>(0)?), r.get(1)?))
            })?
            .collect()
        })
        .map_err(internal)
}
