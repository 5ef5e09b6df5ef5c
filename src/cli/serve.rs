//! `evo serve`.

use crate::carrier::SandboxCarrier;
use crate::store;
use clap::{Args, ValueEnum};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use tokio::net::TcpListener;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port (the first line on stdout names it).
    #[arg(long, env = "EVO_LISTEN", default_value = "127.0.0.1:5080")]
    pub listen: String,

    /// Log format on stderr; the level comes from RUST_LOG (default info).
    #[arg(long, env = "EVO_LOG_FORMAT", value_enum, default_value_t = LogFormat::Human)]
    pub log_format: LogFormat,
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
    let store = store::open(database_url, data_dir).await?;
    let listener = TcpListener::bind(&args.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", args.listen))?;
    let addr = listener.local_addr()?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "evo listening on http://{addr}")?;
        out.flush()?;
    }
    tracing::info!(%addr, data_dir = %data_dir.display(), carrier = "sandbox", "evo started");
    crate::server::serve(listener, store, Arc::new(SandboxCarrier), shutdown_signal()).await?;
    tracing::info!("evo stopped");
    Ok(())
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
