//! `evo carrier-sim`: the Twilio-compatible carrier simulator as a process.

mod send;

use crate::carrier::sim::{self, Faults, SimConfig};
use clap::{Args, Subcommand};
use std::io::Write;
use std::time::Duration;
use tokio::net::TcpListener;

/// Without a subcommand it serves, as it always has; `send` is a one-shot that needs no running
/// simulator, so the serve flags (and their requirements) do not apply to it.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct CarrierSimArgs {
    #[command(subcommand)]
    pub action: Option<SimAction>,

    #[command(flatten)]
    pub serve: SimServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum SimAction {
    /// Send one inbound message to a webhook, signed as Twilio signs it, and print
    /// `<MessageSid> <status>`.
    Send(send::SendArgs),
}

#[derive(Debug, Args)]
pub struct SimServeArgs {
    /// Address to listen on; port 0 picks a free port (the first line on stdout names it).
    #[arg(long, env = "EVO_SIM_LISTEN", default_value = "127.0.0.1:5090")]
    pub listen: String,

    // Required, but an Option: clap drops the requirement when `send` is given, and a plain
    // String would then fail to build even though it is never read.
    /// The one account SID the simulator serves.
    #[arg(long, env = "EVO_SIM_ACCOUNT_SID", required = true)]
    pub account_sid: Option<String>,

    /// Its auth token: checked on every API call, and signs status callbacks.
    #[arg(
        long,
        env = "EVO_SIM_AUTH_TOKEN",
        hide_env_values = true,
        required = true
    )]
    pub auth_token: Option<String>,

    /// Delay added to every create request (e.g. 20ms).
    #[arg(long, env = "EVO_SIM_LATENCY", default_value = "0s", value_parser = humantime::parse_duration)]
    pub latency: Duration,

    /// Share of create requests answered 429 (nothing stored).
    #[arg(long = "p-429", env = "EVO_SIM_P_429", default_value_t = 0.0, value_parser = probability)]
    pub p_429: f64,

    /// Retry-After seconds sent with a 429.
    #[arg(long, env = "EVO_SIM_RETRY_AFTER", default_value_t = 1)]
    pub retry_after: u64,

    /// Share answered 500 (nothing stored).
    #[arg(long = "p-500", env = "EVO_SIM_P_500", default_value_t = 0.0, value_parser = probability)]
    pub p_500: f64,

    /// Share stored, then answered only after --timeout.
    #[arg(long, env = "EVO_SIM_P_TIMEOUT", default_value_t = 0.0, value_parser = probability)]
    pub p_timeout: f64,

    /// How long a timed-out request stalls.
    #[arg(long, env = "EVO_SIM_TIMEOUT", default_value = "60s", value_parser = humantime::parse_duration)]
    pub timeout: Duration,

    /// Share stored, then the connection reset without an answer (the ambiguous case).
    #[arg(long, env = "EVO_SIM_P_RESET", default_value_t = 0.0, value_parser = probability)]
    pub p_reset: f64,

    /// Share read but not stored, then the connection reset.
    #[arg(long, env = "EVO_SIM_P_DROP", default_value_t = 0.0, value_parser = probability)]
    pub p_drop: f64,

    /// Share of stored messages that end undelivered (error 30003).
    #[arg(long, env = "EVO_SIM_P_UNDELIVERED", default_value_t = 0.0, value_parser = probability)]
    pub p_undelivered: f64,

    /// Share of stored messages that end failed (error 30005).
    #[arg(long, env = "EVO_SIM_P_FAILED", default_value_t = 0.0, value_parser = probability)]
    pub p_failed: f64,

    /// Pause before each status step (queued → sent → delivered) and its callback.
    #[arg(long, env = "EVO_SIM_CALLBACK_DELAY", default_value = "100ms", value_parser = humantime::parse_duration)]
    pub callback_delay: Duration,
}

impl SimServeArgs {
    fn config(self) -> anyhow::Result<SimConfig> {
        let (Some(account_sid), Some(auth_token)) = (self.account_sid, self.auth_token) else {
            anyhow::bail!("--account-sid and --auth-token are required");
        };
        Ok(SimConfig {
            faults: Faults {
                latency: self.latency,
                p_429: self.p_429,
                retry_after_secs: self.retry_after,
                p_500: self.p_500,
                p_timeout: self.p_timeout,
                timeout: self.timeout,
                p_reset: self.p_reset,
                p_drop: self.p_drop,
                p_undelivered: self.p_undelivered,
                p_failed: self.p_failed,
            },
            account_sid,
            auth_token,
            callback_delay: self.callback_delay,
        })
    }
}

pub async fn run(args: CarrierSimArgs) -> anyhow::Result<()> {
    match args.action {
        Some(SimAction::Send(send)) => send::run(send).await,
        None => serve(args.serve).await,
    }
}

async fn serve(args: SimServeArgs) -> anyhow::Result<()> {
    crate::telemetry::init(false);
    let listen = args.listen.clone();
    let config = args.config()?;
    let listener = TcpListener::bind(&listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?;
    let handle = sim::spawn(listener, config).await?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "carrier-sim listening on {}", handle.base_url())?;
        out.flush()?;
    }
    tracing::info!(addr = %handle.addr(), "carrier-sim started");
    super::serve::shutdown_signal().await;
    handle.shutdown().await;
    tracing::info!("carrier-sim stopped");
    Ok(())
}

fn probability(s: &str) -> Result<f64, String> {
    s.parse::<f64>()
        .ok()
        .filter(|p| (0.0..=1.0).contains(p))
        .ok_or_else(|| format!("{s:?} is not a probability from 0 to 1"))
}
