//! Accounts, customers, users, endpoints, API keys, logins and carrier credentials.

use super::super::StoreResult;
use super::super::backend::{CarrierTx, CredentialTx, TenancyTx};
use super::PgConn;
use super::conn::Arg;
use super::rows::{ENDPOINT_COLUMNS, endpoint};
use super::sql::{Filter, get, parsed};
use crate::domain::{
    Account, AccountId, AccountScope, ApiKey, Customer, CustomerId, Endpoint, EndpointChanges,
    EndpointId, Principal, Role, Timestamp, User, UserId,
};

/// Whether the query finds a row.
async fn exists(c: &PgConn, sql: &str, args: &[Arg<'_>]) -> StoreResult<bool> {
    c.query_opt(sql, args).await.map(|found| found.is_some())
}

/// `(id, name)` pairs of accounts.
fn account_names(rows: &[tokio_postgres::Row]) -> StoreResult<Vec<(AccountId, String)>> {
    rows.iter()
        .map(|r| Ok((AccountId::from_string(get::<String>(r, 0)?), get(r, 1)?)))
        .collect()
}

impl TenancyTx for PgConn {
    async fn insert_account(&mut self, a: &Account) -> StoreResult<()> {
        self.execute(
            "insert into accounts (id, name, created_at) values ($1, $2, $3)",
            &[&a.id.as_str(), &a.name, &a.created.millis()],
        )
        .await
        .map(drop)
    }

    async fn account_exists(&mut self, id: &AccountId) -> StoreResult<bool> {
        exists(
            self,
            "select 1 from accounts where id = $1",
            &[&id.as_str()],
        )
        .await
    }

    async fn customer_exists(&mut self, id: &CustomerId, account: &AccountId) -> StoreResult<bool> {
        exists(
            self,
            "select 1 from customers where id = $1 and account_id = $2",
            &[&id.as_str(), &account.as_str()],
        )
        .await
    }

    async fn insert_customer(&mut self, c: &Customer, at: Timestamp) -> StoreResult<()> {
        self.execute(
            "insert into customers (id, account_id, parent_id, name, created_at)
             values ($1, $2, $3, $4, $5)",
            &[
                &c.id.as_str(),
                &c.account_id.as_str(),
                &c.parent_id.as_ref().map(CustomerId::as_str),
                &c.name,
                &at.millis(),
            ],
        )
        .await
        .map(drop)
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
                 values ($1, $2, $3, $4, $5, $6, $7) on conflict (email_key) do nothing",
                &[
                    &u.id.as_str(),
                    &u.email,
                    &email_key,
                    &u.first_name,
                    &u.last_name,
                    &password_hash,
                    &at.millis(),
                ],
            )
            .await?;
        if inserted == 0 {
            return Ok(false);
        }
        for role in &u.roles {
            self.execute(
                "insert into user_roles (user_id, role) values ($1, $2) on conflict do nothing",
                &[&u.id.as_str(), &role.as_str()],
            )
            .await?;
        }
        for account in &u.accounts {
            self.execute(
                "insert into user_accounts (user_id, account_id) values ($1, $2)
                 on conflict do nothing",
                &[&u.id.as_str(), &account.as_str()],
            )
            .await?;
        }
        Ok(true)
    }

    async fn user_exists(&mut self, id: &UserId) -> StoreResult<bool> {
        exists(self, "select 1 from users where id = $1", &[&id.as_str()]).await
    }

    async fn insert_api_key(&mut self, k: &ApiKey, key_hash: &[u8; 32]) -> StoreResult<()> {
        let hash: &[u8] = key_hash;
        self.execute(
            "insert into api_keys (id, user_id, name, key_hash, created_at)
             values ($1, $2, $3, $4, $5)",
            &[
                &k.id.as_str(),
                &k.user_id.as_str(),
                &k.name,
                &hash,
                &k.created.millis(),
            ],
        )
        .await
        .map(drop)
    }

    async fn insert_endpoint(&mut self, e: &Endpoint, at: Timestamp) -> StoreResult<bool> {
        self.execute(
            "insert into endpoints (id, account_id, customer_id, kind, phone_number, display_name,
                                    sms_enabled, created_at, mps, help_text)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) on conflict (phone_number) do nothing",
            &[
                &e.id.as_str(),
                &e.account_id.as_str(),
                &e.customer_id.as_ref().map(CustomerId::as_str),
                &e.kind.as_str(),
                &e.number,
                &e.display_name,
                &e.sms_enabled,
                &at.millis(),
                &e.mps,
                &e.help_text,
            ],
        )
        .await
        .map(|n| n > 0)
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
        match self.query_opt(&sql, &f.refs()).await? {
            Some(row) => endpoint(&row).map(Some),
            None => Ok(None),
        }
    }

    async fn update_endpoint(&mut self, id: &EndpointId, ch: &EndpointChanges) -> StoreResult<()> {
        self.execute(
            "update endpoints set mps = coalesce($2, mps), help_text = coalesce($3, help_text),
             sms_enabled = coalesce($4, sms_enabled) where id = $1",
            &[&id.as_str(), &ch.mps, &ch.help_text, &ch.sms_enabled],
        )
        .await
        .map(drop)
    }

    async fn accounts(&mut self, scope: &AccountScope) -> StoreResult<Vec<(AccountId, String)>> {
        let mut f = Filter::default();
        f.scope(scope, "id");
        let sql = format!(
            "select id, name from accounts {} order by created_at, id",
            f.clause()
        );
        account_names(&self.query(&sql, &f.refs()).await?)
    }
}

