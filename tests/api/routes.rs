//! Routes: predefined routes (R9-R11), format suffixes (R14), case-insensitive literals (R2),
//! verb override (R8), HEAD, and 404/405 (R67, Q8).

use crate::helpers::*;
use reqwest::Method;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde_json::{Value, json};

async fn total(app: &TestApp, t: &Tenant) -> u64 {
    let list: Value = app.get("/messages", &key(t)).await.json().await.unwrap();
    list["totalCount"].as_u64().unwrap()
}

fn send_body(t: &Tenant, text: &str) -> Value {
    json!({"endpointId": t.endpoint, "toAddress": "+15556667777", "body": text})
}

#[tokio::test]
async fn r9_reply_routes_fix_the_format_and_match_names_without_case() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let cases = [
        ("/json/reply/SendMessage", "application/json; charset=utf-8"),
        ("/xml/reply/sendmessage", "application/xml"),
        ("/jsv/reply/SENDMESSAGE", "text/jsv"),
        ("/csv/reply/SendMessage", "text/csv"),
        ("/jsonl/reply/SendMessage", "text/jsonl"),
        ("/JSON/Reply/SendMessage", "application/json; charset=utf-8"),
    ];
    for (path, content_type) in cases {
        let res = app
            .request(Method::POST, path, &key(&t))
            .header(ACCEPT, "application/xml")
            .header(CONTENT_TYPE, "application/json")
            .body(send_body(&t, path).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(res.headers()[CONTENT_TYPE], content_type, "{path}");
    }
    assert_eq!(total(&app, &t).await, cases.len() as u64);
    let res = app.get("/csv/reply/ListMessages", &key(&t)).await;
    assert_eq!(res.headers()[CONTENT_TYPE], "text/csv");
    assert_eq!(res.text().await.unwrap().lines().count(), 1 + cases.len());
    let res = app.get("/json/reply/NoSuchOperation", &key(&t)).await;
    assert_eq!(res.status(), 404);
    response_status(res).await;
}

#[tokio::test]
async fn r9_bodies_without_content_type_are_read_in_the_route_format() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let jsv = format!(
        "{{endpointId:{},toAddress:+15556667777,body:via jsv}}",
        t.endpoint
    );
    let res = app
        .request(Method::POST, "/jsv/reply/SendMessage", &key(&t))
        .body(jsv)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("text:via jsv"));
    let csv = format!(
        "EndpointId,ToAddress,Body\n{},+15556667777,via csv\n",
        t.endpoint
    );
    let res = app
        .request(Method::POST, "/csv/reply/SendMessage", &key(&t))
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn r11_oneway_runs_the_operation_and_answers_204() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let res = app
        .post_json(
            "/json/oneway/SendMessage",
            &key(&t),
            &send_body(&t, "one way"),
        )
        .await;
    assert_eq!(res.status(), 204);
    assert!(res.text().await.unwrap().is_empty());
    assert_eq!(total(&app, &t).await, 1);
    // Errors still come back.
    let res = app
        .post_json("/json/oneway/SendMessage", &key(&t), &json!({}))
        .await;
    assert_eq!(res.status(), 400);
}

#[tokio::test]
async fn r10_api_routes_are_json_unless_suffixed() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let res = app
        .post_json("/api/SendMessage", &key(&t), &send_body(&t, "api"))
        .await;
    assert_eq!(res.status(), 200);
    let res = app.get_xml("/api/ListMessages", &key(&t)).await;
    assert_eq!(
        res.headers()[CONTENT_TYPE],
        "application/json; charset=utf-8"
    );
    let res = app.get("/api/ListMessages.xml", &key(&t)).await;
    assert_eq!(res.headers()[CONTENT_TYPE], "application/xml");
    let res = app.get("/api/listconversations.csv", &key(&t)).await;
    assert_eq!(res.headers()[CONTENT_TYPE], "text/csv");
}

#[tokio::test]
async fn r14_suffixes_work_on_every_custom_route() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let first = app.send(&t, "+15556667777", "hi").await;
    let session = app.session_of(first["id"].as_str().unwrap()).await;
    for (ext, content_type) in [
        ("json", "application/json; charset=utf-8"),
        ("xml", "application/xml"),
        ("jsv", "text/jsv"),
        ("csv", "text/csv"),
        ("jsonl", "text/jsonl"),
    ] {
        for path in [format!("/messages.{ext}"), format!("/conversations.{ext}")] {
            let res = app.get_xml(&path, &key(&t)).await;
            assert_eq!(res.status(), 200, "{path}");
            assert_eq!(res.headers()[CONTENT_TYPE], content_type, "{path}");
        }
        let res = app
            .post_json(
                &format!("/sessions/{session}/messages.{ext}"),
                &key(&t),
                &json!({"body": ext}),
            )
            .await;
        assert_eq!(res.status(), 200, "{ext}");
        assert_eq!(res.headers()[CONTENT_TYPE], content_type);
    }
}

