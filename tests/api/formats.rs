//! Golden tests per format (JSON, XML, JSV, CSV, JSON Lines) for a single DTO, a list response
//! and an error response (R15, R19-R22, R40-R45, R50-R53), with the run's ids and dates replaced
//! by placeholders.

use crate::helpers::*;
use reqwest::Method;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde_json::json;

struct Fixture {
    app: TestApp,
    t: Tenant,
    /// (real value, placeholder) pairs.
    names: Vec<(String, String)>,
}

async fn fixture() -> Fixture {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let first = app.send(&t, "+15556667777", "Hello, \"world\"").await;
    let second = app.send(&t, "+15556667778", "Plain").await;
    let mut names = vec![
        (t.account.clone(), "ACCOUNT".to_owned()),
        (t.endpoint.clone(), "ENDPOINT".to_owned()),
    ];
    for (m, n) in [(&first, "1"), (&second, "2")] {
        names.push((m["id"].as_str().unwrap().to_owned(), format!("M{n}")));
        names.push((m["date"].as_str().unwrap().to_owned(), format!("D{n}")));
    }
    Fixture { app, t, names }
}

impl Fixture {
    async fn fetch(
        &self,
        method: Method,
        path: &str,
        accept: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, String, String) {
        let mut req = self
            .app
            .request(method, path, &key(&self.t))
            .header(ACCEPT, accept);
        if let Some(body) = body {
            req = req
                .header(CONTENT_TYPE, "application/json")
                .body(body.to_string());
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let ct = res.headers()[CONTENT_TYPE].to_str().unwrap().to_owned();
        let mut text = res.text().await.unwrap();
        for (real, placeholder) in &self.names {
            text = text.replace(real, placeholder);
        }
        (status, ct, text)
    }

    async fn single(&self, accept: &str) -> (u16, String, String) {
        let body = json!({"endpointId": self.t.endpoint, "toAddress": "+15556667777", "body": "Hello, \"world\""});
        let (status, ct, text) = self
            .fetch(Method::POST, "/messages", accept, Some(body))
            .await;
        // A fresh message: give its id and date placeholders too.
        let id = text
            .split(|c: char| !c.is_ascii_alphanumeric())
            .find(|w| w.len() == 32)
            .unwrap_or("")
            .to_owned();
        (status, ct, text.replace(&id, "M3"))
    }
}

const HEADER: &str = "Id,AccountId,CustomerId,EndpointId,EndpointDisplayName,Date,Direction,OtherAddress,Sender,Text,IsUnread";

fn scrub_date(text: &str) -> String {
    // The newly sent message's date is unknown in advance: blank every RFC 3339 stamp left.
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("20") {
        let candidate = &rest[i..];
        if candidate.len() >= 24
            && candidate.as_bytes()[10] == b'T'
            && candidate.as_bytes()[23] == b'Z'
        {
            out.push_str(&rest[..i]);
            out.push_str("D3");
            rest = &candidate[24..];
        } else {
            out.push_str(&rest[..i + 2]);
            rest = &rest[i + 2..];
        }
    }
    out.push_str(rest);
    out
}

#[tokio::test]
async fn r15_golden_single_dto_in_every_format() {
    let f = fixture().await;
    let cases = [
        ("application/json", "application/json; charset=utf-8",
         r#"{"id":"M3","accountId":"ACCOUNT","endpointId":"ENDPOINT","endpointDisplayName":"Acme main line","date":"D3","direction":"Outgoing","otherAddress":"+15556667777","sender":"Test User","text":"Hello, \"world\"","isUnread":false}"#.to_owned()),
        ("text/jsv", "text/jsv",
         r#"{id:M3,accountId:ACCOUNT,endpointId:ENDPOINT,endpointDisplayName:Acme main line,date:"D3",direction:Outgoing,otherAddress:+15556667777,sender:Test User,text:"Hello, ""world""",isUnread:False}"#.to_owned()),
        ("text/csv", "text/csv",
         format!("{HEADER}\r\nM3,ACCOUNT,,ENDPOINT,Acme main line,D3,Outgoing,+15556667777,Test User,\"Hello, \"\"world\"\"\",False\r\n")),
        ("text/jsonl", "text/jsonl",
         "{\"id\":\"M3\",\"accountId\":\"ACCOUNT\",\"endpointId\":\"ENDPOINT\",\"endpointDisplayName\":\"Acme main line\",\"date\":\"D3\",\"direction\":\"Outgoing\",\"otherAddress\":\"+15556667777\",\"sender\":\"Test User\",\"text\":\"Hello, \\\"world\\\"\",\"isUnread\":false}\n".to_owned()),
        ("application/xml", "application/xml",
         "<MessageInfo xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns=\"http://schemas.datacontract.org/2004/07/Voice.Api.Messaging\"><AccountId>ACCOUNT</AccountId><CustomerId i:nil=\"true\" /><Date>D3</Date><Direction>Outgoing</Direction><EndpointDisplayName>Acme main line</EndpointDisplayName><EndpointId>ENDPOINT</EndpointId><Id>M3</Id><IsUnread>false</IsUnread><OtherAddress>+15556667777</OtherAddress><Sender>Test User</Sender><Text>Hello, &quot;world&quot;</Text></MessageInfo>".to_owned()),
    ];
    for (accept, content_type, expected) in cases {
        let (status, ct, text) = f.single(accept).await;
        assert_eq!(status, 200, "{accept}");
        assert_eq!(ct, content_type);
        assert_eq!(scrub_date(&text), expected, "{accept}");
    }
}

#[tokio::test]
async fn golden_list_response_in_every_format() {
    let f = fixture().await;
    let m2 = r#"{"id":"M2","accountId":"ACCOUNT","endpointId":"ENDPOINT","endpointDisplayName":"Acme main line","date":"D2","direction":"Outgoing","otherAddress":"+15556667778","sender":"Test User","text":"Plain","isUnread":false}"#;
    let m1 = r#"{"id":"M1","accountId":"ACCOUNT","endpointId":"ENDPOINT","endpointDisplayName":"Acme main line","date":"D1","direction":"Outgoing","otherAddress":"+15556667777","sender":"Test User","text":"Hello, \"world\"","isUnread":false}"#;
    let cases = [
        ("application/json", format!(r#"{{"items":[{m2},{m1}],"totalCount":2,"totalPages":1,"hasMorePages":false}}"#)),
        ("text/jsonl", format!("{m2}\n{m1}\n")),
        ("text/jsv", "{items:[{id:M2,accountId:ACCOUNT,endpointId:ENDPOINT,endpointDisplayName:Acme main line,date:\"D2\",direction:Outgoing,otherAddress:+15556667778,sender:Test User,text:Plain,isUnread:False},{id:M1,accountId:ACCOUNT,endpointId:ENDPOINT,endpointDisplayName:Acme main line,date:\"D1\",direction:Outgoing,otherAddress:+15556667777,sender:Test User,text:\"Hello, \"\"world\"\"\",isUnread:False}],totalCount:2,totalPages:1,hasMorePages:False}".to_owned()),
        ("text/csv", format!("{HEADER}\r\nM2,ACCOUNT,,ENDPOINT,Acme main line,D2,Outgoing,+15556667778,Test User,Plain,False\r\nM1,ACCOUNT,,ENDPOINT,Acme main line,D1,Outgoing,+15556667777,Test User,\"Hello, \"\"world\"\"\",False\r\n")),
    ];
    for (accept, expected) in cases {
        let (status, _, text) = f.fetch(Method::GET, "/messages", accept, None).await;
        assert_eq!(status, 200, "{accept}");
        assert_eq!(text, expected, "{accept}");
    }
    let (_, _, xml) = f
        .fetch(Method::GET, "/messages", "application/xml", None)
        .await;
    assert!(xml.starts_with("<ListResponseOfMessageInfo xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns=\"http://schemas.datacontract.org/2004/07/Voice.Api\"><HasMorePages>false</HasMorePages><Items xmlns:d2p1=\"http://schemas.datacontract.org/2004/07/Voice.Api.Messaging\"><d2p1:MessageInfo><d2p1:AccountId>ACCOUNT</d2p1:AccountId>"), "{xml}");
    assert!(xml.ends_with("</Items><TotalCount>2</TotalCount><TotalPages>1</TotalPages></ListResponseOfMessageInfo>"), "{xml}");
}

#[tokio::test]
async fn golden_error_response_in_every_format() {
    let f = fixture().await;
    let body = json!({"endpointId": f.t.endpoint, "toAddress": "+15556667777"});
    let message = "'Body' must not be empty.";
    let json_error = format!(
        r#"{{"responseStatus":{{"errorCode":"NotEmpty","message":"{message}","errors":[{{"errorCode":"NotEmpty","fieldName":"Body","message":"{message}"}}]}}}}"#
    );
    let status = format!(
        "{{errorCode:NotEmpty,message:{message},errors:[{{errorCode:NotEmpty,fieldName:Body,message:{message}}}]}}"
    );
    let jsv_error = format!("{{responseStatus:{status}}}");
    let cases = [
        ("application/json", json_error.clone()),
        ("text/jsonl", format!("{json_error}\n")),
        ("text/jsv", jsv_error.clone()),
        ("text/csv", format!("ResponseStatus\r\n\"{status}\"\r\n")),
        (
            "application/xml",
            "<ErrorResponse xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns=\"http://schemas.servicestack.net/types\"><ResponseStatus><ErrorCode>NotEmpty</ErrorCode><Message>&apos;Body&apos; must not be empty.</Message><StackTrace i:nil=\"true\" /><Errors><ResponseError><ErrorCode>NotEmpty</ErrorCode><FieldName>Body</FieldName><Message>&apos;Body&apos; must not be empty.</Message></ResponseError></Errors></ResponseStatus></ErrorResponse>".to_owned(),
        ),
    ];
    for (accept, expected) in cases {
        let (status, _, text) = f
            .fetch(Method::POST, "/messages", accept, Some(body.clone()))
            .await;
        assert_eq!(status, 400, "{accept}");
        assert_eq!(text, expected, "{accept}");
    }
}

#[tokio::test]
async fn r53_request_bodies_in_every_format_bind_alike() {
    let f = fixture().await;
    let e = &f.t.endpoint;
    let bodies = [
        (
            "text/jsv",
            format!("{{endpointId:{e},toAddress:+15556667777,body:\"jsv, body\"}}"),
            "jsv, body",
        ),
        (
            "text/csv",
            format!("EndpointId,ToAddress,Body\r\n{e},+15556667777,\"csv, body\"\r\n"),
            "csv, body",
        ),
        (
            "text/jsonl",
            format!(
                "{{\"endpointId\":\"{e}\",\"toAddress\":\"+15556667777\",\"body\":\"jsonl body\"}}\n"
            ),
            "jsonl body",
        ),
    ];
    for (ct, body, text) in bodies {
        let res = f.app.post_raw("/messages", &key(&f.t), ct, body).await;
        assert_eq!(res.status(), 200, "{ct}");
        assert_eq!(res.json::<serde_json::Value>().await.unwrap()["text"], text);
    }
    for (ct, body) in [
        ("text/jsv", "{endpointId:"),
        ("text/csv", "Body\r\n"),
        ("text/csv", "A,B\r\n1\r\n"),
        ("text/jsonl", "[1]"),
    ] {
        let res = f.app.post_raw("/messages", &key(&f.t), ct, body).await;
        assert_eq!(res.status(), 400, "{ct} {body}");
        response_status(res).await;
    }
}

#[tokio::test]
async fn r19_jsonp_wraps_answers_and_errors_with_200() {
    let f = fixture().await;
    let res = f.app.get("/messages?callback=app.onList", &key(&f.t)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()[CONTENT_TYPE], "text/javascript");
    let text = res.text().await.unwrap();
    assert!(
        text.starts_with("app.onList({\"items\":[") && text.ends_with("})"),
        "{text}"
    );

    let res = f
        .app
        .get("/messages?callback=cb&countPerPage=x", &key(&f.t))
        .await;
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();
    assert!(
        text.starts_with("cb({\"responseStatus\":{\"errorCode\":\"InvalidNumber\""),
        "{text}"
    );

    // A callback that is not an identifier path is refused before the operation runs.
    let res = f
        .app
        .post_json(
            "/messages?callback=alert(1)",
            &key(&f.t),
            &json!({"endpointId": f.t.endpoint, "toAddress": "+15556667777", "body": "x"}),
        )
        .await;
    assert_eq!(res.status(), 400);
    assert_eq!(response_status(res).await["errorCode"], "InvalidCallback");
    let list: serde_json::Value = f
        .app
        .get("/messages", &key(&f.t))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["totalCount"], 2);
}

#[tokio::test]
async fn empty_list_responses_still_name_their_columns() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let csv = app
        .get("/messages.csv", &key(&t))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(csv, format!("{HEADER}\r\n"));
    let csv = app
        .get("/conversations.csv", &key(&t))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        csv,
        "Id,EndpointId,OtherAddress,MostRecentMessage,UnreadCount\r\n"
    );
    let lines = app
        .get("/messages.jsonl", &key(&t))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(lines, "");
}

#[tokio::test]
async fn jsv_bodies_keep_spaces_and_jsonp_is_safe_javascript() {
    let f = fixture().await;
    let body = format!(
        "{{endpointId:{},toAddress:+15556667777,body:  padded \u{2028} }}",
        f.t.endpoint
    );
    let res = f
        .app
        .post_raw("/messages", &key(&f.t), "text/jsv", body)
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<serde_json::Value>().await.unwrap()["text"],
        "  padded \u{2028} "
    );
    let res = f
        .app
        .get("/messages?CALLBACK=cb&countPerPage=1", &key(&f.t))
        .await;
    let text = res.text().await.unwrap();
    assert!(
        text.starts_with("cb(") && text.contains("\\u2028") && !text.contains('\u{2028}'),
        "{text}"
    );
    // An empty callback is no callback.
    let res = f.app.get("/messages?callback=", &key(&f.t)).await;
    assert_eq!(
        res.headers()[CONTENT_TYPE],
        "application/json; charset=utf-8"
    );
}
