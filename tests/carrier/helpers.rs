//! A simulator per test, a carrier pointed at it, and a receiver for what the simulator posts
//! (status callbacks, inbound messages).

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use evo::carrier::sim::{self, Faults, SimConfig, SimHandle};
use evo::carrier::{CarrierCredentials, OutgoingSms, TwilioCarrier};
use evo::domain::MessageId;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

pub const SID: &str = "AC0123456789abcdef0123456789abcdef";
pub const TOKEN: &str = "sim-auth-token";
pub const FROM: &str = "+15550100000";
/// Long enough for any answer the simulator gives without a stall.
pub const TIMEOUT: Duration = Duration::from_secs(5);
pub const CALLBACK_DELAY: Duration = Duration::from_millis(20);

pub async fn start_sim(faults: Faults) -> SimHandle {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let config = SimConfig {
        account_sid: SID.into(),
        auth_token: TOKEN.into(),
        faults,
        callback_delay: CALLBACK_DELAY,
    };
    sim::spawn(listener, config).await.unwrap()
}

pub fn credentials(token: &str) -> CarrierCredentials {
    CarrierCredentials {
        account_sid: SID.into(),
        auth_token: token.into(),
    }
}

pub fn carrier(sim: &SimHandle) -> TwilioCarrier {
    carrier_with(&sim.base_url(), TOKEN, TIMEOUT)
}

pub fn carrier_with(base_url: &str, token: &str, timeout: Duration) -> TwilioCarrier {
    TwilioCarrier::new(base_url, credentials(token), timeout).unwrap()
}

static NEXT_NUMBER: AtomicU32 = AtomicU32::new(0);

/// A message to a number no other test uses.
pub fn sms(body: &str) -> OutgoingSms {
    let n = NEXT_NUMBER.fetch_add(1, Ordering::Relaxed);
    OutgoingSms {
        message_id: MessageId::generate(),
        from: FROM.into(),
        to: format!("+1555020{n:04}"),
        body: body.into(),
        status_callback: None,
        validity_secs: None,
        credentials: None,
    }
}

/// One status callback as it arrived.
#[derive(Debug)]
pub struct Callback {
    pub params: Vec<(String, String)>,
    pub signature: String,
}

impl Callback {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

pub struct Receiver {
    pub url: String,
    rx: mpsc::UnboundedReceiver<Callback>,
}

impl Receiver {
    pub async fn next(&mut self) -> Callback {
        tokio::time::timeout(Duration::from_secs(3), self.rx.recv())
            .await
            .expect("a callback within 3 s")
            .expect("the receiver is running")
    }
}

/// An HTTP server that records every POST to `/cb`.
pub async fn callback_receiver() -> Receiver {
    receiver_answering(StatusCode::OK, "").await
}

/// Records every POST to `/cb` and answers it with `status` and `body`.
pub async fn receiver_answering(status: StatusCode, body: &'static str) -> Receiver {
    let (tx, rx) = mpsc::unbounded_channel();
    let app = Router::new()
        .route("/cb", post(record))
        .with_state(Answer { tx, status, body });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/cb", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Receiver { url, rx }
}

#[derive(Clone)]
struct Answer {
    tx: mpsc::UnboundedSender<Callback>,
    status: StatusCode,
    body: &'static str,
}

async fn record(
    State(answer): State<Answer>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, &'static str) {
    let params = form_urlencoded::parse(&body).into_owned().collect();
    let signature = headers
        .get("x-twilio-signature")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let _ = answer.tx.send(Callback { params, signature });
    (answer.status, answer.body)
}

/// A raw HTTP client with the simulator's credentials at hand.
pub fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

pub fn messages_url(sim: &SimHandle) -> String {
    format!("{}/2010-04-01/Accounts/{SID}/Messages.json", sim.base_url())
}
