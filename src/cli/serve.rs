//! `evo serve`.

use crate::carrier::{Carrier, CarrierCredentials, SandboxCarrier, TwilioCarrier};
use crate::server::DeliveryConfig;
use crate::store;
use anyhow::bail;
use clap::{Args, ValueEnum};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port (the first line on stdout names it).
    #[arg(long, env = "EVO_LISTEN", default_value = "127.0.0.1:5080")]
    pub listen: String,

    /// Log format on stderr; the level comes from RUST_LOG (default info).
    #[arg(long, env = "EVO_LOG_FORMAT", value_enum, default_value_t = LogFormat::Human)]
    pub log_format: LogFormat,

    #[command(flatten)]
    pub delivery: DeliveryArgs,
}

/// Delivery: which carrier, its credentials, and how the worker paces, retries and expires.
#[derive(Debug, Args)]
pub struct DeliveryArgs {
    /// Where messages go: `sandbox` (nothing leaves the machine; every message is delivered)
    /// or `twilio` (Twilio's REST API, or the carrier simulator via --twilio-base-url).
    #[arg(long, env = "EVO_CARRIER", value_enum, default_value_t = CarrierKind::Sandbox)]
    pub carrier: CarrierKind,

    /// Twilio account SID (AC…), used unless an account has its own (admin account set-carrier).
    #[arg(long, env = "EVO_TWILIO_ACCOUNT_SID")]
    pub twilio_account_sid: Option<String>,

    /// Twilio auth token; also checks the signature of Twilio's callbacks.
    #[arg(long, env = "EVO_TWILIO_AUTH_TOKEN", hide_env_values = true)]
    pub twilio_auth_token: Option<String>,

    /// Twilio API base URL (point it at `evo carrier-sim` to try evo without Twilio).
    #[arg(
        long,
        env = "EVO_TWILIO_BASE_URL",
        default_value = "https://api.twilio.com"
    )]
    pub twilio_base_url: String,

    /// The externally visible base URL of this server (behind a proxy: what Twilio calls).
    /// Status callbacks go to {public-url}/webhooks/twilio/status and their signatures are
    /// checked against it. Default: the listening address.
    #[arg(long, env = "EVO_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// A message the carrier has not taken this long after it was accepted ends Expired
    /// instead of being sent late.
    #[arg(long, env = "EVO_VALIDITY", default_value = "4h", value_parser = humantime::parse_duration)]
    pub validity: Duration,

    /// How long a worker holds a claimed message before another may take it over.
    #[arg(long, env = "EVO_LEASE", default_value = "30s", value_parser = humantime::parse_duration)]
    pub lease: Duration,

    /// Shortest wait before retrying a message the carrier did not take (429, 5xx).
    #[arg(long, env = "EVO_RETRY_BASE", default_value = "1s", value_parser = humantime::parse_duration)]
    pub retry_base: Duration,

    /// Longest wait between retries (exponential backoff with full jitter in between).
    #[arg(long, env = "EVO_RETRY_CAP", default_value = "30s", value_parser = humantime::parse_duration)]
    pub retry_cap: Duration,

    /// After an attempt with no answer, how long to wait before asking the carrier whether it
    /// has the message (and sending again only if it does not).
    #[arg(long, env = "EVO_RECONCILE_GRACE", default_value = "5s", value_parser = humantime::parse_duration)]
    pub reconcile_grace: Duration,

    /// Longest wait for the carrier's answer to one request (capped at a third of --lease).
    #[arg(long, env = "EVO_CARRIER_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    pub carrier_timeout: Duration,

    /// Do not deliver from this node (an API-only node: messages wait in the outbox for a node
    /// that runs the worker).
    #[arg(long, env = "EVO_NO_WORKER")]
    pub no_worker: bool,

    /// This node's name on the leases it takes (a restarted node takes its own back at once).
    /// Default: the host name.
    #[arg(long, env = "EVO_NODE_ID")]
    pub node_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CarrierKind {
    Sandbox,
    Twilio,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormat {
    Human,
    Json,
}

pub async fn run(
    args: ServeArgs,
    data_dir: &Path,
    database_url: Option<&str>,
) -> anyhow::Result<()> {
    crate::telemetry::init(matches!(args.log_format, LogFormat::Json));
    let (carrier, delivery) = delivery_setup(&args.delivery)?;
    let clock = crate::clock::system();
    let store = store::open(database_url, data_dir, clock.clone()).await?;
    let listener = TcpListener::bind(&args.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", args.listen))?;
    let addr = listener.local_addr()?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "evo listening on http://{addr}")?;
        out.flush()?;
    }
    tracing::info!(%addr, data_dir = %data_dir.display(), carrier = carrier.name(), node = %delivery.node_id, "evo started");
    crate::server::serve(listener, store, carrier, delivery, clock, shutdown_signal()).await?;
    tracing::info!("evo stopped");
    Ok(())
}

/// The carrier and the worker's settings, checked before anything starts.
fn delivery_setup(args: &DeliveryArgs) -> anyhow::Result<(Arc<dyn Carrier>, DeliveryConfig)> {
    if args.lease < Duration::from_secs(1) {
        bail!("--lease must be at least 1s");
    }
    if args.retry_base.is_zero() || args.retry_cap < args.retry_base {
        bail!("--retry-base must be above 0 and --retry-cap at least --retry-base");
    }
    if args.validity.is_zero() {
        bail!("--validity must be above 0");
    }
    if let Some(url) = &args.public_url
        && !(url.starts_with("http://") || url.starts_with("https://"))
    {
        bail!("--public-url must start with http:// or https://");
    }
    let carrier: Arc<dyn Carrier> = match args.carrier {
        CarrierKind::Sandbox => Arc::new(SandboxCarrier),
        CarrierKind::Twilio => {
            let (Some(sid), Some(token)) = (&args.twilio_account_sid, &args.twilio_auth_token)
            else {
                bail!("--carrier twilio needs --twilio-account-sid and --twilio-auth-token");
            };
            let credentials = CarrierCredentials {
                account_sid: sid.clone(),
                auth_token: token.clone(),
            };
            let timeout = args.carrier_timeout.min(args.lease / 3);
            Arc::new(TwilioCarrier::new(
                &args.twilio_base_url,
                credentials,
                timeout,
            )?)
        }
    };
    let config = DeliveryConfig {
        node_id: args.node_id.clone().unwrap_or_else(host_name),
        worker: !args.no_worker,
        lease: args.lease,
        retry_base: args.retry_base,
        retry_cap: args.retry_cap,
        validity: args.validity,
        reconcile_grace: args.reconcile_grace,
        carrier_timeout: carrier_timeout(args),
        public_url: args.public_url.clone(),
    };
    Ok((carrier, config))
}

/// A carrier request must end well inside the lease that covers it.
fn carrier_timeout(args: &DeliveryArgs) -> Duration {
    args.carrier_timeout.min(args.lease / 3)
}

fn host_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "evo".to_owned())
}

/// Resolves on SIGINT or SIGTERM.
pub(super) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
