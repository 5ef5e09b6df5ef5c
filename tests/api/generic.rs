//! Proof that the machinery is generic: a throw-away operation, registered and nothing more, is
//! reachable through its custom route, every format, every suffix and every predefined route;
//! and so is every operation evo registers.

use crate::helpers::*;
use evo::error::{Error, Result};
use evo::server::operation::PREDEFINED_FORMATS;
use evo::server::{Access, Call, Operation, Route, Verb};
use evo::wire::schema::{DtoDef, FieldDef, Source, Ty};
use evo::wire::{Dto, Fields, FromFields, Object, Reply, ns};
use reqwest::Method;
use reqwest::header::{ACCEPT, CONTENT_TYPE};

struct Echo {
    name: String,
    tags: Vec<String>,
    count: i64,
}

impl FromFields for Echo {
    fn from_fields(f: &Fields) -> Result<Self> {
        Ok(Echo {
            name: f.text("Name").unwrap_or("nobody").to_owned(),
            tags: f.list("Tags"),
            count: f
                .int("Count")
                .map_err(|e| Error::Validation(vec![e]))?
                .unwrap_or(0),
        })
    }
}

struct EchoResponse(Echo);

impl Dto for EchoResponse {
    fn to_wire(&self) -> Object {
        Object::new("EchoResponse", ns::API)
            .field("Name", self.0.name.as_str())
            .field("Tags", self.0.tags.clone())
            .field("Count", self.0.count)
    }
}

async fn echo(call: Call) -> Result<Reply> {
    let req: Echo = call.bind()?;
    Ok(Reply::of(&EchoResponse(req)))
}

static ECHO_REQUEST: DtoDef = DtoDef {
    name: "Echo",
    namespace: ns::API,
    description: "Says back what it was told (a throw-away operation)",
    fields: &[
        FieldDef::new("Name", Ty::String, Source::Path),
        FieldDef::new("Tags", Ty::List(&Ty::String), Source::Query),
        FieldDef::new("Count", Ty::Int, Source::Query),
    ],
};

static ECHO_RESPONSE: DtoDef = DtoDef {
    name: "EchoResponse",
    namespace: ns::API,
    description: "",
    fields: &[
        FieldDef::new("Name", Ty::String, Source::Form),
        FieldDef::new("Tags", Ty::List(&Ty::String), Source::Form),
        FieldDef::new("Count", Ty::Int, Source::Form),
    ],
};

pub static ECHO: Operation = Operation {
    request: &ECHO_REQUEST,
    response: Some(&ECHO_RESPONSE),
    routes: &[Route {
        path: "/echo/{name}",
        verbs: &[],
    }],
    changes_data: false,
    access: Access::Public,
    handler: |call| Box::pin(echo(call)),
};

async fn explode(_: Call) -> Result<Reply> {
    panic!("a handler bug")
}

static EXPLODE_REQUEST: DtoDef = DtoDef {
    name: "Explode",
    namespace: ns::API,
    description: "Panics",
    fields: &[],
};

static EXPLODE: Operation = Operation {
    request: &EXPLODE_REQUEST,
    response: None,
    routes: &[Route {
        path: "/explode",
        verbs: &[],
    }],
    changes_data: false,
    access: Access::Public,
    handler: |call| Box::pin(explode(call)),
};

#[tokio::test]
async fn r60_a_panicking_handler_answers_500_in_the_negotiated_format() {
    let mut ops = evo::server::operations();
    ops.push(&EXPLODE);
    let app = spawn_app_with(ops).await;
    let (status, ct, text) = call(&app, Method::GET, "/explode.xml", None).await;
    assert_eq!(status, 500);
    assert_eq!(ct, "application/xml");
    assert!(text.contains("<ErrorCode>Exception</ErrorCode>"), "{text}");
    assert!(
        !text.contains("a handler bug"),
        "internal details stay in the log"
    );
    // The server keeps serving.
    assert_eq!(call(&app, Method::GET, "/explode", None).await.0, 500);
}

