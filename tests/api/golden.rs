//! Golden tests from the seed page (shared/seed/SendMessage.txt, copied to tests/fixtures/seed):
//! the seed's own request bytes, with real values for the placeholders, are accepted, and the
//! answer has the seed's shape (R40, R41, R43 for XML; R20, R22, R30 for JSON).

use crate::helpers::*;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde_json::Value;

const SEED_REQUEST_XML: &str = include_str!("../fixtures/seed/send_message_request.xml");
const SEED_RESPONSE_XML: &str = include_str!("../fixtures/seed/send_message_response.xml");
const SEED_REQUEST_JSON: &str = include_str!("../fixtures/seed/send_message_request.json");
const SEED_RESPONSE_JSON: &str = include_str!("../fixtures/seed/send_message_response.json");

/// The seed request with each `String` placeholder replaced, byte for byte otherwise.
fn seed_xml(body: &str, endpoint: &str, session: &str, to: &str) -> String {
    SEED_REQUEST_XML
        .replacen("<Body>String</Body>", &format!("<Body>{body}</Body>"), 1)
        .replacen(
            "<EndpointId>String</EndpointId>",
            &format!("<EndpointId>{endpoint}</EndpointId>"),
            1,
        )
        .replacen(
            "<SessionId>String</SessionId>",
            &format!("<SessionId>{session}</SessionId>"),
            1,
        )
        .replacen(
            "<ToAddress>String</ToAddress>",
            &format!("<ToAddress>{to}</ToAddress>"),
            1,
        )
}

/// (root name, namespace, child element names in order, child namespaces).
fn shape(xml: &str) -> (String, Option<String>, Vec<String>) {
    let doc = roxmltree::Document::parse(xml).expect("well-formed XML");
    let root = doc.root_element();
    let children = root
        .children()
        .filter(|n| n.is_element())
        .map(|n| {
            assert_eq!(n.tag_name().namespace(), root.tag_name().namespace());
            n.tag_name().name().to_owned()
        })
        .collect();
    (
        root.tag_name().name().to_owned(),
        root.tag_name().namespace().map(str::to_owned),
        children,
    )
}

fn element<'a>(doc: &'a roxmltree::Document<'a>, name: &str) -> roxmltree::Node<'a, 'a> {
    doc.root_element()
        .children()
        .find(|n| n.tag_name().name() == name)
        .unwrap_or_else(|| panic!("no <{name}>"))
}

async fn post_seed_xml(app: &TestApp, t: &Tenant, path: &str, xml: String) -> String {
    let res = app
        .request(reqwest::Method::POST, path, &key(t))
        .header(ACCEPT, "application/xml")
        .header(CONTENT_TYPE, "application/xml")
        .body(xml)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()[CONTENT_TYPE], "application/xml");
    res.text().await.unwrap()
}

#[tokio::test]
async fn r40_r41_r43_seed_xml_request_is_accepted_and_answered_in_the_seed_shape() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let xml = seed_xml("Hello", &t.endpoint, "", "+15556667777");
    let answer = post_seed_xml(&app, &t, "/messages", xml).await;
    assert_eq!(shape(&answer), shape(SEED_RESPONSE_XML));
    assert!(answer.contains("xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\""));
    let doc = roxmltree::Document::parse(&answer).unwrap();
    assert_eq!(element(&doc, "Direction").text(), Some("Outgoing"));
    assert_eq!(element(&doc, "Text").text(), Some("Hello"));
    assert_eq!(
        element(&doc, "EndpointId").text(),
        Some(t.endpoint.as_str())
    );
    assert_eq!(element(&doc, "IsUnread").text(), Some("false"));
    // R43: a null CustomerId is nil, not omitted.
    let customer = element(&doc, "CustomerId");
    assert_eq!(
        customer.attribute(("http://www.w3.org/2001/XMLSchema-instance", "nil")),
        Some("true")
    );
}

#[tokio::test]
async fn seed_xml_request_on_the_session_route() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let first = app.send(&t, "+15556667777", "first").await;
    let session = app.session_of(first["id"].as_str().unwrap()).await;
    let xml = seed_xml("Reply", "", &session, "");
    let answer = post_seed_xml(&app, &t, &format!("/sessions/{session}/messages"), xml).await;
    assert_eq!(shape(&answer), shape(SEED_RESPONSE_XML));
    let doc = roxmltree::Document::parse(&answer).unwrap();
    assert_eq!(element(&doc, "OtherAddress").text(), Some("+15556667777"));
}

#[tokio::test]
async fn seed_json_request_is_accepted_and_answered_in_the_seed_shape() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let customer = app
        .store
        .create_customer(
            &evo::domain::AccountId::from_string(&t.account),
            None,
            "Shop",
        )
        .await
        .unwrap();
    let (endpoint, _) = app
        .endpoint(&t.account, Some(customer.id.as_str()), "Shop")
        .await;
    let mut request: Value = serde_json::from_str(SEED_REQUEST_JSON).unwrap();
    request["sessionId"] = Value::String(String::new());
    request["endpointId"] = Value::String(endpoint);
    request["toAddress"] = Value::String("+15556667777".into());
    request["body"] = Value::String("Hello".into());
    let res = app.post_json("/messages", &key(&t), &request).await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let answer: Value = res.json().await.unwrap();
    let seed: Value = serde_json::from_str(SEED_RESPONSE_JSON).unwrap();
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&answer), keys(&seed));
    for (k, v) in seed.as_object().unwrap() {
        assert_eq!(
            std::mem::discriminant(v),
            std::mem::discriminant(&answer[k]),
            "type of {k}"
        );
    }
}
