//! What every handler shares: configuration, the store, the counters and the callback client.

use super::faults::{Faults, Outcome};
use super::inbound::{Inbound, InboundResult, deliver_inbound};
use super::json::TwilioError;
use super::stats::{Counters, bump};
use super::store::{SimMessage, SimStatus, Store};
use super::validate::NewMessage;
use crate::domain::{Timestamp, segments};
use axum::http::{HeaderMap, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::sync::{Mutex, MutexGuard, RwLock};
use std::time::Duration;
use tokio::sync::watch;

pub(super) struct SimState {
    pub account_sid: String,
    pub auth_token: String,
    pub callback_delay: Duration,
    pub faults: RwLock<Faults>,
    pub store: Mutex<Store>,
    pub counters: Counters,
    /// Posts status callbacks and inbound messages.
    pub http: reqwest::Client,
    /// Turns true (or its sender goes away) when the simulator shuts down.
    pub shutdown: watch::Receiver<bool>,
}

impl SimState {
    /// A panic elsewhere cannot leave the store half-written (every change is one assignment
    /// or push), so a poisoned lock is still usable.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn faults(&self) -> Faults {
        *self.faults.read().unwrap_or_else(|e| e.into_inner())
    }

    pub fn set_faults(&self, faults: Faults) {
        *self.faults.write().unwrap_or_else(|e| e.into_inner()) = faults;
    }

    /// Basic auth with the configured SID and token (401), then the SID in the path (404).
    pub fn authorize(
        &self,
        headers: &HeaderMap,
        account: &str,
        path: &str,
    ) -> Result<(), TwilioError> {
        let authorized = basic_credentials(headers).is_some_and(|credentials| {
            credentials.split_once(':')
                == Some((self.account_sid.as_str(), self.auth_token.as_str()))
        });
        if !authorized {
            return Err(TwilioError::unauthorized());
        }
        if account != self.account_sid {
            return Err(TwilioError::not_found(path));
        }
        Ok(())
    }

    /// Stores a new `queued` message and returns it with its position and how it will end.
    pub fn insert(&self, new: NewMessage) -> (usize, SimMessage, Outcome) {
        let now = Timestamp::now().millis();
        let message = SimMessage {
            sid: super::new_message_sid(),
            account_sid: self.account_sid.clone(),
            num_segments: segments(&new.body).count,
            to: new.to,
            from: new.from,
            body: new.body,
            status: SimStatus::Queued,
            status_callback: new.status_callback,
            validity_period: new.validity_period,
            error_code: None,
            created_ms: now,
            updated_ms: now,
            sent_ms: None,
            callbacks_sent: 0,
            callbacks_failed: 0,
        };
        let outcome = self.faults().pick_outcome(fastrand::f64());
        match outcome {
            Outcome::Delivered => {}
            Outcome::Undelivered => bump(&self.counters.outcomes_undelivered),
            Outcome::Failed => bump(&self.counters.outcomes_failed),
        }
        let index = self.store().insert(message.clone());
        bump(&self.counters.stored);
        (index, message, outcome)
    }

    /// Moves the message at `index` on and returns it as it now is.
    pub fn advance(
        &self,
        index: usize,
        status: SimStatus,
        error_code: Option<u32>,
    ) -> Option<SimMessage> {
        let now = Timestamp::now().millis();
        let mut store = self.store();
        let message = store.at_mut(index)?;
        message.status = status;
        message.error_code = error_code;
        message.updated_ms = now;
        if status == SimStatus::Sent {
            message.sent_ms = Some(now);
        }
        Some(message.clone())
    }

    /// Delivers with the simulator's credentials and callback client, counting the outcome.
    pub async fn send_inbound(
        &self,
        target_url: &str,
        inbound: &Inbound,
    ) -> anyhow::Result<InboundResult> {
        let result = deliver_inbound(
            &self.http,
            target_url,
            &self.account_sid,
            &self.auth_token,
            inbound,
        )
        .await;
        let delivered = result.as_ref().is_ok_and(InboundResult::is_success);
        bump(if delivered {
            &self.counters.inbound_sent
        } else {
            &self.counters.inbound_failed
        });
        result
    }

    /// Records one callback's fate on its message.
    pub fn count_callback(&self, index: usize, delivered: bool) {
        let counter = if delivered {
            &self.counters.callbacks_sent
        } else {
            &self.counters.callbacks_failed
        };
        bump(counter);
        if let Some(message) = self.store().at_mut(index) {
            if delivered {
                message.callbacks_sent += 1;
            } else {
                message.callbacks_failed += 1;
            }
        }
    }
}

/// The decoded `user:password` of a Basic `Authorization` header.
fn basic_credentials(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()
}
