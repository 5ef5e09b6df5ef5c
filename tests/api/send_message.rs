//! SendMessage: routes (R3, R5, Q8), semantics (Q3), validation (R64) and errors (R60-R63, R67).

use crate::helpers::*;
use evo::domain::Role;
use reqwest::Method;
use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};

fn is_rfc3339_millis(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() == 24 && b[4] == b'-' && b[10] == b'T' && b[19] == b'.' && s.ends_with('Z')
}

#[tokio::test]
async fn r20_r22_r30_send_returns_message_info_with_exactly_the_contract_fields() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let m = app.send(&t, "+15556667777", "Hello").await;
    let keys: Vec<&str> = m.as_object().unwrap().keys().map(String::as_str).collect();
    // R20 camelCase, R22 null customerId omitted, R30 declaration order.
    assert_eq!(
        keys,
        [
            "id",
            "accountId",
            "endpointId",
            "endpointDisplayName",
            "date",
            "direction",
            "otherAddress",
            "sender",
            "text",
            "isUnread"
        ]
    );
    assert_eq!(m["accountId"], t.account.as_str());
    assert_eq!(m["endpointId"], t.endpoint.as_str());
    assert_eq!(m["endpointDisplayName"], "Acme main line");
    assert!(
        is_rfc3339_millis(m["date"].as_str().unwrap()),
        "{}",
        m["date"]
    );
    assert_eq!(m["direction"], "Outgoing");
    assert_eq!(m["otherAddress"], "+15556667777");
    assert_eq!(m["sender"], "Test User");
    assert_eq!(m["text"], "Hello");
    assert_eq!(m["isUnread"], false);
}

