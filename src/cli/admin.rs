//! `evo admin …`: tenant set-up against the same data directory, with or without a running
//! server. Each create prints the new id alone (or the object with --json); bad input exits
//! non-zero with one line on stderr and writes nothing.

use super::admin_endpoint::{self, EndpointCommand, OptOutCommand};
use super::output::{Output, flag, told};
use crate::clock;
use crate::domain::settings::{
    EmailAddress, Name, check_carrier_token, check_password, check_person_name,
};
use crate::domain::{AccountId, CustomerId, Role, UserId};
use crate::service::auth::{hash_password, new_api_key, secret_hash};
use crate::store::{self, NewUser, Store};
use clap::{Subcommand, ValueEnum};
use serde_json::json;
use std::path::Path;

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Accounts (tenants).
    Account {
        #[command(subcommand)]
        command: AccountCommand,
    },
    /// Customers inside an account.
    Customer {
        #[command(subcommand)]
        command: CustomerCommand,
    },
    /// Users who call the API.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Phone-number endpoints that send and receive SMS.
    Endpoint {
        #[command(subcommand)]
        command: EndpointCommand,
    },
    /// Addresses that may not be sent SMS from an endpoint (they texted STOP).
    Optout {
        #[command(subcommand)]
        command: OptOutCommand,
    },
    /// API keys for users.
    Apikey {
        #[command(subcommand)]
        command: ApiKeyCommand,
    },
    /// Copy every record of this store (SQLite under --data-dir, or --database-url) into an
    /// empty PostgreSQL database, then print the rows copied per table. The source is only
    /// read; a target that is not empty is refused and left untouched. Stop evo first.
    CopyStore {
        /// The target: a blank PostgreSQL database (postgres://…); copy-store creates the schema.
        #[arg(long, value_name = "URL")]
        to: String,
        #[command(flatten)]
        out: Output,
    },
}

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Create an account; prints its id.
    Create {
        #[arg(long)]
        name: String,
        #[command(flatten)]
        out: Output,
    },
    /// Give the account its own Twilio credentials (overriding the server-wide ones).
    SetCarrier {
        #[arg(long)]
        account: String,
        #[arg(long)]
        twilio_account_sid: String,
        /// Kept in the database to call Twilio; never printed or logged.
        #[arg(long)]
        twilio_auth_token: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum CustomerCommand {
    /// Create a customer; prints its id.
    Create {
        #[arg(long)]
        account: String,
        #[arg(long)]
        name: String,
        /// Parent customer (same account).
        #[arg(long)]
        parent: Option<String>,
        #[command(flatten)]
        out: Output,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
#[value(rename_all = "PascalCase")]
pub enum RoleArg {
    SystemAdministrator,
    Manager,
    Customer,
    User,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Self {
        match r {
            RoleArg::SystemAdministrator => Role::SystemAdministrator,
            RoleArg::Manager => Role::Manager,
            RoleArg::Customer => Role::Customer,
            RoleArg::User => Role::User,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user; prints its id.
    Create {
        /// Account the user belongs to (repeat for several).
        #[arg(long = "account", required = true)]
        accounts: Vec<String>,
        /// Login name; unique across the whole server.
        #[arg(long)]
        email: String,
        #[arg(long)]
        password: String,
        /// Role (repeat for several).
        #[arg(long = "role", value_enum, required = true)]
        roles: Vec<RoleArg>,
        #[arg(long)]
        first_name: Option<String>,
        #[arg(long)]
        last_name: Option<String>,
        #[command(flatten)]
        out: Output,
    },
    /// Replace a user's password.
    SetPassword {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ApiKeyCommand {
    /// Create an API key; prints the key once (only its hash is kept).
    Create {
        #[arg(long)]
        user: String,
        /// A label to recognise the key by.
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        out: Output,
    },
}

pub async fn run(
    cmd: AdminCommand,
    data_dir: &Path,
    database_url: Option<&str>,
) -> anyhow::Result<()> {
    if let AdminCommand::CopyStore { to, out } = &cmd {
        return copy_store(database_url, data_dir, to, out).await;
    }
    validate(&cmd)?;
    let store = store::open(database_url, data_dir, clock::system()).await?;
    // A store refusal is told in the API's words, not the store's.
    let result = execute(cmd, store.as_ref())
        .await
        .map_err(|e| e.downcast::<store::StoreError>().map_or_else(|e| e, told));
    store.shutdown().await;
    let (json, plain) = result?;
    let out = json.unwrap_or(plain);
    // An empty list prints nothing rather than an empty line.
    if !out.is_empty() {
        println!("{out}");
    }
    Ok(())
}

/// Input checks that need no store, so bad input never opens (or creates) anything. The
/// rules are the domain's (`domain::settings`), shared with every other way in.
fn validate(cmd: &AdminCommand) -> anyhow::Result<()> {
    match cmd {
        AdminCommand::Account {
            command: AccountCommand::Create { name, .. },
        }
        | AdminCommand::Customer {
            command: CustomerCommand::Create { name, .. },
        } => flag("--name", Name::parse(name)).map(drop),
        AdminCommand::User {
            command:
                UserCommand::Create {
                    email,
                    password,
                    first_name,
                    last_name,
                    ..
                },
        } => {
            flag("--email", EmailAddress::parse(email))?;
            flag(
                "--first-name",
                check_person_name(first_name.as_deref().unwrap_or("")),
            )?;
            flag(
                "--last-name",
                check_person_name(last_name.as_deref().unwrap_or("")),
            )?;
            flag("--password", check_password(password))
        }
        AdminCommand::User {
            command: UserCommand::SetPassword { email, password },
        } => {
            flag("--email", EmailAddress::parse(email))?;
            flag("--password", check_password(password))
        }
        AdminCommand::Account {
            command:
                AccountCommand::SetCarrier {
                    twilio_account_sid,
                    twilio_auth_token,
                    ..
                },
        } => {
            flag(
                "--twilio-account-sid",
                check_carrier_token(twilio_account_sid),
            )?;
            flag(
                "--twilio-auth-token",
                check_carrier_token(twilio_auth_token),
            )
        }
        AdminCommand::Endpoint { command } => admin_endpoint::validate_endpoint(command),
        AdminCommand::Optout { command } => admin_endpoint::validate_optout(command),
        AdminCommand::Apikey { .. } | AdminCommand::CopyStore { .. } => Ok(()),
    }
}

async fn copy_store(
    database_url: Option<&str>,
    data_dir: &Path,
    to: &str,
    out: &Output,
) -> anyhow::Result<()> {
    let copied = store::copy_store(database_url, data_dir, to).await?;
    if out.json {
        let tables: serde_json::Map<String, serde_json::Value> = copied
            .iter()
            .map(|c| (c.table.to_owned(), json!(c.rows)))
            .collect();
        println!("{}", serde_json::Value::Object(tables));
    } else {
        for c in &copied {
            println!("{:<18} {}", c.table, c.rows);
        }
    }
    Ok(())
}

/// Returns (the --json rendering if asked for, the plain output).
async fn execute(cmd: AdminCommand, store: &dyn Store) -> anyhow::Result<(Option<String>, String)> {
    let render = |out: &Output, value: serde_json::Value, plain: String| {
        (out.json.then(|| value.to_string()), plain)
    };
    match cmd {
        AdminCommand::Account {
            command: AccountCommand::Create { name, out },
        } => {
            let a = store.create_account(name.trim()).await?;
            let v =
                json!({"id": a.id.as_str(), "name": a.name, "dateCreated": a.created.to_rfc3339()});
            Ok(render(&out, v, a.id.into_string()))
        }
        AdminCommand::Customer {
            command:
                CustomerCommand::Create {
                    account,
                    name,
                    parent,
                    out,
                },
        } => {
            let parent = parent.map(CustomerId::from_string);
            let c = store
                .create_customer(
                    &AccountId::from_string(account),
                    parent.as_ref(),
                    name.trim(),
                )
                .await?;
            let v = json!({"id": c.id.as_str(), "accountId": c.account_id.as_str(),
                "parentCustomerId": c.parent_id.as_ref().map(|p| p.as_str()), "name": c.name});
            Ok(render(&out, v, c.id.into_string()))
        }
        AdminCommand::User {
            command:
                UserCommand::Create {
                    accounts,
                    email,
                    password,
                    roles,
                    first_name,
                    last_name,
                    out,
                },
        } => {
            let user = NewUser {
                email,
                first_name,
                last_name,
                password_hash: hash_password(&password).await?,
                roles: roles.into_iter().map(Role::from).collect(),
                accounts: accounts.into_iter().map(AccountId::from_string).collect(),
            };
            let u = store.create_user(user).await?;
            let v = json!({"id": u.id.as_str(), "emailAddress": u.email, "firstName": u.first_name,
                "lastName": u.last_name, "roles": u.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
                "accountIds": u.accounts.iter().map(|a| a.as_str()).collect::<Vec<_>>()});
            Ok(render(&out, v, u.id.into_string()))
        }
        AdminCommand::User {
            command: UserCommand::SetPassword { email, password },
        } => {
            store
                .set_password(&email, &hash_password(&password).await?)
                .await?;
            Ok((None, format!("password changed for {}", email.trim())))
        }
        AdminCommand::Endpoint { command } => admin_endpoint::endpoint(command, store).await,
        AdminCommand::Optout { command } => admin_endpoint::optout(command, store).await,
        AdminCommand::Account {
            command:
                AccountCommand::SetCarrier {
                    account,
                    twilio_account_sid,
                    twilio_auth_token,
                },
        } => {
            store
                .set_account_carrier(
                    &AccountId::from_string(account.clone()),
                    &twilio_account_sid,
                    &twilio_auth_token,
                )
                .await?;
            Ok((
                None,
                format!("account {account} now sends through Twilio account {twilio_account_sid}"),
            ))
        }
        AdminCommand::Apikey {
            command: ApiKeyCommand::Create { user, name, out },
        } => {
            let key = new_api_key()?;
            let k = store
                .create_api_key(
                    &UserId::from_string(user),
                    name.as_deref(),
                    secret_hash(&key),
                )
                .await?;
            let v = json!({"id": k.id.as_str(), "userId": k.user_id.as_str(), "name": k.name,
                "key": key, "dateCreated": k.created.to_rfc3339()});
            Ok(render(&out, v, key))
        }
        // Copies below the store traits (`run` takes it before a store is opened).
        AdminCommand::CopyStore { .. } => anyhow::bail!("copy-store does not run on an open store"),
    }
}
