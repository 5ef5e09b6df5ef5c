//! Accounts, customers, users, endpoints, API keys, logins and carrier credentials.

use super::super::StoreResult;
use super::super::backend::{CarrierTx, CredentialTx, TenancyTx};
use super::rows::{ENDPOINT_COLUMNS, endpoint};
use super::sql::{Filter, internal, parse};
use crate::domain::{
    Account, AccountId, AccountScope, ApiKey, Customer, CustomerId, Endpoint, EndpointChanges,
    EndpointId, Principal, Role, Timestamp, User, UserId,
};
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};

fn exists(c: &Connection, sql: &str, args: &[&dyn rusqlite::ToSql]) -> StoreResult<bool> {
    c.prepare_cached(sql)
        .and_then(|mut s| s.query_row(args, |_| Ok(())).optional())
        .map(|found| found.is_some())
        .map_err(internal)
}

impl TenancyTx for Connection {
    async fn insert_account(&mut self, a: &Account) -> StoreResult<()> {
        self.prepare_cached("insert into accounts (id, name, created_at) values (?1, ?2, ?3)")
            .and_then(|mut s| s.execute(params![a.id.as_str(), a.name, a.created.millis()]))
            .map(drop)
            .map_err(internal)
    }

    async fn account_exists(&mut self, id: &AccountId) -> StoreResult<bool> {
        exists(
            self,
            "select 1 from accounts where id = ?1",
            &[&id.as_str()],
        )
    }

    async fn customer_exists(&mut self, id: &CustomerId, account: &AccountId) -> StoreResult<bool> {
        exists(
            self,
            "select 1 from customers where id = ?1 and account_id = ?2",
            &[&id.as_str(), &account.as_str()],
        )
    }

    async fn insert_customer(&mut self, c: &Customer, at: Timestamp) -> StoreResult<()> {
        self.execute(
            "insert into customers (id, account_id, parent_id, name, created_at) values (?1, ?2, ?3, ?4, ?5)",
            params![
                c.id.as_str(),
                c.account_id.as_str(),
                c.parent_id.as_ref().map(CustomerId::as_str),
                c.name,
                at.millis()
            ],
        )
        .map(drop)
        .map_err(internal)
    }

    async fn insert_user(
        &mut self,
        u: &User,
        email_key: &str,
        password_hash: &str,
        at: Timestamp,
    ) -> StoreResult<bool> {
        let inserted = self
            .execute(
                "insert into users (id, email, email_key, first_name, last_name, password_hash, created_at)
                 values (?1, ?2, ?3, ?4, ?5, ?6, ?7) on conflict (email_key) do nothing",
                params![
                    u.id.as_str(),
                    u.email,
                    email_key,
                    u.first_name,
                    u.last_name,
                    password_hash,
                    at.millis()
                ],
            )
            .map_err(internal)?;
        if inserted == 0 {
            return Ok(false);
        }
        for role in &u.roles {
            self.execute(
                "insert into user_roles (user_id, role) values (?1, ?2) on conflict do nothing",
                params![u.id.as_str(), role.as_str()],
            )
            .map_err(internal)?;
        }
        for account in &u.accounts {
            self.execute(
                "insert into user_accounts (user_id, account_id) values (?1, ?2) on conflict do nothing",
                params![u.id.as_str(), account.as_str()],
            )
            .map_err(internal)?;
        }
        Ok(true)
    }

    async fn user_exists(&mut self, id: &UserId) -> StoreResult<bool> {
        exists(self, "select 1 from users where id = ?1", &[&id.as_str()])
    }

    async fn insert_api_key(&mut self, k: &ApiKey, key_hash: &[u8; 32]) -> StoreResult<()> {
        self.execute(
            "insert into api_keys (id, user_id, name, key_hash, created_at) values (?1, ?2, ?3, ?4, ?5)",
            params![
                k.id.as_str(),
                k.user_id.as_str(),
                k.name,
                &key_hash[..],
                k.created.millis()
            ],
        )
        .map(drop)
        .map_err(internal)
    }

