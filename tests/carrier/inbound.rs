//! Inbound messages: the simulator posting Twilio's messaging webhook, signed, from the library,
//! from `POST /sim/inbound` and from `evo carrier-sim send`.

use crate::helpers::*;
use evo::carrier::signature;
use evo::carrier::sim::{Faults, Inbound, deliver_inbound};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::process::Command;

const TO: &str = "+15550100001";
const REMOTE: &str = "+15550109876";
const TWIML: &str = "<Response/>";

/// The names Twilio posts for an inbound SMS without media.
const TWILIO_NAMES: [&str; 19] = [
    "ToCountry",
    "ToState",
    "SmsMessageSid",
    "NumMedia",
    "ToCity",
    "FromZip",
    "SmsSid",
    "FromState",
    "SmsStatus",
    "FromCity",
    "Body",
    "FromCountry",
    "To",
    "ToZip",
    "NumSegments",
    "MessageSid",
    "AccountSid",
    "From",
    "ApiVersion",
];

fn picture_message() -> Inbound {
    Inbound {
        to: TO.into(),
        from: REMOTE.into(),
        body: "look at this".into(),
        media: vec![
            ("https://media.example/a.jpg".into(), "image/jpeg".into()),
            ("https://media.example/b.png".into(), "image/png".into()),
        ],
        message_sid: None,
    }
}

/// A port nothing listens on.
async fn closed_url() -> String {
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    format!("http://{}/cb", closed.local_addr().unwrap())
}

/// The webhook is Twilio's, signed over `url`, and carries `sent`.
fn assert_inbound(cb: &Callback, url: &str, sent: &Inbound, sid: &str) {
    assert!(
        signature::is_valid(TOKEN, url, &cb.params, &cb.signature),
        "{cb:?}"
    );
    assert!(!signature::is_valid(
        "other",
        url,
        &cb.params,
        &cb.signature
    ));
    let mut names: Vec<String> = TWILIO_NAMES.iter().map(|n| n.to_string()).collect();
    for i in 0..sent.media.len() {
        names.push(format!("MediaUrl{i}"));
        names.push(format!("MediaContentType{i}"));
    }
    let mut got: Vec<String> = cb.params.iter().map(|(k, _)| k.clone()).collect();
    names.sort();
    got.sort();
    assert_eq!(got, names);
    for name in ["MessageSid", "SmsSid", "SmsMessageSid"] {
        assert_eq!(cb.param(name), Some(sid), "{name}");
    }
    assert!(sid.starts_with("SM") && sid.len() == 34, "{sid}");
    assert_eq!(cb.param("AccountSid"), Some(SID));
    assert_eq!(cb.param("To"), Some(sent.to.as_str()));
    assert_eq!(cb.param("From"), Some(sent.from.as_str()));
    assert_eq!(cb.param("Body"), Some(sent.body.as_str()));
    assert_eq!(cb.param("SmsStatus"), Some("received"));
    assert_eq!(cb.param("ApiVersion"), Some("2010-04-01"));
    assert_eq!(cb.param("NumSegments"), Some("1"));
    let num_media = sent.media.len().to_string();
    assert_eq!(cb.param("NumMedia"), Some(num_media.as_str()));
    for (i, (url, content_type)) in sent.media.iter().enumerate() {
        assert_eq!(cb.param(&format!("MediaUrl{i}")), Some(url.as_str()));
        assert_eq!(
            cb.param(&format!("MediaContentType{i}")),
            Some(content_type.as_str())
        );
    }
}

#[tokio::test]
async fn deliver_inbound_posts_twilio_s_parameters_signed_over_the_exact_url() {
    let mut receiver = receiver_answering(StatusCode::OK, TWIML).await;
    let url = format!("{}?endpoint=7&x=a%20b", receiver.url);
    let sent = picture_message();
    let result = deliver_inbound(&http(), &url, SID, TOKEN, &sent)
        .await
        .unwrap();
    assert_eq!((result.status, result.body.as_str()), (200, TWIML));
    assert_inbound(&receiver.next().await, &url, &sent, &result.message_sid);
}

#[tokio::test]
async fn a_given_message_sid_is_posted_every_time() {
    let sim = start_sim(Faults::default()).await;
    let mut receiver = callback_receiver().await;
    let sid = "SM0123456789abcdef0123456789abcdef";
    let sent = Inbound {
        message_sid: Some(sid.into()),
        media: Vec::new(),
        ..picture_message()
    };
    for _ in 0..2 {
        let result = sim.send_inbound(&receiver.url, sent.clone()).await.unwrap();
        assert_eq!(result.message_sid, sid);
        assert_inbound(&receiver.next().await, &receiver.url, &sent, sid);
    }
    assert_eq!(
        (sim.stats().inbound_sent, sim.stats().inbound_failed),
        (2, 0)
    );
}

#[tokio::test]
async fn a_refusal_is_a_result_and_an_unreachable_target_an_error() {
    let sim = start_sim(Faults::default()).await;
    let mut refusing = receiver_answering(StatusCode::INTERNAL_SERVER_ERROR, "boom").await;
    let result = sim
        .send_inbound(&refusing.url, picture_message())
        .await
        .unwrap();
    assert_eq!((result.status, result.body.as_str()), (500, "boom"));
    // Twilio does not retry a messaging webhook, so neither does the simulator.
    refusing.next().await;
    assert!(
        tokio::time::timeout(std::time::Duration::from_millis(300), refusing.next())
            .await
            .is_err()
    );
    let closed = closed_url().await;
    assert!(sim.send_inbound(&closed, picture_message()).await.is_err());
    assert_eq!(
        (sim.stats().inbound_sent, sim.stats().inbound_failed),
        (0, 2)
    );
}

