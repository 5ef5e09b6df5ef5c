//! Response format selection (R12, R13, R15-R17).

use crate::helpers::*;
use reqwest::Method;
use reqwest::header::{ACCEPT, CONTENT_TYPE};

async fn content_type(
    app: &TestApp,
    t: &Tenant,
    path: &str,
    accept: &str,
    xml_body: bool,
) -> String {
    let mut req = app
        .request(Method::POST, path, &key(t))
        .header(ACCEPT, accept);
    req = if xml_body {
        req.header(CONTENT_TYPE, "application/xml").body(format!(
            "<SendMessage><EndpointId>{}</EndpointId><ToAddress>+15556667777</ToAddress><Body>x</Body></SendMessage>",
            t.endpoint
        ))
    } else {
        req.header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(format!(
                "endpointId={}&toAddress=%2B15556667777&body=x",
                t.endpoint
            ))
    };
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), 200);
    let ct = res.headers()[CONTENT_TYPE].to_str().unwrap().to_owned();
    let body = res.text().await.unwrap();
    if ct.starts_with("application/xml") {
        assert!(body.starts_with("<MessageInfo "), "{body}");
    } else {
        assert!(body.starts_with('{'), "{body}");
    }
    ct
}

#[tokio::test]
async fn r12_r13_format_query_beats_accept() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    assert_eq!(
        content_type(&app, &t, "/messages?format=xml", "application/json", false).await,
        "application/xml"
    );
    assert_eq!(
        content_type(&app, &t, "/messages?format=json.x", "application/xml", true).await,
        "application/json; charset=utf-8"
    );
    // An unknown format falls through to Accept.
    assert_eq!(
        content_type(&app, &t, "/messages?format=nope", "application/xml", false).await,
        "application/xml"
    );
}

#[tokio::test]
async fn r16_accept_header_picks_the_format_and_ignores_q_values() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    assert_eq!(
        content_type(&app, &t, "/messages", "application/xml", false).await,
        "application/xml"
    );
    assert_eq!(
        content_type(&app, &t, "/messages", "text/xml", false).await,
        "application/xml"
    );
    assert_eq!(
        content_type(
            &app,
            &t,
            "/messages",
            "application/json;q=0.1, application/xml;q=0.9",
            false
        )
        .await,
        "application/json; charset=utf-8"
    );
    // The request's own content type wins when it is accepted too.
    assert_eq!(
        content_type(
            &app,
            &t,
            "/messages",
            "application/json, application/xml",
            true
        )
        .await,
        "application/xml"
    );
}

#[tokio::test]
async fn r17_star_echoes_the_body_type_and_no_accept_means_json() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    assert_eq!(
        content_type(&app, &t, "/messages", "*/*", true).await,
        "application/xml"
    );
    assert_eq!(
        content_type(&app, &t, "/messages", "*/*", false).await,
        "application/json; charset=utf-8"
    );
    let xml = format!(
        "<SendMessage><EndpointId>{}</EndpointId><ToAddress>+15556667777</ToAddress><Body>x</Body></SendMessage>",
        t.endpoint
    );
    let request = format!(
        "POST /messages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{xml}",
        t.key,
        xml.len()
    );
    let (head, body) = raw_http(app.addr, &request).await;
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(
        head.contains("content-type: application/json; charset=utf-8"),
        "{head}"
    );
    assert!(body.starts_with('{'), "{body}");
}
