//! A stored message's life after the 201: `sent`, then how it ends, `callback_delay` apart,
//! with a signed status callback at each step when the message asked for them.

use super::conn::stopped;
use super::faults::Outcome;
use super::json::API_VERSION;
use super::state::SimState;
use super::store::{SimMessage, SimStatus};
use crate::carrier::signature;
use std::sync::Arc;
use std::time::Duration;

/// Attempts per callback; the pause doubles from `FIRST_PAUSE` between them.
const ATTEMPTS: u32 = 3;
const FIRST_PAUSE: Duration = Duration::from_millis(100);

/// Runs the message's life in the background; it stops when the simulator does.
pub(super) fn start(sim: Arc<SimState>, index: usize, outcome: Outcome) {
    tokio::spawn(async move {
        let mut shutdown = sim.shutdown.clone();
        tokio::select! {
            () = live(&sim, index, outcome) => {}
            () = stopped(&mut shutdown) => {}
        }
    });
}

async fn live(sim: &SimState, index: usize, outcome: Outcome) {
    tokio::time::sleep(sim.callback_delay).await;
    step(sim, index, SimStatus::Sent, None).await;
    tokio::time::sleep(sim.callback_delay).await;
    let (status, error_code) = match outcome {
        Outcome::Delivered => (SimStatus::Delivered, None),
        Outcome::Undelivered => (SimStatus::Undelivered, Some(30003)),
        Outcome::Failed => (SimStatus::Failed, Some(30005)),
    };
    step(sim, index, status, error_code).await;
}

async fn step(sim: &SimState, index: usize, status: SimStatus, error_code: Option<u32>) {
    let Some(message) = sim.advance(index, status, error_code) else {
        return;
    };
    if let Some(url) = &message.status_callback {
        let delivered = post(sim, url, &params(&message)).await;
        sim.count_callback(index, delivered);
    }
}

/// Whether the receiver answered 2xx within `ATTEMPTS` tries.
async fn post(sim: &SimState, url: &str, params: &[(String, String)]) -> bool {
    let signature = signature::sign(&sim.auth_token, url, params);
    let mut pause = FIRST_PAUSE;
    for attempt in 1..=ATTEMPTS {
        let sent = sim
            .http
            .post(url)
            .header("X-Twilio-Signature", &signature)
            .form(params)
            .send()
            .await;
        match sent {
            Ok(response) if response.status().is_success() => return true,
            Ok(response) => {
                tracing::debug!(status = %response.status(), attempt, "carrier-sim: callback refused")
            }
            Err(e) => tracing::debug!(error = %e, attempt, "carrier-sim: callback failed"),
        }
        if attempt < ATTEMPTS {
            tokio::time::sleep(pause).await;
            pause *= 2;
        }
    }
    false
}

/// The parameters Twilio posts to a StatusCallback.
fn params(m: &SimMessage) -> Vec<(String, String)> {
    let mut params: Vec<(String, String)> = [
        ("MessageSid", m.sid.as_str()),
        ("SmsSid", m.sid.as_str()),
        ("AccountSid", m.account_sid.as_str()),
        ("From", m.from.as_str()),
        ("To", m.to.as_str()),
        ("MessageStatus", m.status.as_str()),
        ("SmsStatus", m.status.as_str()),
        ("ApiVersion", API_VERSION),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    if let Some(code) = m.error_code {
        params.push(("ErrorCode".to_owned(), code.to_string()));
    }
    params
}