async fn post_sim_inbound(sim: &evo::carrier::sim::SimHandle, body: Value) -> (StatusCode, Value) {
    let response = http()
        .post(format!("{}/sim/inbound", sim.base_url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn sim_inbound_delivers_and_reports_the_target_s_answer() {
    let sim = start_sim(Faults::default()).await;
    let mut receiver = receiver_answering(StatusCode::OK, TWIML).await;
    let sent = picture_message();
    let (status, answer) = post_sim_inbound(
        &sim,
        json!({
            "to": TO, "from": REMOTE, "body": sent.body, "target": receiver.url,
            "media": [
                {"url": "https://media.example/a.jpg", "content_type": "image/jpeg"},
                {"url": "https://media.example/b.png", "content_type": "image/png"},
            ],
        }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer["status"], 200);
    assert_eq!(answer["body"], TWIML);
    let sid = answer["message_sid"].as_str().unwrap();
    assert_inbound(&receiver.next().await, &receiver.url, &sent, sid);

    let given = "SMffffffffffffffffffffffffffffffff";
    let (_, answer) = post_sim_inbound(
        &sim,
        json!({"to": TO, "from": REMOTE, "body": "again", "target": receiver.url, "message_sid": given}),
    )
    .await;
    assert_eq!(answer["message_sid"], given);
    assert_eq!(receiver.next().await.param("MessageSid"), Some(given));
    assert_eq!(sim.stats().inbound_sent, 2);
}

#[tokio::test]
async fn sim_inbound_passes_refusals_on_and_refuses_bad_requests() {
    let sim = start_sim(Faults::default()).await;
    let refusing = receiver_answering(StatusCode::INTERNAL_SERVER_ERROR, "boom").await;
    let request = json!({"to": TO, "from": REMOTE, "body": "hi", "target": refusing.url});
    let (status, answer) = post_sim_inbound(&sim, request.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (answer["status"].as_u64(), answer["body"].as_str()),
        (Some(500), Some("boom"))
    );

    let mut unreachable = request.clone();
    unreachable["target"] = json!(closed_url().await);
    let (status, answer) = post_sim_inbound(&sim, unreachable).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(answer["message_sid"].as_str().unwrap().starts_with("SM"));
    assert!(answer["error"].as_str().unwrap().contains("cannot deliver"));
    assert_eq!(sim.stats().inbound_failed, 2);

    let mut no_body = request.clone();
    no_body.as_object_mut().unwrap().remove("body");
    let (status, answer) = post_sim_inbound(&sim, no_body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(answer["error"], "body must be a string");
    let not_json = http()
        .post(format!("{}/sim/inbound", sim.base_url()))
        .body("to=+1")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), StatusCode::BAD_REQUEST);
    assert_eq!(sim.stats().inbound_failed, 2);
}

fn evo_send(target: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_evo"));
    command
        .args(["carrier-sim", "send", "--to", TO, "--from", REMOTE])
        .args(["--body", "look at this", "--target", target])
        .env("EVO_SIM_ACCOUNT_SID", SID)
        .env("EVO_SIM_AUTH_TOKEN", TOKEN);
    command
}

#[tokio::test]
async fn carrier_sim_send_posts_one_signed_webhook_and_prints_its_sid() {
    let mut receiver = receiver_answering(StatusCode::OK, TWIML).await;
    let sent = picture_message();
    let out = evo_send(&receiver.url)
        .args(["--media-url", "https://media.example/a.jpg"])
        .args(["--media-type", "image/jpeg"])
        .args(["--media-url", "https://media.example/b.png"])
        .args(["--media-type", "image/png"])
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let (sid, status) = stdout.trim_end().split_once(' ').unwrap();
    assert_eq!(status, "200");
    assert_eq!(stdout.lines().count(), 1);
    assert_inbound(&receiver.next().await, &receiver.url, &sent, sid);

    let given = "SM00000000000000000000000000000001";
    let out = evo_send(&receiver.url)
        .args(["--message-sid", given, "--account-sid", SID])
        .output()
        .await
        .unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("{given} 200\n")
    );
    let cb = receiver.next().await;
    assert_eq!(cb.param("MessageSid"), Some(given));
    assert_eq!(cb.param("NumMedia"), Some("0"));
}

#[tokio::test]
async fn carrier_sim_send_fails_on_a_refusal_or_no_answer() {
    let refusing = receiver_answering(StatusCode::INTERNAL_SERVER_ERROR, "boom\nagain").await;
    for target in [refusing.url.clone(), closed_url().await] {
        let out = evo_send(&target).output().await.unwrap();
        assert!(!out.status.success(), "{target}: {out:?}");
        assert!(out.stdout.is_empty());
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(&target), "{stderr}");
    }
    let out = evo_send(&refusing.url)
        .args(["--media-url", "https://media.example/a.jpg"])
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("pairs"));
}