async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    accept: Option<&str>,
) -> (u16, String, String) {
    let mut req = app.request(method, path, &Auth::None);
    if let Some(a) = accept {
        req = req.header(ACCEPT, a);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get(CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, ct, res.text().await.unwrap())
}

#[tokio::test]
async fn a_registered_operation_gets_every_route_and_format() {
    let mut ops = evo::server::operations();
    ops.push(&ECHO);
    let app = spawn_app_with(ops).await;

    let expected = [
        (
            "json",
            "application/json; charset=utf-8",
            r#"{"name":"ann","tags":["a","b"],"count":2}"#,
        ),
        (
            "xml",
            "application/xml",
            "<EchoResponse xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns=\"http://schemas.datacontract.org/2004/07/Voice.Api\"><Count>2</Count><Name>ann</Name><Tags xmlns:d2p1=\"http://schemas.microsoft.com/2003/10/Serialization/Arrays\"><d2p1:string>a</d2p1:string><d2p1:string>b</d2p1:string></Tags></EchoResponse>",
        ),
        ("jsv", "text/jsv", "{name:ann,tags:[a,b],count:2}"),
        ("csv", "text/csv", "Name,Tags,Count\r\nann,\"[a,b]\",2\r\n"),
        (
            "jsonl",
            "text/jsonl",
            "{\"name\":\"ann\",\"tags\":[\"a\",\"b\"],\"count\":2}\n",
        ),
    ];
    for (ext, content_type, body) in expected {
        // Custom route (any verb), with a suffix, with ?format= and with Accept.
        let media = content_type.split(';').next().unwrap();
        for (method, path, accept) in [
            (
                Method::GET,
                format!("/echo/ann.{ext}?tags=a,b&count=2"),
                None,
            ),
            (
                Method::PUT,
                format!("/echo/ann?tags=[a,b]&count=2&format={ext}"),
                None,
            ),
            (
                Method::GET,
                "/echo/ann?tags=a&tags=b&count=2".to_owned(),
                Some(media),
            ),
            (
                Method::POST,
                format!("/{ext}/reply/Echo?name=ann&tags=a,b&count=2"),
                Some("application/xml"),
            ),
            (
                Method::GET,
                format!("/{ext}/reply/echo?name=ann&tags=a,b&count=2"),
                None,
            ),
            (
                Method::POST,
                format!("/api/Echo.{ext}?name=ann&tags=a,b&count=2"),
                None,
            ),
        ] {
            let (status, ct, text) = call(&app, method.clone(), &path, accept).await;
            assert_eq!(status, 200, "{method} {path}");
            assert_eq!(ct, content_type, "{method} {path}");
            assert_eq!(text, body, "{method} {path}");
        }
        let (status, _, text) = call(
            &app,
            Method::POST,
            &format!("/{ext}/oneway/Echo?name=ann"),
            None,
        )
        .await;
        assert_eq!((status, text.as_str()), (204, ""), "{ext} oneway");
    }
    let (_, ct, text) = call(
        &app,
        Method::GET,
        "/api/Echo?name=ann",
        Some("application/xml"),
    )
    .await;
    assert_eq!(
        (ct.as_str(), text.as_str()),
        (
            "application/json; charset=utf-8",
            r#"{"name":"ann","tags":[],"count":0}"#
        )
    );
    let (status, _, text) = call(&app, Method::GET, "/echo/ann?count=x&callback=cb", None).await;
    assert_eq!(status, 200);
    assert!(
        text.starts_with("cb({\"responseStatus\":{\"errorCode\":\"InvalidNumber\""),
        "{text}"
    );

    // Request bodies in every format bind the same DTO.
    for (ct, body) in [
        ("application/json", r#"{"tags":["a","b"],"count":2}"#),
        (
            "application/xml",
            "<Echo><Tags><string>a</string><string>b</string></Tags><Count>2</Count></Echo>",
        ),
        ("text/jsv", "{tags:[a,b],count:2}"),
        ("text/csv", "Tags,Count\r\n\"[a,b]\",2\r\n"),
        ("text/jsonl", "{\"tags\":[\"a\",\"b\"],\"count\":2}\n"),
    ] {
        let res = app
            .request(Method::POST, "/echo/ann", &Auth::None)
            .header(CONTENT_TYPE, ct)
            .header(ACCEPT, "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{ct}");
        assert_eq!(
            res.text().await.unwrap(),
            r#"{"name":"ann","tags":["a","b"],"count":2}"#,
            "{ct}"
        );
    }
}

const ALL_VERBS: [Verb; 5] = [Verb::Get, Verb::Post, Verb::Put, Verb::Patch, Verb::Delete];

fn method(verb: Verb) -> Method {
    Method::from_bytes(verb.as_str().as_bytes()).unwrap()
}

/// A route template with every variable filled in.
fn filled(template: &str) -> String {
    template
        .split('/')
        .map(|s| if s.starts_with('{') { "x1" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

/// Every (verb, path) `op` should answer on, as its registration alone implies: its custom
/// routes with their verbs (an All Verbs route with the verbs no other route on its path
/// takes), each with every format suffix too; `/api/{Name}` with and without a suffix; and
/// `/{format}/reply|oneway/{Name}` for every predefined format, by POST and, unless the
/// operation changes data, by GET.
fn ways_to_reach(op: &Operation, ops: &[&'static Operation]) -> Vec<(Method, String)> {
    let mut ways = Vec::new();
    for route in op.routes {
        let verbs: Vec<Verb> = if route.verbs.is_empty() {
            let taken: Vec<Verb> = ops
                .iter()
                .flat_map(|o| o.routes)
                .filter(|r| r.path == route.path)
                .flat_map(|r| r.verbs.iter().copied())
                .collect();
            ALL_VERBS
                .into_iter()
                .filter(|v| !taken.contains(v))
                .collect()
        } else {
            route.verbs.to_vec()
        };
        let path = filled(route.path);
        for verb in verbs {
            ways.push((method(verb), path.clone()));
            for ext in PREDEFINED_FORMATS {
                ways.push((method(verb), format!("{path}.{ext}")));
            }
        }
    }
    let name = op.name();
    let verbs: &[Method] = if op.accepts_get() {
        &[Method::POST, Method::GET]
    } else {
        &[Method::POST]
    };
    for verb in verbs {
        ways.push((verb.clone(), format!("/api/{name}")));
        for ext in PREDEFINED_FORMATS {
            ways.push((verb.clone(), format!("/api/{name}.{ext}")));
            ways.push((verb.clone(), format!("/{ext}/reply/{name}")));
            ways.push((
                verb.clone(),
                format!("/{ext}/reply/{}", name.to_lowercase()),
            ));
            ways.push((verb.clone(), format!("/{ext}/oneway/{name}")));
        }
    }
    ways
}

#[tokio::test]
async fn every_registered_operation_is_reachable_every_way() {
    let mut ops = evo::server::operations();
    ops.push(&ECHO);
    let app = spawn_app_with(ops.clone()).await;
    for op in &ops {
        let ways = ways_to_reach(op, &ops);
        assert!(ways.len() > 2 * PREDEFINED_FORMATS.len(), "{}", op.name());
        for (method, path) in ways {
            // Without credentials most operations answer 401, public ones 200, 204 or 400:
            // any of them proves the request reached the operation.
            let (status, _, text) =
                call(&app, method.clone(), &path, Some("application/json")).await;
            let unrouted = status == 405
                || (status == 404
                    && (text.contains("Handler for Request not found")
                        || text.contains("Unknown operation")));
            assert!(
                !unrouted,
                "{}: {method} {path} answered {status} {text}",
                op.name()
            );
        }
        // A predefined GET is refused exactly for the operations that change data.
        if !op.accepts_get() {
            for path in [
                format!("/json/reply/{}", op.name()),
                format!("/api/{}", op.name()),
            ] {
                assert_eq!(call(&app, Method::GET, &path, None).await.0, 405, "{path}");
            }
        }
    }
}

#[tokio::test]
async fn a_registered_operation_is_described_in_metadata_and_openapi() {
    let mut ops = evo::server::operations();
    ops.push(&ECHO);
    let app = spawn_app_with(ops.clone()).await;

    let metadata: serde_json::Value = app
        .get("/types/metadata", &Auth::None)
        .await
        .json()
        .await
        .unwrap();
    let described = metadata["operations"].as_array().unwrap();
    let names: Vec<&str> = described
        .iter()
        .map(|o| o["request"]["name"].as_str().unwrap())
        .collect();
    // Every registered operation, in registration order, the throw-away one last.
    let registered: Vec<&str> = ops.iter().map(|op| op.name()).collect();
    assert_eq!(names, registered);
    let echo = described.last().unwrap();
    assert_eq!(echo["response"]["name"], "EchoResponse");
    assert_eq!(echo["routes"][0]["path"], "/echo/{name}");
    assert_eq!(echo["requiresAuth"], false);
    let send = &described[names.iter().position(|n| *n == "SendMessage").unwrap()];
    assert_eq!(send["requiredRoles"], serde_json::json!(["User"]));
    assert_eq!(send["request"]["properties"][0]["name"], "SessionId");
    assert_eq!(send["request"]["properties"][0]["paramType"], "path");

    let res = app.get("/openapi.json", &Auth::None).await;
    assert_eq!(res.status(), 200);
    let doc: serde_json::Value = res.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    for verb in ["get", "post", "put", "patch", "delete"] {
        assert!(doc["paths"]["/echo/{name}"][verb].is_object(), "{verb}");
    }
    assert_eq!(
        doc["paths"]["/echo/{name}"]["get"]["parameters"][0]["name"],
        "name"
    );
    assert!(doc["components"]["schemas"]["EchoResponse"]["properties"]["tags"].is_object());
    assert!(doc["components"]["securitySchemes"]["basic"].is_object());
    // R3 in the description too: GET /messages is ListMessages, the other verbs SendMessage.
    assert_eq!(doc["paths"]["/messages"]["get"]["summary"], "ListMessages");
    assert_eq!(
        doc["paths"]["/messages"]["delete"]["summary"],
        "SendMessage"
    );
    let send = &doc["paths"]["/messages"]["post"];
    assert!(send["security"].is_array());
    assert_eq!(
        send["responses"]["400"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ErrorResponse"
    );
    assert_eq!(
        doc["components"]["schemas"]["MessageDirections"]["enum"],
        serde_json::json!(["Incoming", "Outgoing"])
    );
}

#[tokio::test]
async fn a_registered_operation_gets_pages_and_generated_client_types() {
    let mut ops = evo::server::operations();
    ops.push(&ECHO);
    let app = spawn_app_with(ops).await;
    let page = app
        .get("/xml/metadata?op=Echo", &Auth::None)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Echo Parameters:") && page.contains("EchoResponse Parameters:"));
    assert!(page.contains("All Verbs"));
    let index = app
        .get("/metadata", &Auth::None)
        .await
        .text()
        .await
        .unwrap();
    assert!(index.contains("/csv/metadata?op=Echo"));

    let ts = app
        .get("/types/typescript", &Auth::None)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        ts.contains("export class Echo implements IReturn<EchoResponse>"),
        "{ts}"
    );
    assert!(ts.contains("export class SendMessage implements IReturn<MessageInfo>"));
    assert!(ts.contains("export class ListMessages implements IReturn<ListResponseOfMessageInfo>"));
    assert!(ts.contains("public getMethod() { return 'GET'; }"));
    assert!(ts.contains("export enum MessageDirections"));
    let py = app
        .get("/types/python", &Auth::None)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        py.contains("class Echo(IReturn[EchoResponse], IPost):"),
        "{py}"
    );
    assert!(py.contains("class ListMessages(IReturn[ListResponseOfMessageInfo], IGet):"));
    // A Python keyword (ListSessions.From, ChatTranscriptMessage.From) keeps its JSON name.
    assert!(py.contains(
        "    from_: Optional[str] = field(metadata=config(field_name='from'), default=None)"
    ));
    assert!(!py.contains("    from:"));
    // Types a class refers to come before it (Python evaluates annotations in order).
    assert!(
        py.find("class MessageInfo:").unwrap()
            < py.find("class ListResponseOfMessageInfo:").unwrap()
    );
    let cs = app
        .get("/types/csharp", &Auth::None)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        cs.contains("public partial class Echo : IReturn<EchoResponse>, IPost"),
        "{cs}"
    );
    assert!(cs.contains("[Route(\"/sessions/{sessionId}/messages\", \"POST\")]"));
    let with_lang = app
        .get("/json/metadata?op=SendMessage&lang=csharp", &Auth::None)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        with_lang.contains("public partial class SendMessage : IReturn&lt;MessageInfo&gt;, IPost")
    );
    assert_eq!(app.get("/types/cobol", &Auth::None).await.status(), 404);
}
