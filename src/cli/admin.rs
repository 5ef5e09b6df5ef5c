//! `evo admin …`: tenant set-up against the same data directory, with or without a running
//! server. Each create prints the new id alone (or the object with --json); bad input exits
//! non-zero with one line on stderr and writes nothing.

use super::admin_endpoint::{self, EndpointCommand, OptOutCommand};
use crate::domain::{AccountId, CustomerId, Role, UserId};
use crate::service::auth::{hash_password, new_api_key, secret_hash};
use crate::store::{self, NewUser, Store};
use anyhow::bail;
use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;
use std::path::Path;

/// Shortest password accepted.
const MIN_PASSWORD_CHARS: usize = 8;

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
}

#[derive(Debug, Args)]
pub struct Output {
    /// Print the created object as JSON instead of its id.
    #[arg(long)]
    pub(super) json: bool,
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
    validate(&cmd)?;
    let store = store::open(database_url, data_dir).await?;
    let result = execute(cmd, store.as_ref()).await;
    store.shutdown().await;
    let (json, plain) = result?;
    let out = json.unwrap_or(plain);
    // An empty list prints nothing rather than an empty line.
    if !out.is_empty() {
        println!("{out}");
    }
    Ok(())
}

/// Input checks that need no store, so bad input never opens (or creates) anything.
fn validate(cmd: &AdminCommand) -> anyhow::Result<()> {
    match cmd {
        AdminCommand::Account {
            command: AccountCommand::Create { name, .. },
        } => non_blank("--name", name),
        AdminCommand::Customer {
            command: CustomerCommand::Create { name, .. },
        } => non_blank("--name", name),
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
            check_email(email)?;
            check_text("--first-name", first_name.as_deref().unwrap_or(""))?;
            check_text("--last-name", last_name.as_deref().unwrap_or(""))?;
            check_password(password)
        }
        AdminCommand::User {
            command: UserCommand::SetPassword { email, password },
        } => {
            check_email(email)?;
            check_password(password)
        }
        AdminCommand::Account {
            command:
                AccountCommand::SetCarrier {
                    twilio_account_sid,
                    twilio_auth_token,
                    ..
                },
        } => {
            check_token("--twilio-account-sid", twilio_account_sid)?;
            check_token("--twilio-auth-token", twilio_auth_token)
        }
        AdminCommand::Endpoint { command } => admin_endpoint::validate_endpoint(command),
        AdminCommand::Optout { command } => admin_endpoint::validate_optout(command),
        AdminCommand::Apikey { .. } => Ok(()),
    }
}

pub(super) fn non_blank(what: &str, v: &str) -> anyhow::Result<()> {
    if v.trim().is_empty() {
        bail!("{what} must not be empty")
    }
    check_text(what, v)
}

/// Carrier SIDs and tokens: one word of printable ASCII.
fn check_token(what: &str, v: &str) -> anyhow::Result<()> {
    if v.is_empty() || !v.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        bail!("{what} must be printable ASCII without spaces");
    }
    Ok(())
}

/// Names end up in every wire format, so they must be plain text.
fn check_text(what: &str, v: &str) -> anyhow::Result<()> {
    if !crate::domain::is_plain_text(v) {
        bail!("{what} must not contain control characters");
    }
    Ok(())
}

fn check_email(email: &str) -> anyhow::Result<()> {
    check_text("--email", email)?;
    let email = email.trim();
    match email.split_once('@') {
        Some((local, domain))
            if !local.is_empty() && !domain.is_empty() && !email.contains(char::is_whitespace) =>
        {
            Ok(())
        }
        _ => bail!("--email '{email}' is not an email address"),
    }
}

fn check_password(password: &str) -> anyhow::Result<()> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        bail!("--password must be at least {MIN_PASSWORD_CHARS} characters");
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
    }
}