#[tokio::test]
async fn r2_route_literals_match_without_case() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    assert_eq!(app.get("/MESSAGES", &key(&t)).await.status(), 200);
    assert_eq!(app.get("/Conversations.Json", &key(&t)).await.status(), 200);
    assert_eq!(app.get("/Auth/Status", &Auth::None).await.status(), 200);
}

#[tokio::test]
async fn r2_fixed_pages_match_without_case_too() {
    // The route rewriting learns these paths from the routers that serve them.
    let app = spawn_app().await;
    for path in [
        "/HEALTH",
        "/Ready",
        "/Metrics",
        "/Types/Metadata",
        "/Types/TypeScript",
        "/OpenAPI.json",
        "/Metadata",
        "/XML/Metadata?op=SendMessage",
    ] {
        assert_eq!(app.get(path, &Auth::None).await.status(), 200, "{path}");
    }
    for path in ["/Webhooks/Twilio/Status", "/WEBHOOKS/twilio/SMS"] {
        let res = app
            .post_raw(path, &Auth::None, "application/x-www-form-urlencoded", "")
            .await;
        assert_eq!(res.status(), 403, "{path}: unsigned, but routed");
    }
}

#[tokio::test]
async fn r8_a_post_can_stand_for_another_verb() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    app.send(&t, "+15556667777", "hi").await;
    // POST /messages with an override to GET is ListMessages.
    let res = app
        .request(Method::POST, "/messages", &key(&t))
        .header("X-Http-Method-Override", "GET")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["totalCount"], 1);
    let res = app
        .post_raw(
            "/messages",
            &key(&t),
            "application/x-www-form-urlencoded",
            "_method=GET&countPerPage=5",
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["totalCount"], 1);
    // The form body still binds after being read for _method.
    let form = format!(
        "_method=PATCH&endpointId={}&toAddress=%2B15556667777&body=patched",
        t.endpoint
    );
    let res = app
        .post_raw(
            "/messages",
            &key(&t),
            "application/x-www-form-urlencoded",
            form,
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["text"], "patched");
    // An override to a verb the route does not take is 405.
    let res = app
        .request(Method::POST, "/conversations", &key(&t))
        .header("X-Http-Method-Override", "DELETE")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
}

#[tokio::test]
async fn wrong_verbs_are_405_and_unknown_paths_404() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let res = app
        .request(Method::DELETE, "/conversations", &key(&t))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    let allow = res.headers()["allow"].to_str().unwrap().to_owned();
    assert!(allow.contains("GET"), "{allow}");
    response_status(res).await;
    let res = app.get("/nothing/here.xml", &key(&t)).await;
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()[CONTENT_TYPE], "application/xml");
}

#[tokio::test]
async fn predefined_routes_never_let_a_get_change_data() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let query = format!("endpointId={}&toAddress=%2B15556667777&body=x", t.endpoint);
    for method in [Method::GET, Method::HEAD] {
        for path in [
            "/json/reply/SendMessage",
            "/api/SendMessage",
            "/json/oneway/SendMessage",
        ] {
            let res = app
                .request(method.clone(), &format!("{path}?{query}"), &key(&t))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 405, "{method} {path}");
            assert!(res.headers()["allow"].to_str().unwrap().contains("POST"));
        }
    }
    assert_eq!(total(&app, &t).await, 0);
    // Read-only operations take GET there, and POST too (clients that POST every call).
    assert_eq!(
        app.get("/json/reply/ListMessages", &key(&t)).await.status(),
        200
    );
    let res = app
        .request(Method::POST, "/json/reply/ListMessages", &key(&t))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn r2_path_variables_keep_their_case() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let res = app
        .post_json(
            "/SESSIONS/Messages/MESSAGES",
            &key(&t),
            &json!({"body": "x"}),
        )
        .await;
    assert_eq!(res.status(), 404);
    let status = response_status(res).await;
    assert!(
        status["message"].as_str().unwrap().contains("'Messages'"),
        "{status}"
    );
}

#[tokio::test]
async fn errors_before_routing_use_the_route_format() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let res = app
        .request(Method::POST, "/messages.xml", &key(&t))
        .header("X-Http-Method-Override", "bad verb")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(res.headers()[CONTENT_TYPE], "application/xml");
}

#[tokio::test]
async fn head_answers_get_headers_without_the_body() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    app.send(&t, "+15556667777", "hi").await;
    for path in ["/messages", "/messages.csv", "/conversations.xml"] {
        let get = app.get(path, &key(&t)).await;
        let get_len = get.headers()["content-length"].to_str().unwrap().to_owned();
        let get_type = get.headers()[CONTENT_TYPE].to_str().unwrap().to_owned();
        assert!(!get.text().await.unwrap().is_empty());
        let head = app
            .request(Method::HEAD, path, &key(&t))
            .send()
            .await
            .unwrap();
        assert_eq!(head.status(), 200);
        assert_eq!(
            head.headers()["content-length"].to_str().unwrap(),
            get_len,
            "{path}"
        );
        assert_eq!(
            head.headers()[CONTENT_TYPE].to_str().unwrap(),
            get_type,
            "{path}"
        );
    }
}
