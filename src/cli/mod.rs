//! The `evo` command line: `serve`, `admin …` and `carrier-sim`. Every option has an `EVO_*` variable.

mod admin;
mod admin_endpoint;
mod carrier_sim;
mod output;
mod serve;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "evo",
    version,
    about = "A self-hosted messaging server that speaks the Evo Voice API"
)]
pub struct Cli {
    /// Directory holding the SQLite database (created if missing).
    #[arg(
        long,
        env = "EVO_DATA_DIR",
        default_value = "./evo-data",
        global = true
    )]
    pub data_dir: PathBuf,

    /// Database URL. Omit it for SQLite under --data-dir (PostgreSQL is not supported yet).
    #[arg(long, env = "EVO_DATABASE_URL", global = true)]
    pub database_url: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the API server.
    Serve(serve::ServeArgs),
    /// Manage tenants: accounts, customers, users, endpoints, opt-outs and API keys.
    Admin {
        #[command(subcommand)]
        command: admin::AdminCommand,
    },
    /// Run a Twilio-compatible carrier simulator (for tests, benchmarks and trying evo out).
    CarrierSim(carrier_sim::CarrierSimArgs),
}

/// Runs the parsed command; the error is printed as one line by `main`.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve::run(args, &cli.data_dir, cli.database_url.as_deref()).await,
        Command::Admin { command } => {
            admin::run(command, &cli.data_dir, cli.database_url.as_deref()).await
        }
        Command::CarrierSim(args) => carrier_sim::run(args).await,
    }
}
