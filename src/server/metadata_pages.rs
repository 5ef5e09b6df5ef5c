//! The metadata pages ServiceStack serves (R80): `/metadata`, an index of every operation, and
//! `/{format}/metadata?op=X`, one operation's routes, auth banner, parameter tables, enums and a
//! sample request and response rendered by the real encoder. All of it comes from the registry.

use super::codegen::{Lang, generate};
use super::operation::{Access, Operation, Verb};
use super::{AppState, FixedRoutes};
use crate::error::Error;
use crate::wire::sample::{pretty_xml, sample};
use crate::wire::schema::{DtoDef, EnumDef, TypeRef};
use crate::wire::{Format, encode, query_param};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use quick_xml::escape::escape;
use std::fmt::Write;

/// The name pages show for the API.
const SERVICE_NAME: &str = "Evo Voice";

pub fn routes() -> FixedRoutes {
    let pages = super::operation::PREDEFINED_FORMATS
        .iter()
        .map(|format| (format!("/{format}/metadata"), get(operation_page)));
    std::iter::once(("/metadata".to_owned(), get(index)))
        .chain(pages)
        .collect()
}

async fn index(State(state): State<AppState>) -> Html<String> {
    let mut page = head("Operations");
    let _ = writeln!(page, "<h1>{SERVICE_NAME}</h1>");
    let _ = writeln!(page, "<p>The following operations are supported.</p>");
    let _ = writeln!(page, "<table>");
    for op in &state.operations.operations {
        let links: Vec<String> = super::operation::PREDEFINED_FORMATS
            .iter()
            .map(|f| format!("<a href=\"/{f}/metadata?op={0}\">{f}</a>", op.name()))
            .collect();
        let _ = writeln!(
            page,
            "<tr><th>{}</th><td>{}</td></tr>",
            op.name(),
            links.join(" ")
        );
    }
    let _ = writeln!(page, "</table>");
    page.push_str("</body></html>\n");
    Html(page)
}

async fn operation_page(State(state): State<AppState>, req: Request) -> Response {
    let format = req
        .uri()
        .path()
        .split('/')
        .nth(1)
        .and_then(Format::from_name)
        .unwrap_or(Format::Json);
    let name = req.uri().query().and_then(|q| query_param(q, "op"));
    let Some(op) = name.as_deref().and_then(|n| state.operations.get(n)) else {
        return Error::NotFound(format!("Unknown operation '{}'", name.unwrap_or_default()))
            .into_response();
    };
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost")
        .to_owned();
    let lang = req
        .uri()
        .query()
        .and_then(|q| query_param(q, "lang"))
        .and_then(|l| Lang::from_name(&l));
    let mut page = render(op, format, &host);
    if let Some(lang) = lang {
        // `&lang=`: the operation's DTOs in that language, after the samples.
        let source = generate(lang, &[op], &format!("http://{host}"));
        let dtos = format!(
            "<pre class=\"dtos\">\n{}</pre>\n</body>",
            escape(source.as_str())
        );
        page = page.replacen("</body>", &dtos, 1);
    }
    let mut res = Html(page).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    res
}

/// One operation's page. Each line of visible text stands on its own line of HTML.
pub fn render(op: &Operation, format: Format, host: &str) -> String {
    let mut p = head(op.name());
    let _ = writeln!(p, "<h1>{SERVICE_NAME}</h1>");
    let _ = writeln!(
        p,
        "<p><a href=\"/metadata\">&lt;back to all web services</a></p>"
    );
    let _ = writeln!(p, "<h2>{}</h2>", op.name());
    if !op.request.description.is_empty() {
        let _ = writeln!(
            p,
            "<p class=\"description\">{}</p>",
            escape(op.request.description)
        );
    }
    match op.access {
        Access::Public => {}
        Access::Authenticated => {
            let _ = writeln!(p, "<p>Requires Authentication</p>");
        }
        Access::Role(role) => {
            let _ = writeln!(p, "<p>Requires Authentication</p>");
            let _ = writeln!(p, "<p>Required role:<b>{}</b></p>", role.as_str());
        }
        Access::AnyRole(roles) => {
            let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
            let _ = writeln!(p, "<p>Requires Authentication</p>");
            let _ = writeln!(
                p,
                "<p>Requires any of the roles:<b>{}</b></p>",
                names.join(", ")
            );
        }
    }
    let _ = writeln!(
        p,
        "<p>The following routes are available for this service:</p>"
    );
    let _ = writeln!(p, "<table class=\"routes\">");
    for route in op.routes {
        let _ = writeln!(
            p,
            "<tr><th>{}</th><td>{}</td></tr>",
            verbs_text(route.verbs),
            escape(route.path)
        );
    }
    let _ = writeln!(p, "</table>");
    let mut types = op.request.referenced();
    for t in op.response.map(DtoDef::referenced).unwrap_or_default() {
        if !types.iter().any(|s| s.name() == t.name()) {
            types.push(t);
        }
    }
    for t in types {
        match t {
            TypeRef::Dto(d) => parameters(&mut p, d),
            TypeRef::Enum(e) => enumeration(&mut p, e),
        }
    }
    samples(&mut p, op, format, host);
    p.push_str("</body></html>\n");
    p
}