    async fn insert_endpoint(&mut self, e: &Endpoint, at: Timestamp) -> StoreResult<bool> {
        self.execute(
            "insert into endpoints (id, account_id, customer_id, kind, phone_number, display_name,
                                    sms_enabled, created_at, mps, help_text)
             values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) on conflict (phone_number) do nothing",
            params![
                e.id.as_str(),
                e.account_id.as_str(),
                e.customer_id.as_ref().map(CustomerId::as_str),
                e.kind.as_str(),
                e.number,
                e.display_name,
                e.sms_enabled,
                at.millis(),
                e.mps,
                e.help_text
            ],
        )
        .map(|n| n > 0)
        .map_err(internal)
    }

    async fn endpoint(
        &mut self,
        scope: &AccountScope,
        id: &EndpointId,
    ) -> StoreResult<Option<Endpoint>> {
        let mut f = Filter::default();
        f.with("e.id = ?", id.as_str().to_owned())
            .scope(scope, "e.account_id");
        let sql = format!("select {ENDPOINT_COLUMNS} from endpoints e {}", f.clause());
        self.prepare_cached(&sql)
            .and_then(|mut s| s.query_row(params_from_iter(&f.args), endpoint).optional())
            .map_err(internal)
    }

    async fn update_endpoint(&mut self, id: &EndpointId, ch: &EndpointChanges) -> StoreResult<()> {
        self.execute(
            "update endpoints set mps = coalesce(?2, mps), help_text = coalesce(?3, help_text),
             sms_enabled = coalesce(?4, sms_enabled) where id = ?1",
            params![id.as_str(), ch.mps, ch.help_text, ch.sms_enabled],
        )
        .map(drop)
        .map_err(internal)
    }

    async fn accounts(&mut self, scope: &AccountScope) -> StoreResult<Vec<(AccountId, String)>> {
        let mut f = Filter::default();
        f.scope(scope, "id");
        let sql = format!(
            "select id, name from accounts {} order by created_at, id",
            f.clause()
        );
        self.prepare_cached(&sql)
            .and_then(|mut s| {
                s.query_map(params_from_iter(&f.args), |r| {
                    Ok((AccountId::from_string(r.get::<_, String>(0)?), r.get(1)?))
                })?
                .collect()
            })
            .map_err(internal)
    }
}

impl CredentialTx for Connection {
    async fn set_password(&mut self, email_key: &str, hash: &str) -> StoreResult<bool> {
        self.execute(
            "update users set password_hash = ?1 where email_key = ?2",
            params![hash, email_key],
        )
        .map(|n| n > 0)
        .map_err(internal)
    }

    async fn password_hash(&mut self, email_key: &str) -> StoreResult<Option<(UserId, String)>> {
        self.prepare_cached("select id, password_hash from users where email_key = ?1")
            .and_then(|mut s| {
                s.query_row([email_key], |r| {
                    Ok((UserId::from_string(r.get::<_, String>(0)?), r.get(1)?))
                })
                .optional()
            })
            .map_err(internal)
    }

    async fn principal(&mut self, user: &UserId) -> StoreResult<Option<Principal>> {
        let head = self
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
        let roles = self
            .prepare_cached("select role from user_roles where user_id = ?1 order by role")
            .and_then(|mut s| {
                s.query_map([user.as_str()], |r| {
                    parse(0, "role", r.get::<_, String>(0)?, Role::parse)
                })?
                .collect::<Result<Vec<_>, _>>()
            })
            .map_err(internal)?;
        let accounts = self
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

    async fn user_by_api_key(&mut self, key_hash: &[u8; 32]) -> StoreResult<Option<UserId>> {
        self.prepare_cached("select user_id from api_keys where key_hash = ?1")
            .and_then(|mut s| {
                s.query_row([&key_hash[..]], |r| r.get::<_, String>(0))
                    .optional()
            })
            .map(|found| found.map(UserId::from_string))
            .map_err(internal)
    }

    async fn insert_login(
        &mut self,
        token_hash: &[u8; 32],
        user: &UserId,
        permanent: bool,
        at: Timestamp,
        expires: Timestamp,
    ) -> StoreResult<()> {
        self.execute(
            "insert into logins (token_hash, user_id, permanent, created_at, expires_at) values (?1, ?2, ?3, ?4, ?5)",
            params![&token_hash[..], user.as_str(), permanent, at.millis(), expires.millis()],
        )
        .map(drop)
        .map_err(internal)
    }

    async fn user_by_login(
        &mut self,
        token_hash: &[u8; 32],
        now: Timestamp,
    ) -> StoreResult<Option<UserId>> {
        self.prepare_cached("select user_id from logins where token_hash = ?1 and expires_at > ?2")
            .and_then(|mut s| {
                s.query_row(params![&token_hash[..], now.millis()], |r| {
                    r.get::<_, String>(0)
                })
                .optional()
            })
            .map(|found| found.map(UserId::from_string))
            .map_err(internal)
    }

    async fn delete_login(&mut self, token_hash: &[u8; 32]) -> StoreResult<()> {
        self.execute(
            "delete from logins where token_hash = ?1",
            [&token_hash[..]],
        )
        .map(drop)
        .map_err(internal)
    }
}

impl CarrierTx for Connection {
    async fn set_account_carrier(
        &mut self,
        account: &AccountId,
        sid: &str,
        token: &str,
    ) -> StoreResult<bool> {
        self.execute(
            "update accounts set twilio_account_sid = ?2, twilio_auth_token = ?3 where id = ?1",
            params![account.as_str(), sid, token],
        )
        .map(|n| n > 0)
        .map_err(internal)
    }

    async fn carrier_token(&mut self, account_sid: &str) -> StoreResult<Option<String>> {
        self.prepare_cached(
            "select twilio_auth_token from accounts where twilio_account_sid = ?1 limit 1",
        )
        .and_then(|mut s| s.query_row([account_sid], |r| r.get(0)).optional())
        .map(Option::flatten)
        .map_err(internal)
    }
}
