//! The carrier simulator: Twilio's Messages API (create, fetch, list, signed status callbacks)
//! in memory, with injectable faults, and signed inbound messages to a webhook, for tests,
//! benchmarks and anyone without a Twilio account. `evo carrier-sim` runs it; docs/CARRIER-SIM.md describes it for users.

mod callbacks;
mod conn;
mod control;
mod create;
mod faults;
mod inbound;
mod inbound_api;
mod json;
mod list;
mod read;
mod state;
mod stats;
mod store;
mod validate;

pub use faults::Faults;
pub use inbound::{Inbound, InboundResult, deliver_inbound};
pub use stats::SimStats;
pub use store::{SimMessage, SimStatus};

use axum::Router;
use axum::routing::{get, post};
use state::SimState;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How long the simulator waits for a status-callback receiver.
const CALLBACK_TIMEOUT: Duration = Duration::from_secs(5);

/// The one account the simulator serves, its faults, and the pause between a message's status
/// steps (queued → sent → delivered).
#[derive(Clone)]
pub struct SimConfig {
    pub account_sid: String,
    pub auth_token: String,
    pub faults: Faults,
    pub callback_delay: Duration,
}

impl std::fmt::Debug for SimConfig {
    // The token never reaches a log line, not even through `{:?}`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimConfig")
            .field("account_sid", &self.account_sid)
            .field("auth_token", &"<redacted>")
            .field("faults", &self.faults)
            .field("callback_delay", &self.callback_delay)
            .finish()
    }
}

/// A running simulator. Dropping it stops it too; `shutdown` also waits for the accept loop.
pub struct SimHandle {
    addr: SocketAddr,
    state: Arc<SimState>,
    stop: watch::Sender<bool>,
    server: JoinHandle<()>,
}

/// Serves the simulator on `listener` until the handle is shut down or dropped.
pub async fn spawn(listener: TcpListener, config: SimConfig) -> anyhow::Result<SimHandle> {
    let addr = listener.local_addr()?;
    let (stop, shutdown) = watch::channel(false);
    let state = Arc::new(SimState {
        account_sid: config.account_sid,
        auth_token: config.auth_token,
        callback_delay: config.callback_delay,
        faults: RwLock::new(config.faults),
        store: Mutex::default(),
        counters: stats::Counters::default(),
        http: callback_client()?,
        shutdown: shutdown.clone(),
    });
    let app = router(state.clone());
    let server = tokio::spawn(conn::serve(listener, app, shutdown));
    Ok(SimHandle {
        addr,
        state,
        stop,
        server,
    })
}

impl SimHandle {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`, what a Twilio client takes as its base URL.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every stored message, oldest first.
    pub fn messages(&self) -> Vec<SimMessage> {
        self.state.store().all()
    }

    pub fn message(&self, sid: &str) -> Option<SimMessage> {
        self.state.store().get(sid).cloned()
    }

    pub fn faults(&self) -> Faults {
        self.state.faults()
    }

    /// Applies to create requests that arrive from now on.
    pub fn set_faults(&self, faults: Faults) {
        self.state.set_faults(faults);
    }

    /// Delivers one inbound message to `target_url` signed with the simulator's own account and
    /// token, and counts it in `stats`.
    pub async fn send_inbound(
        &self,
        target_url: &str,
        inbound: Inbound,
    ) -> anyhow::Result<InboundResult> {
        self.state.send_inbound(target_url, &inbound).await
    }

    /// Counters only: never waits on the store.
    pub fn stats(&self) -> SimStats {
        self.state.counters.snapshot()
    }

    /// Stops accepting, drops open connections and pending callbacks, and waits for the
    /// accept loop to end.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.server.await;
    }
}

fn router(state: Arc<SimState>) -> Router {
    let messages = "/2010-04-01/Accounts/{account}/Messages.json";
    Router::new()
        .route(messages, post(create::create).get(list::list))
        .route(
            "/2010-04-01/Accounts/{account}/Messages/{file}",
            get(read::fetch),
        )
        .route(
            "/sim/faults",
            post(control::set_faults).get(control::get_faults),
        )
        .route("/sim/inbound", post(inbound_api::send))
        .route("/sim/messages", get(control::messages))
        .route("/sim/stats", get(control::stats))
        .fallback(not_found)
        .with_state(state)
}

async fn not_found(uri: axum::http::Uri) -> axum::response::Response {
    use axum::response::IntoResponse;
    json::TwilioError::not_found(uri.path()).into_response()
}

/// `SM` and 32 lowercase hex digits, like Twilio's message SIDs.
fn new_message_sid() -> String {
    format!("SM{:032x}", fastrand::u128(..))
}

fn callback_client() -> anyhow::Result<reqwest::Client> {
    // reqwest is built without a default TLS provider; an https callback needs one.
    let _ = rustls::crypto::ring::default_provider().install_default();
    Ok(reqwest::Client::builder()
        .timeout(CALLBACK_TIMEOUT)
        .user_agent("TwilioProxy/1.1")
        .build()?)
}
