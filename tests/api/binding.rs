//! Request binding: case-insensitive keys (R21), unknown fields ignored (R26), source precedence
//! body < path < query < form (R27), lenient XML (R47), empty and nil values as absent.

use crate::helpers::*;
use serde_json::{Value, json};

#[tokio::test]
async fn r21_r26_any_key_casing_binds_and_unknown_fields_are_ignored() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let res = app
        .post_json(
            "/messages",
            &key(&t),
            &json!({"ENDPOINTID": t.endpoint, "ToAddress": "+15556667777", "bOdY": "hi", "colour": "blue", "nested": {"a": [1]}}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["text"], "hi");
}

#[tokio::test]
async fn r27_query_overrides_body_and_form_overrides_query() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let res = app
        .post_json(
            "/messages?body=from%20query",
            &key(&t),
            &json!({"endpointId": t.endpoint, "toAddress": "+15556667777", "body": "from body"}),
        )
        .await;
    assert_eq!(res.json::<Value>().await.unwrap()["text"], "from query");

    let form = format!(
        "endpointId={}&toAddress=%2B15556667777&body=from+form",
        t.endpoint
    );
    let res = app
        .post_raw(
            "/messages?body=from%20query",
            &key(&t),
            "application/x-www-form-urlencoded",
            form,
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["text"], "from form");
}

#[tokio::test]
async fn r27_path_overrides_body_and_query_overrides_path() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let first = app.send(&t, "+15556667777", "first").await;
    let session = app.session_of(first["id"].as_str().unwrap()).await;
    // Body names an unknown session; the path wins.
    let res = app
        .post_json(
            &format!("/sessions/{session}/messages"),
            &key(&t),
            &json!({"sessionId": "bogus", "body": "x"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    // The query names an unknown session; it wins over the path.
    let res = app
        .post_json(
            &format!("/sessions/{session}/messages?sessionId=bogus"),
            &key(&t),
            &json!({"body": "x"}),
        )
        .await;
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn query_string_alone_can_carry_a_send() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let path = format!(
        "/messages?EndpointId={}&ToAddress=%2B15556667777&Body=via%20query",
        t.endpoint
    );
    let res = app
        .request(reqwest::Method::POST, &path, &key(&t))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["text"], "via query");
}

#[tokio::test]
async fn empty_strings_and_nil_count_as_absent() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let res = app
        .post_json(
            "/messages",
            &key(&t),
            &json!({"sessionId": "", "endpointId": t.endpoint, "toAddress": "+15556667777", "body": "x"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let xml = format!(
        r#"<SendMessage xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><SessionId i:nil="true"/><EndpointId>{}</EndpointId><ToAddress>+15556667777</ToAddress><Body>x</Body></SendMessage>"#,
        t.endpoint
    );
    let res = app
        .post_raw("/messages", &key(&t), "application/xml", xml)
        .await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn r47_xml_members_bind_in_any_order_and_namespace() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let xml = format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<s:SendMessage xmlns:s="urn:anything"><s:ToAddress>+15556667777</s:ToAddress><Body>a &amp; b</Body><s:EndpointId>{}</s:EndpointId></s:SendMessage>"#,
        t.endpoint
    );
    let res = app
        .post_raw("/messages", &key(&t), "text/xml; charset=utf-8", xml)
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["text"], "a & b");
}

#[tokio::test]
async fn a_json_object_or_array_for_a_single_value_is_a_400_even_when_the_path_has_it() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    for body in [
        json!({"endpointId": t.endpoint, "toAddress": {"n": 1}, "body": "x"}),
        json!({"endpointId": t.endpoint, "toAddress": "+15556667777", "body": ["x"]}),
    ] {
        let res = app.post_json("/messages", &key(&t), &body).await;
        assert_eq!(res.status(), 400, "{body}");
        assert_eq!(
            response_status(res).await["errorCode"],
            "SerializationException"
        );
    }
    let sent = app.send(&t, "+15556667777", "hi").await;
    let id = sent["id"].as_str().unwrap();
    let res = app
        .request(reqwest::Method::PATCH, &format!("/messages/{id}"), &key(&t))
        .json(&json!({"id": {}, "isUnread": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    // An empty form value does not erase the path's id.
    let res = app
        .request(reqwest::Method::PATCH, &format!("/messages/{id}"), &key(&t))
        .form(&[("id", ""), ("isUnread", "false")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}
