//! Bad input never hurts: each case here once produced a 500, a wrong answer, a leak or a hang.

use crate::helpers::*;
use reqwest::Method;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde_json::{Value, json};

#[tokio::test]
async fn huge_page_numbers_are_answered_not_overflowed() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    app.send(&t, "+15556667777", "x").await;
    let res = app
        .get(&format!("/messages?page={}", i32::MAX), &key(&t))
        .await;
    assert_eq!(res.status(), 200);
    let page: Value = res.json().await.unwrap();
    assert_eq!(page["items"], json!([]));
    assert_eq!(page["hasMorePages"], false);
    let res = app
        .get(
            &format!("/messages?countPerPage={}&page={}", i32::MAX, i32::MAX),
            &key(&t),
        )
        .await;
    assert_eq!(res.status(), 200);
    // Beyond 32 bits is not a contract `int`.
    let res = app
        .get(&format!("/messages?page={}", i64::MAX), &key(&t))
        .await;
    assert_eq!(res.status(), 400);
    let res = app
        .get("/messages?page=99999999999999999999", &key(&t))
        .await;
    assert_eq!(res.status(), 400);
}

#[tokio::test]
async fn a_malformed_path_id_is_404_even_with_endpoint_fields() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let res = app
        .post_json(
            "/sessions/%FF/messages",
            &key(&t),
            &json!({"endpointId": t.endpoint, "toAddress": "+15556660000", "body": "x"}),
        )
        .await;
    assert_eq!(res.status(), 404);
    response_status(res).await;
    let list: Value = app.get("/messages", &key(&t)).await.json().await.unwrap();
    assert_eq!(list["totalCount"], 0);
}

#[tokio::test]
async fn invalid_utf8_in_forms_and_queries_is_400() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let mut form = format!(
        "endpointId={}&toAddress=%2B15556667777&body=raw",
        t.endpoint
    )
    .into_bytes();
    form.push(0xff);
    let res = app
        .post_raw(
            "/messages",
            &key(&t),
            "application/x-www-form-urlencoded",
            form,
        )
        .await;
    assert_eq!(res.status(), 400);
    let form = format!(
        "endpointId={}&toAddress=%2B15556667777&body=%FF%FE",
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
    assert_eq!(res.status(), 400);
    let res = app.get("/messages?accountIds=%C3%28", &key(&t)).await;
    assert_eq!(res.status(), 400);
    assert_eq!(
        response_status(res).await["errorCode"],
        "SerializationException"
    );
}

#[tokio::test]
async fn characters_xml_cannot_carry_are_refused_in_bodies() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    for bad in ["bad \u{FFFE}", "bad \u{FFFF}", "nul \u{0}"] {
        let res = app
            .post_json(
                "/messages",
                &key(&t),
                &json!({"endpointId": t.endpoint, "toAddress": "+15556667777", "body": bad}),
            )
            .await;
        assert_eq!(res.status(), 400, "{bad:?}");
        assert_eq!(
            field_errors(&response_status(res).await)[0].0,
            "InvalidCharacters"
        );
    }
    let xml = app
        .get_xml("/messages", &key(&t))
        .await
        .text()
        .await
        .unwrap();
    roxmltree::Document::parse(&xml).expect("XML stays well-formed");
}

#[tokio::test]
async fn id_filters_are_capped_instead_of_overflowing_sql() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let many = vec!["a"; 1001].join(",");
    for field in [
        "specificIds",
        "endpointIds",
        "accountIds",
        "conversationIds",
        "customerIds",
    ] {
        let res = app
            .request(Method::GET, "/messages", &key(&t))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(format!("{field}={many}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{field}");
        assert_eq!(field_errors(&response_status(res).await)[0].0, "MaxItems");
    }
    let res = app
        .get(&format!("/conversations?endpointIds={many}"), &key(&t))
        .await;
    assert_eq!(res.status(), 400);
    let ok = vec!["a"; 1000].join(",");
    let res = app
        .get(&format!("/messages?specificIds={ok}"), &key(&t))
        .await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn oversized_bodies_are_413_and_a_bom_is_not_content() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let res = app
        .post_raw(
            "/messages",
            &key(&t),
            "application/json",
            vec![b' '; 100 * 1024],
        )
        .await;
    assert_eq!(res.status(), 413);
    response_status(res).await;
    let mut body = b"\xEF\xBB\xBF".to_vec();
    body.extend(
        json!({"endpointId": t.endpoint, "toAddress": "+15556667777", "body": "bom"})
            .to_string()
            .bytes(),
    );
    let res = app
        .post_raw("/messages", &key(&t), "application/json", body)
        .await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn every_error_outside_an_operation_still_has_a_response_status() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let res = app
        .request(Method::POST, "/health", &Auth::None)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    response_status(res).await;
    let res = app
        .request(Method::POST, "/messages", &key(&t))
        .header("X-Http-Method-Override", "NOT A VERB")
        .header(ACCEPT, "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    response_status(res).await;
}

#[tokio::test]
async fn logout_ends_every_token_whatever_the_scheme_spelling() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let login = |remember: bool| {
        let app = &app;
        let email = t.email.clone();
        async move {
            let res = app
                .post_json(
                    "/auth/credentials",
                    &Auth::None,
                    &json!({"userName": email, "password": PASSWORD, "rememberMe": remember}),
                )
                .await;
            res.json::<Value>().await.unwrap()["bearerToken"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let first = login(false).await;
    let second = login(true).await;
    // A lower-case scheme with extra spaces, plus a cookie for the other login.
    let res = app
        .request(
            Method::POST,
            "/auth/logout",
            &Auth::Header("authorization", format!("bearer  {first}")),
        )
        .header("cookie", format!("ss-id={second}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    for token in [first, second] {
        let res = app
            .get(
                "/messages",
                &Auth::Header("authorization", format!("Bearer {token}")),
            )
            .await;
        assert_eq!(res.status(), 401);
    }
}

#[tokio::test]
async fn concurrent_wrong_passwords_cannot_outrun_the_throttle() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..40 {
        let (client, url) = (app.client.clone(), app.url("/messages"));
        tasks.spawn(async move {
            client
                .get(url)
                .basic_auth(format!("guess{i}@acme.test"), Some("wrong password"))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        });
    }
    let mut statuses = Vec::new();
    while let Some(s) = tasks.join_next().await {
        statuses.push(s.unwrap());
    }
    let unauthorized = statuses.iter().filter(|s| **s == 401).count();
    let throttled = statuses.iter().filter(|s| **s == 429).count();
    assert!(
        unauthorized <= 10,
        "{unauthorized} guesses were checked: {statuses:?}"
    );
    assert_eq!(unauthorized + throttled, 40, "{statuses:?}");
    // The address is now throttled, but API keys still work.
    assert_eq!(app.get("/messages", &key(&t)).await.status(), 200);
}

#[tokio::test]
async fn a_client_that_never_finishes_its_request_head_is_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app().await;
    let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        stream.read_to_end(&mut buf),
    )
    .await;
    assert!(read.is_ok(), "the server kept a half-sent request open");
}
