//! The simulator's HTTP surface as a plain client sees it: shapes, errors, paging, control.

use crate::helpers::*;
use evo::carrier::Carrier;
use evo::carrier::sim::Faults;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::HashSet;

async fn create(sim: &evo::carrier::sim::SimHandle, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let response = http()
        .post(messages_url(sim))
        .basic_auth(SID, Some(TOKEN))
        .form(form)
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap())
}

async fn get(sim: &evo::carrier::sim::SimHandle, path_and_query: &str) -> (StatusCode, Value) {
    let response = http()
        .get(format!("{}{path_and_query}", sim.base_url()))
        .basic_auth(SID, Some(TOKEN))
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap())
}

#[tokio::test]
async fn a_created_message_looks_like_twilio_s() {
    let sim = start_sim(Faults::default()).await;
    let (status, m) = create(
        &sim,
        &[("To", "+15550109999"), ("From", "12345"), ("Body", "hi")],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let sid = m["sid"].as_str().unwrap();
    assert!(
        sid.len() == 34
            && sid[2..]
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    );
    assert_eq!(m["status"], "queued");
    assert_eq!(m["account_sid"], SID);
    assert_eq!(m["direction"], "outbound-api");
    assert_eq!(m["api_version"], "2010-04-01");
    assert_eq!(m["num_segments"], "1");
    assert_eq!(m["price"], Value::Null);
    assert_eq!(m["date_sent"], Value::Null);
    assert!(m["date_created"].as_str().unwrap().ends_with(" +0000"));
    let uri = format!("/2010-04-01/Accounts/{SID}/Messages/{sid}.json");
    assert_eq!(m["uri"], uri.as_str());
    let (status, fetched) = get(&sim, &uri).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fetched["sid"], sid);
}

#[tokio::test]
async fn errors_use_twilio_s_bodies() {
    let sim = start_sim(Faults::default()).await;
    let response = http()
        .post(messages_url(&sim))
        .form(&[("To", "+15550109999")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"code":20003,"message":"Authenticate","more_info":"https://www.twilio.com/docs/errors/20003","status":401})
    );
    let (status, body) = get(&sim, "/2010-04-01/Accounts/ACother/Messages.json").await;
    assert_eq!(
        (status, &body["code"]),
        (StatusCode::NOT_FOUND, &json!(20404))
    );
    let (status, body) = get(
        &sim,
        &format!("/2010-04-01/Accounts/{SID}/Messages/SMnope.json"),
    )
    .await;
    assert_eq!(
        (status, &body["code"]),
        (StatusCode::NOT_FOUND, &json!(20404))
    );
    for (form, code) in [
        (vec![("From", FROM), ("Body", "x")], 21604),
        (vec![("To", "+15550109999"), ("From", FROM)], 21602),
        (
            vec![("To", "+15550109999"), ("From", "nope"), ("Body", "x")],
            21212,
        ),
    ] {
        let (status, body) = create(&sim, &form).await;
        assert_eq!(
            (status, &body["code"]),
            (StatusCode::BAD_REQUEST, &json!(code))
        );
    }
    let long = "x".repeat(1601);
    let (_, body) = create(
        &sim,
        &[("To", "+15550109999"), ("From", FROM), ("Body", &long)],
    )
    .await;
    assert_eq!(body["code"], 21617);
    assert_eq!(sim.stats().rejected, 5, "only creates count");
}

#[tokio::test]
async fn a_client_can_page_through_a_filtered_list() {
    let sim = start_sim(Faults::default()).await;
    let carrier = carrier(&sim);
    let mut mine = sms("page me");
    let mut sent = Vec::new();
    for n in 0..7 {
        mine.body = format!("page me {n}");
        sent.push(carrier.send(&mine).await.unwrap().sid);
    }
    carrier.send(&sms("someone else")).await.unwrap();
    let to = mine.to.replace('+', "%2B");
    let mut next = Some(format!(
        "/2010-04-01/Accounts/{SID}/Messages.json?To={to}&From=%2B15550100000&DateSent%3E=2000-01-01&PageSize=3"
    ));
    let mut seen = Vec::new();
    let mut pages = 0;
    while let Some(uri) = next {
        let (status, page) = get(&sim, &uri).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(page["page"], pages);
        assert_eq!(page["page_size"], 3);
        for m in page["messages"].as_array().unwrap() {
            seen.push(m["sid"].as_str().unwrap().to_owned());
        }
        next = page["next_page_uri"].as_str().map(str::to_owned);
        pages += 1;
    }
    sent.reverse();
    assert_eq!(seen, sent, "newest first, each once");
    assert_eq!(pages, 3);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 7);
    let (_, future) = get(
        &sim,
        &format!("/2010-04-01/Accounts/{SID}/Messages.json?DateSent%3E=2999-01-01"),
    )
    .await;
    assert_eq!(future["messages"], json!([]));
    let (_, all) = get(
        &sim,
        &format!("/2010-04-01/Accounts/{SID}/Messages.json?Page=1&PageSize=5"),
    )
    .await;
    assert_eq!(all["messages"].as_array().unwrap().len(), 3);
    assert_eq!(all["start"], 5);
}

#[tokio::test]
async fn the_control_endpoints_drive_and_count() {
    let sim = start_sim(Faults::default()).await;
    let base = sim.base_url();
    let set = http()
        .post(format!("{base}/sim/faults"))
        .body(r#"{"p_429":1,"retry_after_secs":3,"latency_ms":5}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), StatusCode::OK);
    assert_eq!(sim.faults().retry_after_secs, 3);
    let refused = http()
        .post(format!("{base}/sim/faults"))
        .body(r#"{"p429":1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let (status, _) = create(
        &sim,
        &[("To", "+15550109999"), ("From", FROM), ("Body", "x")],
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    http()
        .post(format!("{base}/sim/faults"))
        .body("{}")
        .send()
        .await
        .unwrap();
    create(
        &sim,
        &[("To", "+15550109999"), ("From", FROM), ("Body", "x")],
    )
    .await;
    let stats: Value = http()
        .get(format!("{base}/sim/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["create_requests"], 2);
    assert_eq!(stats["stored"], 1);
    assert_eq!(stats["faults"]["429"], 1);
    let messages: Value = http()
        .get(format!("{base}/sim/messages"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(messages.as_array().unwrap().len(), 1);
    assert!(messages[0]["created_ms"].as_i64().unwrap() > 0);
}
