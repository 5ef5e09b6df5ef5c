//! Delivery through the sandbox carrier: DeliveryInfo in every format, tenancy, expiry,
//! idempotency keys, the status-callback signature gate and /metrics. (Faults, retries,
//! reconciliation and pacing against the carrier simulator are in `delivery_sim.rs`.)

use crate::helpers::*;
use evo::domain::{AccountScope, EndpointId, MessageBody, PhoneNumber, Role, Timestamp};
use evo::store::{NewMessage, SendTarget};
use reqwest::header::ACCEPT;
use serde_json::{Value, json};
use std::time::Duration;

/// Polls DeliveryInfo until `done` holds (or 10 s pass).
pub async fn delivery_until(
    app: &TestApp,
    t: &Tenant,
    id: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let res = app.get(&format!("/messages/{id}/delivery"), &key(t)).await;
        assert_eq!(res.status(), 200);
        let info: Value = res.json().await.unwrap();
        if done(&info) || tokio::time::Instant::now() > deadline {
            return info;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A server with one message the sandbox has delivered: (app, tenant, id, its DeliveryInfo).
async fn delivered_message() -> (TestApp, Tenant, String, Value) {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let id = app.send(&t, "+15556667777", "hi").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let info = delivery_until(&app, &t, &id, |i| i["status"] == "Delivered").await;
    (app, t, id, info)
}

#[tokio::test]
async fn the_sandbox_delivers_and_delivery_info_tells_the_story() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let m = app.send(&t, "+15556667777", "Hello “world”").await;
    let id = m["id"].as_str().unwrap();
    let info = delivery_until(&app, &t, id, |i| i["status"] == "Delivered").await;
    assert_eq!(info["status"], "Delivered");
    assert_eq!(info["messageId"], id);
    // The curly quotes are outside GSM-7: the whole message is UCS-2.
    assert_eq!(info["encoding"], "UCS-2");
    assert_eq!(info["segments"], 1);
    assert_eq!(info["attempts"], 1);
    assert!(info["carrierSid"].as_str().unwrap().starts_with("SB"));
    assert!(info.get("lastError").is_none());
    for field in ["dateCreated", "dateUpdated", "dateSent", "dateFinished"] {
        assert!(info[field].as_str().is_some(), "{field} missing: {info}");
    }
    // MessageInfo never changes shape: no status field appears in ListMessages.
    let list: Value = app.get("/messages", &key(&t)).await.json().await.unwrap();
    assert!(list["items"][0].get("status").is_none());
}

#[tokio::test]
async fn delivery_info_answers_in_every_format() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let long = "x".repeat(161);
    let id = app.send(&t, "+15556667777", &long).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    delivery_until(&app, &t, &id, |i| i["status"] == "Delivered").await;
    let path = format!("/messages/{id}/delivery");
    let xml = app.get_xml(&path, &key(&t)).await.text().await.unwrap();
    assert!(xml.contains("<DeliveryInfo"), "{xml}");
    assert!(xml.contains("<Segments>2</Segments>"), "{xml}");
    assert!(xml.contains("<Encoding>GSM-7</Encoding>"), "{xml}");
    for (suffix, needle) in [
        (".csv", "MessageId,Status,Segments"),
        (".jsv", "status:Delivered,segments:2"),
        (".json", "\"segments\":2"),
    ] {
        let res = app
            .get(&format!("/messages/{id}/delivery{suffix}"), &key(&t))
            .await;
        assert_eq!(res.status(), 200, "{suffix}");
        let body = res.text().await.unwrap();
        assert!(body.contains(needle), "{suffix}: {body}");
    }
    let res = app
        .request(reqwest::Method::GET, &path, &key(&t))
        .header(ACCEPT, "text/csv")
        .send()
        .await
        .unwrap();
    assert!(res.text().await.unwrap().starts_with("MessageId,"));
}

#[tokio::test]
async fn another_accounts_message_is_not_found_and_the_role_is_user() {
    let app = spawn_app().await;
    let a = app.tenant("A").await;
    let b = app.tenant("B").await;
    let id = app.send(&a, "+15556667777", "secret").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let theirs = app.get(&format!("/messages/{id}/delivery"), &key(&b)).await;
    let missing = app
        .get(
            "/messages/00000000-0000-0000-0000-000000000000/delivery",
            &key(&b),
        )
        .await;
    assert_eq!(theirs.status(), 404);
    assert_eq!(missing.status(), 404);
    let a_body = response_status(theirs).await;
    let m_body = response_status(missing).await;
    assert_eq!(a_body["errorCode"], m_body["errorCode"]);
    assert_eq!(
        app.get(&format!("/messages/{id}/delivery"), &Auth::None)
            .await
            .status(),
        401
    );
    // A Manager without the User role is refused (the operation requires User).
    let manager = app.user(&a.account, "boss@a.test", &[Role::Manager]).await;
    let manager_key = app.api_key(&manager).await;
    let res = app
        .get(&format!("/messages/{id}/delivery"), &Auth::Key(manager_key))
        .await;
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn a_message_past_its_validity_expires_instead_of_being_sent() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    // Accepted five hours ago (the default validity is four): e.g. queued before an outage.
    let stale = NewMessage {
        target: SendTarget::Endpoint {
            endpoint: EndpointId::from_string(&t.endpoint),
            to: PhoneNumber::parse("+15556667777").unwrap(),
        },
        body: MessageBody::parse("stale").unwrap(),
        segments: evo::domain::segments("stale"),
        sender: "test".into(),
        date: Timestamp::from_millis(Timestamp::now().millis() - 5 * 3600 * 1000),
        idempotency: None,
    };
    let m = app
        .store
        .send_message(&AccountScope::All, stale)
        .await
        .unwrap();
    let info = delivery_until(&app, &t, m.id.as_str(), |i| i["status"] != "Queued").await;
    assert_eq!(info["status"], "Expired", "{info}");
    assert_eq!(info["attempts"], 0);
    assert!(info.get("carrierSid").is_none());
    assert!(
        info["lastError"]
            .as_str()
            .unwrap()
            .contains("validity period")
    );
}

