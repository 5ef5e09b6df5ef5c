//! Twilio's Messages API: create a message, and list messages to reconcile after a send that got
//! no answer. Works the same against the carrier simulator (`sim`), given its base URL.

mod answer;
mod reconcile;

use super::{Accepted, Carrier, CarrierCredentials, CarrierError, OutgoingSms};
use crate::domain::Timestamp;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use std::time::Duration;

/// Twilio's own API.
pub const TWILIO_API: &str = "https://api.twilio.com";
/// A connection that takes longer than this to open is not coming.
const MAX_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Twilio's bounds on ValidityPeriod, in seconds.
const VALIDITY_SECS: (u32, u32) = (1, 36_000);

/// One pooled HTTP client for every send; `Debug` never shows the auth token.
#[derive(Debug)]
pub struct TwilioCarrier {
    base_url: String,
    credentials: CarrierCredentials,
    client: reqwest::Client,
}

impl TwilioCarrier {
    /// `base_url` is `https://api.twilio.com` ([`TWILIO_API`]) or a simulator's; `timeout` bounds
    /// each whole request, connecting included.
    pub fn new(
        base_url: &str,
        credentials: CarrierCredentials,
        timeout: Duration,
    ) -> anyhow::Result<Self> {
        // reqwest is built without a default TLS provider; it must be chosen before any client.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(MAX_CONNECT_TIMEOUT))
            // A redirected POST would become a GET; Twilio never redirects the API anyway.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("evo/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            credentials,
            client,
        })
    }

    /// The message's account credentials, else the server-wide ones.
    fn credentials_for<'a>(&'a self, sms: &'a OutgoingSms) -> &'a CarrierCredentials {
        sms.credentials.as_ref().unwrap_or(&self.credentials)
    }

    fn messages_url(&self, credentials: &CarrierCredentials) -> String {
        let sid = utf8_percent_encode(&credentials.account_sid, NON_ALPHANUMERIC);
        format!("{}/2010-04-01/Accounts/{sid}/Messages.json", self.base_url)
    }
}

#[async_trait::async_trait]
impl Carrier for TwilioCarrier {
    fn name(&self) -> &'static str {
        "twilio"
    }

    async fn send(&self, sms: &OutgoingSms) -> Result<Accepted, CarrierError> {
        let credentials = self.credentials_for(sms);
        let response = self
            .client
            .post(self.messages_url(credentials))
            .basic_auth(&credentials.account_sid, Some(&credentials.auth_token))
            .form(&create_form(sms))
            .send()
            .await
            .map_err(|e| answer::unanswered(&e))?;
        answer::read(response).await
    }

    async fn find_sent(
        &self,
        sms: &OutgoingSms,
        since: Timestamp,
    ) -> Result<Vec<String>, CarrierError> {
        let credentials = self.credentials_for(sms);
        let search = reconcile::Search::new(sms, since);
        let mut url = Some(format!(
            "{}?{}",
            self.messages_url(credentials),
            search.query()
        ));
        let mut found = Vec::new();
        for _ in 0..reconcile::MAX_PAGES {
            let Some(page_url) = url.take() else { break };
            let page = self.get_page(&page_url, credentials).await?;
            found.extend(search.matches(&page));
            url = reconcile::next_page(&page, &self.base_url)?;
            // Newest first: once a page reaches back past the attempt, older pages cannot
            // hold our message.
            if search.reaches_past_attempt(&page) {
                url = None;
            }
        }
        reconcile::finish(found, url.is_some())
    }

    fn credentials(&self) -> Option<&CarrierCredentials> {
        Some(&self.credentials)
    }
}

impl TwilioCarrier {
    /// One page of a Messages listing; every failure means "try reconciling again later".
    async fn get_page(
        &self,
        url: &str,
        credentials: &CarrierCredentials,
    ) -> Result<serde_json::Value, CarrierError> {
        let response = self
            .client
            .get(url)
            .basic_auth(&credentials.account_sid, Some(&credentials.auth_token))
            .send()
            .await
            .map_err(|e| reconcile::retry(format!("listing messages: {}", answer::describe(&e))))?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| {
            reconcile::retry(format!("reading a message list: {}", answer::describe(&e)))
        })?;
        if !status.is_success() {
            let why = answer::twilio_error(&body).map_or_else(String::new, |(_, m)| m);
            return Err(reconcile::retry(format!(
                "listing messages: HTTP {status} {why}"
            )));
        }
        serde_json::from_slice(&body)
            .map_err(|e| reconcile::retry(format!("a message list that is not JSON: {e}")))
    }
}

/// The create form: To, From, Body, and StatusCallback and ValidityPeriod when set.
fn create_form(sms: &OutgoingSms) -> Vec<(&'static str, String)> {
    let mut form = vec![
        ("To", sms.to.clone()),
        ("From", sms.from.clone()),
        ("Body", sms.body.clone()),
    ];
    if let Some(url) = &sms.status_callback {
        form.push(("StatusCallback", url.clone()));
    }
    if let Some(secs) = sms.validity_secs {
        let (min, max) = VALIDITY_SECS;
        form.push(("ValidityPeriod", secs.clamp(min, max).to_string()));
    }
    form
}
