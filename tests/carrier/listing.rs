//! The simulator's HTTP surface as a plain client sees it: shapes, errors, paging, control.

use crate::helpers::*;
use evo::carrier::Carrier;
use evo::carrier::sim::{Faults, SimHandle};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::HashSet;

/// One client per test: building one loads the system's root certificates.
struct Api<'a> {
    sim: &'a SimHandle,
    client: reqwest::Client,
}

impl<'a> Api<'a> {
    fn new(sim: &'a SimHandle) -> Self {
        Self {
            sim,
            client: http(),
        }
    }

    async fn create(&self, form: &[(&str, &str)]) -> (StatusCode, Value) {
        let request = self.client.post(messages_url(self.sim)).form(form);
        read(request.basic_auth(SID, Some(TOKEN))).await
    }

    async fn get(&self, path_and_query: &str) -> (StatusCode, Value) {
        let request = self.client.get(self.url(path_and_query));
        read(request.basic_auth(SID, Some(TOKEN))).await
    }

    /// The `/sim/*` endpoints need no credentials.
    async fn control(&self, path: &str, body: Option<&'static str>) -> (StatusCode, Value) {
        let request = match body {
            Some(body) => self.client.post(self.url(path)).body(body),
            None => self.client.get(self.url(path)),
        };
        read(request).await
    }

    fn url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.sim.base_url())
    }
}

async fn read(request: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.unwrap();
    (response.status(), response.json().await.unwrap())
}

const MESSAGE: [(&str, &str); 3] = [("To", "+15550109999"), ("From", FROM), ("Body", "x")];

#[tokio::test]
async fn a_created_message_looks_like_twilio_s() {
    let sim = start_sim(Faults::default()).await;
    let api = Api::new(&sim);
    let (status, m) = api
        .create(&[("To", "+15550109999"), ("From", "12345"), ("Body", "hi")])
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
    let (status, fetched) = api.get(&uri).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fetched["sid"], sid);
}

#[tokio::test]
async fn errors_use_twilio_s_bodies() {
    let sim = start_sim(Faults::default()).await;
    let api = Api::new(&sim);
    let (status, body) = read(api.client.post(messages_url(&sim)).form(&MESSAGE)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body,
        json!({"code":20003,"message":"Authenticate","more_info":"https://www.twilio.com/docs/errors/20003","status":401})
    );
    let (status, body) = api.get("/2010-04-01/Accounts/ACother/Messages.json").await;
    assert_eq!(
        (status, &body["code"]),
        (StatusCode::NOT_FOUND, &json!(20404))
    );
    let (status, body) = api
        .get(&format!("/2010-04-01/Accounts/{SID}/Messages/SMnope.json"))
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
        let (status, body) = api.create(&form).await;
        assert_eq!(
            (status, &body["code"]),
            (StatusCode::BAD_REQUEST, &json!(code))
        );
    }
    let long = "x".repeat(1601);
    let (_, body) = api
        .create(&[("To", "+15550109999"), ("From", FROM), ("Body", &long)])
        .await;
    assert_eq!(body["code"], 21617);
    assert_eq!(sim.stats().rejected, 5, "only creates count");
}

#[tokio::test]
async fn a_client_can_page_through_a_filtered_list() {
    let sim = start_sim(Faults::default()).await;
    let api = Api::new(&sim);
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
        let (status, page) = api.get(&uri).await;
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
    let (_, future) = api
        .get(&format!(
            "/2010-04-01/Accounts/{SID}/Messages.json?DateSent%3E=2999-01-01"
        ))
        .await;
    assert_eq!(future["messages"], json!([]));
    let (_, all) = api
        .get(&format!(
            "/2010-04-01/Accounts/{SID}/Messages.json?Page=1&PageSize=5"
        ))
        .await;
    assert_eq!(all["messages"].as_array().unwrap().len(), 3);
    assert_eq!(all["start"], 5);
}

#[tokio::test]
async fn the_control_endpoints_drive_and_count() {
    let sim = start_sim(Faults::default()).await;
    let api = Api::new(&sim);
    let (status, _) = api
        .control(
            "/sim/faults",
            Some(r#"{"p_429":1,"retry_after_secs":3,"latency_ms":5}"#),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(sim.faults().retry_after_secs, 3);
    let (status, _) = api.control("/sim/faults", Some(r#"{"p429":1}"#)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(api.create(&MESSAGE).await.0, StatusCode::TOO_MANY_REQUESTS);
    api.control("/sim/faults", Some("{}")).await;
    assert_eq!(api.create(&MESSAGE).await.0, StatusCode::CREATED);
    let (_, stats) = api.control("/sim/stats", None).await;
    assert_eq!(stats["create_requests"], 2);
    assert_eq!(stats["stored"], 1);
    assert_eq!(stats["faults"]["429"], 1);
    let (_, messages) = api.control("/sim/messages", None).await;
    assert_eq!(messages.as_array().unwrap().len(), 1);
    assert!(messages[0]["created_ms"].as_i64().unwrap() > 0);
}
