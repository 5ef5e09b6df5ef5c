//! Delivery against the carrier simulator (a real Twilio look-alike on loopback) through the
//! Twilio carrier: every fault and retry path, reconciliation, pacing, validity, and status
//! callbacks (duplicated, out of order, badly signed).

use crate::delivery::delivery_until;
use crate::helpers::*;
use evo::carrier::sim::{self, Faults, SimConfig, SimHandle};
use evo::carrier::{CarrierCredentials, TwilioCarrier, signature};
use evo::clock::{ManualClock, SharedClock};
use evo::domain::EndpointId;
use evo::domain::{AccountScope, EndpointChanges};
use evo::server::DeliveryConfig;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

pub const SID: &str = "ACtest0000000000000000000000000000";
pub const TOKEN: &str = "sim-auth-token";

pub struct SimRig {
    pub app: TestApp,
    pub sim: SimHandle,
    pub t: Tenant,
}

/// Fast settings: short backoff, grace and carrier timeout, so each path runs in about a second.
pub fn quick_config() -> DeliveryConfig {
    DeliveryConfig {
        node_id: "test-node".into(),
        worker: true,
        lease: Duration::from_secs(3),
        retry_base: Duration::from_millis(50),
        retry_cap: Duration::from_millis(200),
        validity: Duration::from_secs(3600),
        reconcile_grace: Duration::from_millis(300),
        carrier_timeout: Duration::from_millis(400),
        public_url: None,
    }
}

/// A carrier simulator on loopback for the account `SID`/`TOKEN`.
pub async fn spawn_sim(faults: Faults, callback_delay: Duration) -> SimHandle {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    sim::spawn(
        listener,
        SimConfig {
            account_sid: SID.into(),
            auth_token: TOKEN.into(),
            faults,
            callback_delay,
        },
    )
    .await
    .unwrap()
}

pub async fn rig(faults: Faults, config: DeliveryConfig) -> SimRig {
    rig_on(faults, config, evo::clock::system()).await
}

/// `rig` on a clock the test moves: the worker's backoff, validity and pacing follow it.
pub async fn rig_on(faults: Faults, config: DeliveryConfig, clock: SharedClock) -> SimRig {
    let sim = spawn_sim(faults, Duration::from_millis(20)).await;
    let carrier = TwilioCarrier::new(
        &sim.base_url(),
        CarrierCredentials {
            account_sid: SID.into(),
            auth_token: TOKEN.into(),
        },
        Duration::from_millis(400),
    )
    .unwrap();
    let app = spawn_app_clocked(Arc::new(carrier), config, clock).await;
    let t = app.tenant("Acme").await;
    SimRig { app, sim, t }
}