#[tokio::test]
async fn customer_id_is_present_when_the_endpoint_has_a_customer() {
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
        .endpoint(&t.account, Some(customer.id.as_str()), "Shop line")
        .await;
    let res = app
        .post_json(
            "/messages",
            &key(&t),
            &json!({"endpointId": endpoint, "toAddress": "+15556667777", "body": "x"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let m: Value = res.json().await.unwrap();
    assert_eq!(m["customerId"], customer.id.as_str());
    assert_eq!(m.as_object().unwrap().len(), 11);
}

#[tokio::test]
async fn r3_every_verb_but_get_on_messages_is_send_message() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    for method in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
        let res = app
            .request(method.clone(), "/messages", &key(&t))
            .header(CONTENT_TYPE, "application/json")
            .body(json!({"endpointId": t.endpoint, "toAddress": "+15556667777", "body": method.as_str()}).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{method}");
        let m: Value = res.json().await.unwrap();
        assert_eq!(m["text"], method.as_str());
    }
    let list: Value = app.get("/messages", &key(&t)).await.json().await.unwrap();
    assert_eq!(list["totalCount"], 4);
}

#[tokio::test]
async fn q3_sends_reuse_one_conversation_and_session_per_address() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let a = app.send(&t, "+15556667777", "one").await;
    let b = app.send(&t, "+15556667777", "two").await;
    let c = app.send(&t, "+15556667778", "three").await;
    let [a, b, c] = [&a, &b, &c].map(|m| m["id"].as_str().unwrap().to_owned());
    let (a, b, c) = (
        app.session_of(&a).await,
        app.session_of(&b).await,
        app.session_of(&c).await,
    );
    assert_eq!(a, b);
    assert_ne!(a, c);
    let convs: Value = app
        .get("/conversations", &key(&t))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(convs["conversations"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn r5_send_into_a_session_goes_to_its_other_party() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let first = app.send(&t, "+15556667777", "first").await;
    let session = app.session_of(first["id"].as_str().unwrap()).await;
    // EndpointId and ToAddress are ignored when SessionId is given.
    let res = app
        .post_json(
            &format!("/sessions/{session}/messages"),
            &key(&t),
            &json!({"body": "reply", "toAddress": "+15550000000", "endpointId": "ignored"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let m: Value = res.json().await.unwrap();
    assert_eq!(m["otherAddress"], "+15556667777");
    assert_eq!(m["endpointId"], t.endpoint.as_str());
    assert_eq!(app.session_of(m["id"].as_str().unwrap()).await, session);
    // SessionId in the body of /messages works the same way.
    let res = app
        .post_json(
            "/messages",
            &key(&t),
            &json!({"sessionId": session, "body": "again"}),
        )
        .await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn unknown_or_malformed_sessions_and_endpoints_are_404() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    for path in ["/sessions/0000/messages", "/sessions/%27%3B--/messages"] {
        let res = app.post_json(path, &key(&t), &json!({"body": "x"})).await;
        assert_eq!(res.status(), 404, "{path}");
        let status = response_status(res).await;
        assert_eq!(status["errorCode"], "NotFound");
    }
    let res = app
        .post_json(
            "/messages",
            &key(&t),
            &json!({"endpointId": "nope", "toAddress": "+15556667777", "body": "x"}),
        )
        .await;
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn q8_wrong_verb_is_405_with_allow_and_r67_unknown_route_is_404() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let res = app.get("/sessions/abc/messages", &key(&t)).await;
    assert_eq!(res.status(), 405);
    assert!(res.headers().get("allow").is_some());
    response_status(res).await;
    let res = app.get("/no/such/route", &key(&t)).await;
    assert_eq!(res.status(), 404);
    let status = response_status(res).await;
    assert_eq!(status["message"], "Handler for Request not found");
}

async fn validation(app: &TestApp, t: &Tenant, body: Value) -> Vec<(String, String)> {
    let res = app.post_json("/messages", &key(t), &body).await;
    assert_eq!(res.status(), 400, "{body}");
    let status = response_status(res).await;
    let errors = field_errors(&status);
    // R64: the top-level code is the first error's.
    assert_eq!(
        status["errorCode"].as_str(),
        errors.first().map(|e| e.0.as_str())
    );
    errors
}

#[tokio::test]
async fn r61_r64_every_validation_error_names_its_field() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let e = t.endpoint.as_str();
    let pair = |c: &str, f: &str| (c.to_owned(), f.to_owned());
    assert_eq!(
        validation(
            &app,
            &t,
            json!({"endpointId": e, "toAddress": "+15556667777"})
        )
        .await,
        [pair("NotEmpty", "Body")]
    );
    assert_eq!(
        validation(
            &app,
            &t,
            json!({"endpointId": e, "toAddress": "+15556667777", "body": "  \n "})
        )
        .await,
        [pair("NotEmpty", "Body")]
    );
    assert_eq!(
        validation(
            &app,
            &t,
            json!({"endpointId": e, "toAddress": "+15556667777", "body": "a".repeat(1601)})
        )
        .await,
        [pair("MaxLength", "Body")]
    );
    assert_eq!(
        validation(
            &app,
            &t,
            json!({"endpointId": e, "toAddress": "+15556667777", "body": "bell\u{7}"})
        )
        .await,
        [pair("InvalidCharacters", "Body")]
    );
    assert_eq!(
        validation(&app, &t, json!({"body": "x"})).await,
        [
            pair("NotEmpty", "EndpointId"),
            pair("NotEmpty", "ToAddress")
        ]
    );
    assert_eq!(
        validation(&app, &t, json!({})).await,
        [
            pair("NotEmpty", "Body"),
            pair("NotEmpty", "EndpointId"),
            pair("NotEmpty", "ToAddress")
        ]
    );
    for bad in [
        "5556667777",
        "(555) 666-7777",
        "+1555666777",
        "+9991234567",
        "+1 555 666 7777",
    ] {
        assert_eq!(
            validation(
                &app,
                &t,
                json!({"endpointId": e, "toAddress": bad, "body": "x"})
            )
            .await,
            [pair("InvalidPhoneNumber", "ToAddress")],
            "{bad}"
        );
    }
}

#[tokio::test]
async fn national_format_is_rejected_with_a_message_saying_e164() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let res = app
        .post_json(
            "/messages",
            &key(&t),
            &json!({"endpointId": t.endpoint, "toAddress": "5556667777", "body": "x"}),
        )
        .await;
    let status = response_status(res).await;
    assert!(
        status["message"].as_str().unwrap().contains("E.164"),
        "{status}"
    );
}

#[tokio::test]
async fn fictional_555_numbers_and_1600_characters_are_accepted() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let body = "😀".repeat(1600);
    let m = app.send(&t, "+15550100999", &body).await;
    assert_eq!(m["text"].as_str().unwrap().chars().count(), 1600);
    app.send(&t, "+447700900123", "uk").await;
}

#[tokio::test]
async fn r62_unparseable_bodies_are_400_and_unknown_content_types_415() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let cases: [(&str, &[u8], u16); 7] = [
        ("application/json", b"{not json", 400),
        ("application/json", b"[1,2]", 400),
        ("application/json", b"{\"body\":\"\xff\xfe\"}", 400),
        ("application/xml", b"<SendMessage><Body>x</SendMessage>", 400),
        ("application/xml", b"<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e \"boom\">]><SendMessage><Body>&e;</Body></SendMessage>", 400),
        ("application/xml", b"<SendMessage><Body>\xff</Body></SendMessage>", 400),
        ("image/png", b"\x89PNG", 415),
    ];
    for (ct, body, status) in cases {
        let res = app.post_raw("/messages", &key(&t), ct, body.to_vec()).await;
        assert_eq!(
            res.status().as_u16(),
            status,
            "{ct} {:?}",
            String::from_utf8_lossy(body)
        );
        response_status(res).await;
    }
    let huge = vec![b'a'; 200 * 1024];
    let res = app
        .post_raw("/messages", &key(&t), "application/json", huge)
        .await;
    assert!(res.status().is_client_error(), "{}", res.status());
    // Nothing half-written: no message exists after all of that.
    let list: Value = app.get("/messages", &key(&t)).await.json().await.unwrap();
    assert_eq!(list["totalCount"], 0);
}

#[tokio::test]
async fn r63_no_credential_is_401_and_missing_user_role_is_403() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let body = json!({"endpointId": t.endpoint, "toAddress": "+15556667777", "body": "x"});
    let res = app.post_json("/messages", &Auth::None, &body).await;
    assert_eq!(res.status(), 401);
    assert_eq!(response_status(res).await["message"], "Not Authenticated");

    // Q15: Manager and SystemAdministrator do not imply User.
    for role in [Role::Manager, Role::SystemAdministrator, Role::Customer] {
        let email = format!("{}@acme.test", role.as_str().to_lowercase());
        let user = app.user(&t.account, &email, &[role]).await;
        let k = app.api_key(&user).await;
        let res = app.post_json("/messages", &Auth::Key(k), &body).await;
        assert_eq!(res.status(), 403, "{role:?}");
        assert_eq!(response_status(res).await["message"], "Invalid Role");
    }
}

#[tokio::test]
async fn r66_the_reason_phrase_carries_the_error_message() {
    let app = spawn_app().await;
    let (head, _) = raw_http(
        app.addr,
        "GET /messages HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(head.starts_with("http/1.1 401 not authenticated"), "{head}");
}

#[tokio::test]
async fn r60_errors_follow_the_negotiated_format() {
    let app = spawn_app().await;
    let res = app.get_xml("/messages", &Auth::None).await;
    assert_eq!(res.status(), 401);
    assert_eq!(res.headers()[CONTENT_TYPE], "application/xml");
    let text = res.text().await.unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "ErrorResponse");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://schemas.servicestack.net/types")
    );
    let names: Vec<&str> = root
        .first_element_child()
        .unwrap()
        .children()
        .filter(|n| n.is_element())
        .map(|n| n.tag_name().name())
        .collect();
    assert_eq!(names, ["ErrorCode", "Message", "StackTrace", "Errors"]);
}

#[tokio::test]
async fn each_message_is_stored_with_its_segments_and_encoding() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let cases = [
        ("a".repeat(160), 1, "GSM-7"),
        ("a".repeat(161), 2, "GSM-7"),
        ("€".repeat(81), 2, "GSM-7"),
        ("ж".repeat(71), 2, "UCS-2"),
        ("😀".repeat(35), 1, "UCS-2"),
    ];
    for (text, count, encoding) in cases {
        let m = app.send(&t, "+15556667777", &text).await;
        let delivery: Value = app
            .get(
                &format!("/messages/{}/delivery", m["id"].as_str().unwrap()),
                &key(&t),
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            (&delivery["segments"], &delivery["encoding"]),
            (&json!(count), &json!(encoding)),
            "{text}"
        );
    }
}
