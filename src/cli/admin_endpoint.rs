//! `evo admin endpoint …` and `evo admin optout …`: phone-number endpoints, their settings and
//! the addresses that may not be sent SMS from them.

use super::output::{Output, flag};
use crate::domain::settings::{Name, check_mps, parse_help_text};
use crate::domain::{
    AccountId, AccountScope, CustomerId, Endpoint, EndpointChanges, EndpointId, OptOut,
    PhoneNumber, default_mps,
};
use crate::store::{NewEndpoint, Store};
use anyhow::Context;
use clap::Subcommand;
use serde_json::json;

#[derive(Debug, Subcommand)]
pub enum EndpointCommand {
    /// Create a phone-number endpoint; prints its id.
    Create {
        #[arg(long)]
        account: String,
        #[arg(long)]
        customer: Option<String>,
        /// The number in E.164, e.g. +15550100001.
        #[arg(long)]
        number: String,
        /// Display name shown as EndpointDisplayName.
        #[arg(long)]
        name: String,
        /// Sending pace in segments per second (Twilio's MPS; a 3-segment message costs 3).
        /// Default by number: 1 for a long code, 3 for toll-free, 100 for a short code.
        #[arg(long)]
        mps: Option<f64>,
        #[command(flatten)]
        out: Output,
    },
    /// Change an endpoint's settings; prints its id.
    Update {
        #[arg(long)]
        id: String,
        /// Sending pace in segments per second.
        #[arg(long)]
        mps: Option<f64>,
        /// What an inbound HELP or INFO is answered with (plain text, at most 320 characters).
        #[arg(long)]
        help_text: Option<String>,
        /// `true` stops the endpoint sending SMS and storing inbound SMS; `false` resumes both.
        #[arg(long, value_name = "true|false")]
        disable_sms: Option<bool>,
        #[command(flatten)]
        out: Output,
    },
}

#[derive(Debug, Subcommand)]
pub enum OptOutCommand {
    /// Print the endpoint's opted-out addresses, one a line (oldest first).
    List {
        #[arg(long)]
        endpoint: String,
        #[command(flatten)]
        out: Output,
    },
    /// Opt an address out of an endpoint's messages (as if it had texted STOP).
    Add {
        #[arg(long)]
        endpoint: String,
        /// The address in E.164, e.g. +15556667777.
        #[arg(long)]
        address: String,
        #[command(flatten)]
        out: Output,
    },
    /// Lift an opt-out, so the endpoint may send to the address again.
    Remove {
        #[arg(long)]
        endpoint: String,
        #[arg(long)]
        address: String,
    },
}

/// Input checks that need no store.
pub fn validate_endpoint(cmd: &EndpointCommand) -> anyhow::Result<()> {
    match cmd {
        EndpointCommand::Create {
            number, name, mps, ..
        } => {
            PhoneNumber::parse(number).map_err(|e| anyhow::anyhow!("--number {e}"))?;
            mps_arg(*mps)?;
            flag("--name", Name::parse(name)).map(drop)
        }
        EndpointCommand::Update { mps, help_text, .. } => {
            mps_arg(*mps)?;
            match help_text {
                Some(text) => flag("--help-text", parse_help_text(text)).map(drop),
                None => Ok(()),
            }
        }
    }
}

pub fn validate_optout(cmd: &OptOutCommand) -> anyhow::Result<()> {
    match cmd {
        OptOutCommand::List { .. } => Ok(()),
        OptOutCommand::Add { address, .. } | OptOutCommand::Remove { address, .. } => {
            address_arg(address).map(drop)
        }
    }
}

fn mps_arg(mps: Option<f64>) -> anyhow::Result<()> {
    match mps {
        Some(m) => flag("--mps", check_mps(m)).map(drop),
        None => Ok(()),
    }
}

fn address_arg(address: &str) -> anyhow::Result<PhoneNumber> {
    PhoneNumber::parse(address).map_err(|e| anyhow::anyhow!("--address {e}"))
}

/// Returns (the --json rendering if asked for, the plain output).
pub async fn endpoint(
    cmd: EndpointCommand,
    store: &dyn Store,
) -> anyhow::Result<(Option<String>, String)> {
    let (e, out) = match cmd {
        EndpointCommand::Create {
            account,
            customer,
            number,
            name,
            mps,
            out,
        } => {
            let endpoint = NewEndpoint {
                account_id: AccountId::from_string(account),
                customer_id: customer.map(CustomerId::from_string),
                number: PhoneNumber::parse(&number).context("--number")?,
                display_name: name.trim().to_owned(),
                mps,
            };
            (store.create_endpoint(endpoint).await?, out)
        }
        EndpointCommand::Update {
            id,
            mps,
            help_text,
            disable_sms,
            out,
        } => {
            let changes = EndpointChanges {
                mps,
                help_text: help_text.map(|t| t.trim().to_owned()),
                sms_enabled: disable_sms.map(|disable| !disable),
            };
            let id = EndpointId::from_string(id);
            let all = AccountScope::All;
            (store.update_endpoint(&all, &id, changes).await?, out)
        }
    };
    Ok((
        out.json.then(|| endpoint_json(&e).to_string()),
        e.id.into_string(),
    ))
}

fn endpoint_json(e: &Endpoint) -> serde_json::Value {
    json!({"id": e.id.as_str(), "accountId": e.account_id.as_str(),
        "customerId": e.customer_id.as_ref().map(|c| c.as_str()), "type": "PhoneNumber",
        "phoneNumber": e.number, "displayName": e.display_name,
        "mps": e.mps.unwrap_or_else(|| default_mps(&e.number)),
        "helpText": e.help_text, "disableSms": !e.sms_enabled})
}

/// The administrator sees every account, as the rest of `evo admin` does.
pub async fn optout(
    cmd: OptOutCommand,
    store: &dyn Store,
) -> anyhow::Result<(Option<String>, String)> {
    let all = AccountScope::All;
    match cmd {
        OptOutCommand::List { endpoint, out } => {
            let list = store
                .list_opt_outs(&all, &EndpointId::from_string(endpoint))
                .await?;
            let json = json!(list.iter().map(optout_json).collect::<Vec<_>>());
            let plain = list
                .into_iter()
                .map(|o| o.address)
                .collect::<Vec<_>>()
                .join("\n");
            Ok((out.json.then(|| json.to_string()), plain))
        }
        OptOutCommand::Add {
            endpoint,
            address,
            out,
        } => {
            let endpoint = EndpointId::from_string(endpoint);
            let o = store
                .add_opt_out(&all, &endpoint, &address_arg(&address)?)
                .await?;
            Ok((out.json.then(|| optout_json(&o).to_string()), o.address))
        }
        OptOutCommand::Remove { endpoint, address } => {
            let endpoint = EndpointId::from_string(endpoint);
            let address = address_arg(&address)?;
            store.remove_opt_out(&all, &endpoint, &address).await?;
            Ok((
                None,
                format!(
                    "{} may be sent SMS from endpoint {endpoint} again",
                    address.as_str()
                ),
            ))
        }
    }
}

fn optout_json(o: &OptOut) -> serde_json::Value {
    json!({"address": o.address, "dateCreated": o.created.to_rfc3339()})
}