async fn send_with_key(
    app: &TestApp,
    t: &Tenant,
    key_value: &str,
    body: &str,
) -> reqwest::Response {
    app.request(reqwest::Method::POST, "/messages", &key(t))
        .header("Idempotency-Key", key_value)
        .header(ACCEPT, "application/json")
        .json(&json!({"endpointId": t.endpoint, "toAddress": "+15556667777", "body": body}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_idempotency_key_replays_the_first_response_and_creates_nothing() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let first: Value = send_with_key(&app, &t, "order-42", "Your order shipped")
        .await
        .json()
        .await
        .unwrap();
    let again = send_with_key(&app, &t, "order-42", "Your order shipped").await;
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again, first);
    // Concurrent repeats also create nothing.
    let repeats = futures_join(&app, &t).await;
    assert!(repeats.iter().all(|r| r == &first));
    let list: Value = app.get("/messages", &key(&t)).await.json().await.unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    let other = send_with_key(&app, &t, "order-42", "Something else").await;
    assert_eq!(other.status(), 422);
    let status = response_status(other).await;
    assert_eq!(status["errorCode"], "IdempotencyKeyReused");
    let list: Value = app.get("/messages", &key(&t)).await.json().await.unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    // Keys belong to their caller: another user's same key is a different send.
    let u = app.tenant("Other").await;
    let theirs = send_with_key(&app, &u, "order-42", "Your order shipped").await;
    assert_eq!(theirs.status(), 200);
    let theirs: Value = theirs.json().await.unwrap();
    assert_ne!(theirs["id"], first["id"]);
}

async fn futures_join(app: &TestApp, t: &Tenant) -> Vec<Value> {
    let mut all = Vec::new();
    let sends: Vec<_> = (0..8)
        .map(|_| send_with_key(app, t, "order-42", "Your order shipped"))
        .collect();
    for res in futures_util_join(sends).await {
        assert_eq!(res.status(), 200);
        all.push(res.json::<Value>().await.unwrap());
    }
    all
}

async fn futures_util_join<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut out = Vec::new();
    let mut pinned: Vec<_> = futures.into_iter().map(Box::pin).collect();
    // Poll them together so the requests overlap.
    let mut results: Vec<Option<F::Output>> = (0..pinned.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in pinned.iter_mut().enumerate() {
            if results[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => results[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.extend(results.into_iter().flatten());
    out
}

#[tokio::test]
async fn a_bad_idempotency_key_is_a_400() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    for bad in ["has space", &"k".repeat(256)] {
        let res = send_with_key(&app, &t, bad, "hi").await;
        assert_eq!(res.status(), 400, "{bad}");
        assert_eq!(
            response_status(res).await["errorCode"],
            "InvalidIdempotencyKey"
        );
    }
    let list: Value = app.get("/messages", &key(&t)).await.json().await.unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn status_callbacks_without_a_valid_signature_are_403_and_change_nothing() {
    let (app, t, id, info) = delivered_message().await;
    let sid = info["carrierSid"].as_str().unwrap().to_owned();
    let form = format!("MessageSid={sid}&MessageStatus=failed&AccountSid=AC1");
    for signature in [None, Some("bm90IGEgc2lnbmF0dXJl")] {
        let mut req = app
            .request(
                reqwest::Method::POST,
                "/webhooks/twilio/status",
                &Auth::None,
            )
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.clone());
        if let Some(s) = signature {
            req = req.header("X-Twilio-Signature", s);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 403);
        assert_eq!(response_status(res).await["errorCode"], "Forbidden");
    }
    let after = delivery_until(&app, &t, &id, |_| true).await;
    assert_eq!(after["status"], "Delivered");
}

#[tokio::test]
async fn metrics_report_the_queue_and_outcomes() {
    let (app, _, _, _) = delivered_message().await;
    let res = app.get("/metrics", &Auth::None).await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = res.text().await.unwrap();
    for name in [
        "evo_outbox_depth",
        "evo_outbox_oldest_age_seconds",
        "evo_delivery_attempts_total",
        "evo_delivery_outcomes_total{status=\"delivered\"}",
        "evo_carrier_request_seconds",
    ] {
        assert!(text.contains(name), "{name} missing from:\n{text}");
    }
}