impl SimRig {
    /// Lets the tenant's endpoint send fast (pacing out of the way).
    pub async fn unpaced(&self) {
        self.app
            .store
            .update_endpoint(
                &AccountScope::All,
                &EndpointId::from_string(&self.t.endpoint),
                EndpointChanges {
                    mps: Some(1000.0),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    }

    pub async fn send(&self, text: &str) -> String {
        self.app.send(&self.t, "+15556667777", text).await["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub async fn until(&self, id: &str, status: &str) -> Value {
        let info = delivery_until(&self.app, &self.t, id, |i| i["status"] == status).await;
        assert_eq!(info["status"], status, "{info}");
        info
    }

    /// How many messages with this body the carrier holds.
    pub fn at_carrier(&self, body: &str) -> usize {
        self.sim
            .messages()
            .iter()
            .filter(|m| m.body == body)
            .count()
    }
}

#[tokio::test]
async fn a_message_reaches_the_carrier_once_and_callbacks_bring_it_to_delivered() {
    let r = rig(Faults::default(), quick_config()).await;
    r.unpaced().await;
    let id = r.send("hello carrier").await;
    let info = r.until(&id, "Delivered").await;
    assert_eq!(r.at_carrier("hello carrier"), 1);
    let at_sim = &r.sim.messages()[0];
    assert_eq!(info["carrierSid"], at_sim.sid.as_str());
    assert_eq!(info["attempts"], 1);
    assert_eq!(at_sim.to, "+15556667777");
    // The callback URL names the message, under the server's own address.
    let callback = at_sim.status_callback.clone().unwrap();
    assert_eq!(
        callback,
        format!("http://{}/webhooks/twilio/status?id={id}", r.app.addr)
    );
    assert!(
        at_sim
            .validity_period
            .is_some_and(|v| v > 3500 && v <= 3600)
    );
}

#[tokio::test]
async fn a_429_is_retried_with_backoff_until_the_carrier_takes_it() {
    let r = rig(
        Faults {
            p_429: 1.0,
            retry_after_secs: 0,
            ..Faults::default()
        },
        quick_config(),
    )
    .await;
    r.unpaced().await;
    let id = r.send("busy carrier").await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let during = delivery_until(&r.app, &r.t, &id, |_| true).await;
    assert_eq!(during["status"], "Sending");
    assert!(during["attempts"].as_i64().unwrap() >= 2, "{during}");
    assert!(
        during["lastError"].as_str().unwrap().contains("429"),
        "{during}"
    );
    r.sim.set_faults(Faults::default());
    r.until(&id, "Delivered").await;
    assert_eq!(r.at_carrier("busy carrier"), 1);
}

/// The worker polls on real time; this lets it look at the outbox a few times.
async fn a_few_polls() {
    tokio::time::sleep(Duration::from_millis(600)).await;
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let clock = ManualClock::new();
    let faults = Faults {
        p_429: 1.0,
        retry_after_secs: 2,
        ..Faults::default()
    };
    let r = rig_on(faults, quick_config(), clock.clone()).await;
    r.unpaced().await;
    let id = r.send("slow down").await;
    let info = delivery_until(&r.app, &r.t, &id, |i| i["lastError"].is_string()).await;
    assert!(
        info["lastError"].as_str().unwrap().contains("429"),
        "{info}"
    );
    // Backoff alone (50 ms, doubling) would have tried many times in 1.9 s; Retry-After: 2
    // allows no attempt until 2 s have passed, however long the machine takes.
    clock.advance(Duration::from_millis(1_900));
    a_few_polls().await;
    let info = delivery_until(&r.app, &r.t, &id, |_| true).await;
    assert_eq!(info["attempts"], 1, "{info}");
    r.sim.set_faults(Faults::default());
    clock.advance(Duration::from_millis(200));
    let info = r.until(&id, "Delivered").await;
    assert_eq!(info["attempts"], 2, "{info}");
}

#[tokio::test]
async fn a_500_is_retried() {
    let r = rig(
        Faults {
            p_500: 1.0,
            ..Faults::default()
        },
        quick_config(),
    )
    .await;
    r.unpaced().await;
    let id = r.send("flaky carrier").await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    r.sim.set_faults(Faults::default());
    let info = r.until(&id, "Delivered").await;
    assert!(info["attempts"].as_i64().unwrap() >= 2, "{info}");
    assert_eq!(r.at_carrier("flaky carrier"), 1);
}

#[tokio::test]
async fn a_refusal_fails_the_message_with_the_carriers_code() {
    let r = rig(Faults::default(), quick_config()).await;
    r.unpaced().await;
    // The account's own (wrong) credentials: the carrier answers 401, code 20003.
    r.app
        .store
        .set_account_carrier(
            &evo::domain::AccountId::from_string(&r.t.account),
            SID,
            "wrong-token",
        )
        .await
        .unwrap();
    let id = r.send("refused").await;
    let info = r.until(&id, "Failed").await;
    assert_eq!(info["attempts"], 1);
    assert!(
        info["lastError"].as_str().unwrap().contains("20003"),
        "{info}"
    );
    assert_eq!(r.at_carrier("refused"), 0);
}

/// Callbacks go nowhere, so only reconciliation can tell evo what happened.
fn deaf(config: DeliveryConfig) -> DeliveryConfig {
    DeliveryConfig {
        public_url: Some("http://127.0.0.1:9".into()),
        ..config
    }
}

#[tokio::test]
async fn a_timeout_is_reconciled_not_resent() {
    let r = rig(
        Faults {
            p_timeout: 1.0,
            timeout: Duration::from_secs(3),
            ..Faults::default()
        },
        deaf(quick_config()),
    )
    .await;
    r.unpaced().await;
    let id = r.send("did you get it").await;
    let unknown = delivery_until(&r.app, &r.t, &id, |i| i["status"] == "Unknown").await;
    assert_eq!(unknown["status"], "Unknown", "{unknown}");
    assert!(unknown["lastError"].as_str().is_some());
    let info = r.until(&id, "Sent").await;
    assert_eq!(
        info["attempts"], 1,
        "found by reconciliation, not sent again"
    );
    assert_eq!(r.at_carrier("did you get it"), 1);
    assert_eq!(info["carrierSid"], r.sim.messages()[0].sid.as_str());
}

#[tokio::test]
async fn a_callback_settles_a_message_whose_send_timed_out() {
    let r = rig(
        Faults {
            p_timeout: 1.0,
            timeout: Duration::from_secs(3),
            ..Faults::default()
        },
        quick_config(),
    )
    .await;
    r.unpaced().await;
    let id = r.send("answer by callback").await;
    // The callback names the message, so it is settled before the send even times out.
    let info = r.until(&id, "Delivered").await;
    assert_eq!(info["attempts"], 1);
    assert_eq!(info["carrierSid"], r.sim.messages()[0].sid.as_str());
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(r.at_carrier("answer by callback"), 1);
    let after = delivery_until(&r.app, &r.t, &id, |_| true).await;
    assert_eq!(after["status"], "Delivered");
}

#[tokio::test]
async fn a_reset_after_the_carrier_stored_the_message_is_reconciled() {
    let r = rig(
        Faults {
            p_reset: 1.0,
            ..Faults::default()
        },
        deaf(quick_config()),
    )
    .await;
    r.unpaced().await;
    let id = r.send("reset after send").await;
    let info = r.until(&id, "Sent").await;
    assert_eq!(info["attempts"], 1, "{info}");
    assert_eq!(r.at_carrier("reset after send"), 1);
}

#[tokio::test]
async fn a_request_lost_before_the_carrier_stored_it_is_sent_again_after_reconciling() {
    let r = rig(
        Faults {
            p_drop: 1.0,
            ..Faults::default()
        },
        quick_config(),
    )
    .await;
    r.unpaced().await;
    let id = r.send("lost on the way").await;
    // The attempt is on record before the call; its failure shows once the call has been made.
    let first = delivery_until(&r.app, &r.t, &id, |i| i["lastError"].is_string()).await;
    assert_eq!(first["attempts"], 1, "{first}");
    r.sim.set_faults(Faults::default());
    let info = r.until(&id, "Delivered").await;
    assert!(info["attempts"].as_i64().unwrap() >= 2, "{info}");
    assert_eq!(r.at_carrier("lost on the way"), 1);
}

#[tokio::test]
async fn undelivered_outcomes_arrive_by_callback() {
    let r = rig(
        Faults {
            p_undelivered: 1.0,
            ..Faults::default()
        },
        quick_config(),
    )
    .await;
    r.unpaced().await;
    let id = r.send("no handset").await;
    let info = r.until(&id, "Undelivered").await;
    assert!(info["lastError"].as_str().is_some(), "{info}");
    assert!(info["dateFinished"].as_str().is_some());
}

#[tokio::test]
async fn a_message_the_carrier_never_takes_expires_within_its_validity() {
    let clock = ManualClock::new();
    let faults = Faults {
        p_500: 1.0,
        ..Faults::default()
    };
    let r = rig_on(faults, quick_config(), clock.clone()).await;
    r.unpaced().await;
    let id = r.send("too late").await;
    let info = delivery_until(&r.app, &r.t, &id, |i| i["attempts"].as_i64() >= Some(2)).await;
    assert_eq!(info["status"], "Sending", "{info}");
    // The validity is an hour of the clock's time, not of the test's.
    clock.advance(Duration::from_secs(3600));
    let info = r.until(&id, "Expired").await;
    assert!(
        info["lastError"].as_str().unwrap().contains("validity"),
        "{info}"
    );
    assert!(info["dateFinished"].is_string(), "{info}");
    // Expired leaves the outbox: nothing can hand it over late.
    assert_eq!(r.app.store.outbox_stats().await.unwrap().depth, 0);
    assert_eq!(r.at_carrier("too late"), 0, "never sent late");
}

#[tokio::test]
async fn pacing_spends_one_second_per_segment_per_long_code_and_senders_run_in_parallel() {
    let r = rig(Faults::default(), quick_config()).await;
    // The default for a long code: 1 segment per second. A second number runs alongside.
    let (second, _) = r.app.endpoint(&r.t.account, None, "Second line").await;
    let two_segments = "y".repeat(200);
    let mut ids = Vec::new();
    for text in ["p1", "p2", two_segments.as_str(), "p4"] {
        ids.push(r.send(text).await);
    }
    let res = r
        .app
        .post_json(
            "/messages",
            &key(&r.t),
            &serde_json::json!({"endpointId": second, "toAddress": "+15556667777", "body": "q1"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    for id in &ids {
        r.until(id, "Delivered").await;
    }
    let msgs = r.sim.messages();
    let at = |body: &str| msgs.iter().find(|m| m.body == body).unwrap().created_ms;
    let first = at("p1");
    // p1 at 0 s, p2 at 1 s, the 2-segment message at 2 s, p4 at 4 s.
    for (body, expected_ms) in [("p2", 1000), (two_segments.as_str(), 2000), ("p4", 4000)] {
        let gap = at(body) - first;
        assert!(
            (expected_ms - 150..=expected_ms + 600).contains(&gap),
            "{body}: {gap} ms after the first, expected about {expected_ms}"
        );
    }
    // The other number did not wait behind the first one.
    assert!(at("q1") - first < 900, "q1 waited {} ms", at("q1") - first);
}

/// Posts a status callback signed with `token` for `sid`.
async fn callback(r: &SimRig, token: &str, sid: &str, status: &str) -> reqwest::Response {
    let url = format!("http://{}/webhooks/twilio/status", r.app.addr);
    let params = vec![
        ("AccountSid".to_owned(), SID.to_owned()),
        ("MessageSid".to_owned(), sid.to_owned()),
        ("MessageStatus".to_owned(), status.to_owned()),
    ];
    let signed = signature::sign(token, &url, &params);
    http_client()
        .post(&url)
        .header("X-Twilio-Signature", signed)
        .form(&params)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn duplicated_and_out_of_order_callbacks_never_move_a_status_back() {
    let r = rig(Faults::default(), quick_config()).await;
    r.unpaced().await;
    let id = r.send("ordering").await;
    let info = r.until(&id, "Delivered").await;
    let sid = info["carrierSid"].as_str().unwrap().to_owned();
    for status in [
        "sent",
        "queued",
        "delivered",
        "sending",
        "failed",
        "undelivered",
    ] {
        let res = callback(&r, TOKEN, &sid, status).await;
        assert_eq!(res.status(), 204, "{status}");
    }
    let after = delivery_until(&r.app, &r.t, &id, |_| true).await;
    assert_eq!(after["status"], "Delivered");
    assert_eq!(after["dateFinished"], info["dateFinished"]);
}

#[tokio::test]
async fn a_callback_signed_with_another_token_is_403_and_changes_nothing() {
    // Keep the message at Sent: the simulator's own callbacks go nowhere.
    let r = rig(Faults::default(), deaf(quick_config())).await;
    r.unpaced().await;
    let id = r.send("forged").await;
    let info = r.until(&id, "Sent").await;
    let sid = info["carrierSid"].as_str().unwrap().to_owned();
    // The public URL differs from the address called, so even the right token fails here.
    for token in ["not-the-token", TOKEN] {
        let res = callback(&r, token, &sid, "failed").await;
        assert_eq!(res.status(), 403, "{token}");
    }
    let after = delivery_until(&r.app, &r.t, &id, |_| true).await;
    assert_eq!(after["status"], "Sent");
}

#[tokio::test]
async fn a_callback_signed_over_the_public_url_is_accepted() {
    // A proxy in front: Twilio signs https://sms.example.com/…; evo sees a loopback address.
    let r = rig(
        Faults::default(),
        DeliveryConfig {
            public_url: Some("https://sms.example.com".into()),
            ..quick_config()
        },
    )
    .await;
    r.unpaced().await;
    let id = r.send("behind a proxy").await;
    let info = r.until(&id, "Sent").await;
    let sid = info["carrierSid"].as_str().unwrap().to_owned();
    let params = vec![
        ("AccountSid".to_owned(), SID.to_owned()),
        ("MessageSid".to_owned(), sid),
        ("MessageStatus".to_owned(), "delivered".to_owned()),
    ];
    // Twilio may sign with or without the default port; both are accepted.
    let signed = signature::sign(
        TOKEN,
        "https://sms.example.com:443/webhooks/twilio/status",
        &params,
    );
    let res = http_client()
        .post(format!("http://{}/webhooks/twilio/status", r.app.addr))
        .header("X-Twilio-Signature", signed)
        .form(&params)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    r.until(&id, "Delivered").await;
}