impl CredentialTx for PgConn {
    async fn set_password(&mut self, email_key: &str, hash: &str) -> StoreResult<bool> {
        self.execute(
            "update users set password_hash = $1 where email_key = $2",
            &[&hash, &email_key],
        )
        .await
        .map(|n| n > 0)
    }

    async fn password_hash(&mut self, email_key: &str) -> StoreResult<Option<(UserId, String)>> {
        let row = self
            .query_opt(
                "select id, password_hash from users where email_key = $1",
                &[&email_key],
            )
            .await?;
        row.map(|r| Ok((UserId::from_string(get::<String>(&r, 0)?), get(&r, 1)?)))
            .transpose()
    }

    async fn principal(&mut self, user: &UserId) -> StoreResult<Option<Principal>> {
        let Some(head) = self
            .query_opt(
                "select email, first_name, last_name from users where id = $1",
                &[&user.as_str()],
            )
            .await?
        else {
            return Ok(None);
        };
        let roles = self
            .query(
                "select role from user_roles where user_id = $1 order by role",
                &[&user.as_str()],
            )
            .await?
            .iter()
            .map(|r| parsed(r, 0, "role", Role::parse))
            .collect::<StoreResult<Vec<_>>>()?;
        let accounts = account_names(
            &self
                .query(
                    "select a.id, a.name from user_accounts ua join accounts a on a.id = ua.account_id
                     where ua.user_id = $1 order by a.created_at, a.id",
                    &[&user.as_str()],
                )
                .await?,
        )?;
        Ok(Some(Principal {
            user_id: user.clone(),
            email: get(&head, 0)?,
            first_name: get(&head, 1)?,
            last_name: get(&head, 2)?,
            roles,
            accounts,
        }))
    }

    async fn user_by_api_key(&mut self, key_hash: &[u8; 32]) -> StoreResult<Option<UserId>> {
        let hash: &[u8] = key_hash;
        let row = self
            .query_opt("select user_id from api_keys where key_hash = $1", &[&hash])
            .await?;
        row.map(|r| get::<String>(&r, 0).map(UserId::from_string))
            .transpose()
    }

    async fn insert_login(
        &mut self,
        token_hash: &[u8; 32],
        user: &UserId,
        permanent: bool,
        at: Timestamp,
        expires: Timestamp,
    ) -> StoreResult<()> {
        let hash: &[u8] = token_hash;
        self.execute(
            "insert into logins (token_hash, user_id, permanent, created_at, expires_at)
             values ($1, $2, $3, $4, $5)",
            &[
                &hash,
                &user.as_str(),
                &permanent,
                &at.millis(),
                &expires.millis(),
            ],
        )
        .await
        .map(drop)
    }

    async fn user_by_login(
        &mut self,
        token_hash: &[u8; 32],
        now: Timestamp,
    ) -> StoreResult<Option<UserId>> {
        let hash: &[u8] = token_hash;
        let row = self
            .query_opt(
                "select user_id from logins where token_hash = $1 and expires_at > $2",
                &[&hash, &now.millis()],
            )
            .await?;
        row.map(|r| get::<String>(&r, 0).map(UserId::from_string))
            .transpose()
    }

    async fn delete_login(&mut self, token_hash: &[u8; 32]) -> StoreResult<()> {
        let hash: &[u8] = token_hash;
        self.execute("delete from logins where token_hash = $1", &[&hash])
            .await
            .map(drop)
    }
}

impl CarrierTx for PgConn {
    async fn set_account_carrier(
        &mut self,
        account: &AccountId,
        sid: &str,
        token: &str,
    ) -> StoreResult<bool> {
        self.execute(
            "update accounts set twilio_account_sid = $2, twilio_auth_token = $3 where id = $1",
            &[&account.as_str(), &sid, &token],
        )
        .await
        .map(|n| n > 0)
    }

    async fn carrier_token(&mut self, account_sid: &str) -> StoreResult<Option<String>> {
        let row = self
            .query_opt(
                "select twilio_auth_token from accounts where twilio_account_sid = $1 limit 1",
                &[&account_sid],
            )
            .await?;
        Ok(row
            .map(|r| get::<Option<String>>(&r, 0))
            .transpose()?
            .flatten())
    }
}