fn head(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{} | {SERVICE_NAME}</title></head>\n<body>\n",
        escape(title)
    )
}

fn verbs_text(verbs: &[Verb]) -> String {
    if verbs.is_empty() {
        "All Verbs".to_owned()
    } else {
        verbs
            .iter()
            .map(|v| v.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
}

fn parameters(p: &mut String, d: &DtoDef) {
    let _ = writeln!(p, "<h3>{} Parameters:</h3>", d.name);
    let _ = writeln!(p, "<table class=\"params\">");
    let _ = writeln!(
        p,
        "<tr><th>Name</th><th>Parameter</th><th>Data Type</th><th>Required</th><th>Description</th></tr>"
    );
    for f in d.fields {
        let _ = writeln!(
            p,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            f.name,
            f.source.as_str(),
            escape(f.ty.type_name().as_str()),
            if f.required { "Yes" } else { "No" },
            escape(f.description)
        );
    }
    let _ = writeln!(p, "</table>");
}

fn enumeration(p: &mut String, e: &EnumDef) {
    let _ = writeln!(p, "<h3>{} Enum:</h3>", e.name);
    let _ = writeln!(p, "<table class=\"enum\">");
    for member in e.members {
        let _ = writeln!(p, "<tr><td>{member}</td></tr>");
    }
    let _ = writeln!(p, "</table>");
}

fn samples(p: &mut String, op: &Operation, format: Format, host: &str) {
    let ext = format_name(format);
    let media = format.content_type().split(';').next().unwrap_or("");
    let _ = writeln!(
        p,
        "<p>To override the Content-type in your clients, use the HTTP Accept Header, append the .{ext} suffix or ?format={ext}</p>"
    );
    if format == Format::Json {
        let _ = writeln!(
            p,
            "<p>To embed the response in a jsonp callback, append ?callback=myCallback</p>"
        );
    }
    let _ = writeln!(p, "<h3>HTTP + {}</h3>", ext.to_uppercase());
    let _ = writeln!(
        p,
        "<p>The following are sample HTTP requests and responses. The placeholders shown need to be replaced with actual values.</p>"
    );
    let route = op.routes.first();
    let verb = route.map_or("POST", |r| r.verbs.first().map_or("POST", |v| v.as_str()));
    let path = route.map_or("/", |r| r.path);
    let request = render_sample(format, op.request);
    let _ = writeln!(p, "<pre class=\"request\">");
    let _ = writeln!(p, "{verb} {} HTTP/1.1 ", escape(path));
    let _ = writeln!(p, "Host: {} ", escape(host));
    let _ = writeln!(p, "Accept: {media}");
    let _ = writeln!(p, "Content-Type: {media}");
    let _ = writeln!(p, "Content-Length: length");
    let _ = writeln!(p);
    p.push_str(&escape(request.as_str()));
    let _ = writeln!(p, "</pre>");
    let _ = writeln!(p, "<pre class=\"response\">");
    match op.response {
        Some(response) => {
            let _ = writeln!(p, "HTTP/1.1 200 OK");
            let _ = writeln!(p, "Content-Type: {media}");
            let _ = writeln!(p, "Content-Length: length");
            let _ = writeln!(p);
            p.push_str(&escape(render_sample(format, response).as_str()));
        }
        None => {
            let _ = writeln!(p, "HTTP/1.1 204 No Content");
        }
    }
    let _ = writeln!(p, "</pre>");
}

fn render_sample(format: Format, def: &DtoDef) -> String {
    let bytes = encode(format, &sample(def));
    let text = String::from_utf8_lossy(&bytes).into_owned();
    match format {
        Format::Xml => pretty_xml(&text),
        Format::Json => serde_json::from_str::<serde_json::Value>(&text)
            .and_then(|v| serde_json::to_string_pretty(&v))
            .map(|s| s + "\n")
            .unwrap_or(text),
        _ => text + "\n",
    }
}

fn format_name(format: Format) -> &'static str {
    match format {
        Format::Json => "json",
        Format::Xml => "xml",
        Format::Jsv => "jsv",
        Format::Csv => "csv",
        Format::Jsonl => "jsonl",
    }
}
