//! Request rewriting before routing: case-insensitive route literals (R2), the `.ext` format
//! suffix (R14), the format of predefined routes (R9, R10), and `X-Http-Method-Override` or a
//! `_method` form field on a POST (R8).

use crate::error::Error;
use crate::wire::{Format, RouteFormat, read_body, render_error};
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, Uri, header};
use axum::response::Response;
use std::sync::Arc;

/// The route templates, split into segments: `Some(literal)` (lower-cased) or `None` for a
/// variable.
pub struct Templates(Vec<Vec<Option<String>>>);

impl Templates {
    pub fn new(templates: &[String]) -> Self {
        Self(
            templates
                .iter()
                .map(|t| {
                    t.split('/')
                        .map(|s| (!s.starts_with('{')).then(|| s.to_ascii_lowercase()))
                        .collect()
                })
                .collect(),
        )
    }

    /// Lower-cases the literal segments of the first template the path matches without case;
    /// variables keep their spelling.
    fn normalise(&self, segments: &mut [String]) {
        let matches = |t: &&Vec<Option<String>>| {
            t.len() == segments.len()
                && t.iter()
                    .zip(segments.iter())
                    .all(|(lit, seg)| lit.as_ref().is_none_or(|l| l.eq_ignore_ascii_case(seg)))
        };
        // Prefer the template with the most literals, as the router does (R3, R6).
        let best = self
            .0
            .iter()
            .filter(matches)
            .max_by_key(|t| t.iter().filter(|s| s.is_some()).count());
        if let Some(template) = best {
            for (lit, seg) in template.iter().zip(segments.iter_mut()) {
                if let Some(l) = lit {
                    *seg = l.clone();
                }
            }
        }
    }
}

#[derive(Clone)]
pub struct Literals(pub Arc<Templates>);

pub async fn rewrite(literals: Literals, mut req: Request) -> Result<Request, Response> {
    let (path, format) = route_path(req.uri().path(), &literals.0);
    if let Some(format) = format {
        req.extensions_mut().insert(RouteFormat(format));
    }
    if path != req.uri().path() {
        let path_and_query = match req.uri().query() {
            Some(q) => format!("{path}?{q}"),
            None => path,
        };
        let mut parts = req.uri().clone().into_parts();
        parts.path_and_query = path_and_query.parse().ok();
        if let Ok(uri) = Uri::from_parts(parts) {
            *req.uri_mut() = uri;
        }
    }
    // After the route format is known, so an error here is answered in it too.
    if req.method() == Method::POST
        && let Err(err) = override_method(&mut req).await
    {
        return Err(render_error(&req, err));
    }
    Ok(req)
}

/// The path to route, and the format the route itself fixes.
fn route_path(path: &str, templates: &Templates) -> (String, Option<Format>) {
    if !needs_rewrite(path) {
        return (path.to_owned(), None);
    }
    let mut segments: Vec<String> = path.split('/').map(str::to_owned).collect();
    let mut suffix = None;
    if let Some(last) = segments.last_mut()
        && let Some((stem, ext)) = last.rsplit_once('.')
        && let Some(format) = Format::from_name(ext).filter(|_| ext.len() <= 5 && !stem.is_empty())
    {
        suffix = Some(format);
        *last = stem.to_owned();
    }
    templates.normalise(&mut segments);
    let predefined = match segments.as_slice() {
        [_, fmt, kind, _] if kind == "reply" || kind == "oneway" => Format::from_name(fmt),
        [_, api, _] if api == "api" => Some(suffix.unwrap_or(Format::Json)),
        _ => None,
    };
    (segments.join("/"), predefined.or(suffix))
}

/// Most requests (`/messages`, `/sessions/…/messages`) need nothing: no suffix, no upper case,
/// no predefined route. Checking that first keeps the hot path free of allocations.
fn needs_rewrite(path: &str) -> bool {
    let last = path.rsplit('/').next().unwrap_or("");
    last.contains('.')
        || path.bytes().any(|b| b.is_ascii_uppercase())
        || path.starts_with("/api/")
        || path.contains("/reply/")
        || path.contains("/oneway/")
}

/// R8: a POST may say which verb it stands for.
async fn override_method(req: &mut Request) -> Result<(), Error> {
    let header_value = req
        .headers()
        .get("x-http-method-override")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let verb = match header_value {
        Some(v) => Some(v),
        None if is_form(req.headers().get(header::CONTENT_TYPE)) => form_method(req).await?,
        None => None,
    };
    if let Some(verb) = verb {
        let method =
            Method::from_bytes(verb.trim().to_ascii_uppercase().as_bytes()).map_err(|_| {
                Error::bad_request("ArgumentException", format!("'{verb}' is not an HTTP verb"))
            })?;
        *req.method_mut() = method;
    }
    Ok(())
}

fn is_form(content_type: Option<&HeaderValue>) -> bool {
    content_type
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// Reads a form body for `_method`, then puts the body back for the operation.
async fn form_method(req: &mut Request) -> Result<Option<String>, Error> {
    let body = std::mem::take(req.body_mut());
    let bytes = read_body(body).await?;
    let verb = form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == "_method")
        .map(|(_, v)| v.into_owned());
    *req.body_mut() = Body::from(bytes);
    Ok(verb)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn templates() -> Templates {
        Templates::new(
            &[
                "/messages",
                "/sessions/{sessionId}/messages",
                "/auth/status",
                "/auth/{provider}",
                "/json/reply/{operation}",
                "/xml/reply/{operation}",
                "/api/{operation}",
            ]
            .map(String::from),
        )
    }

    #[test]
    fn r14_suffixes_are_stripped_and_fix_the_format() {
        let t = templates();
        assert_eq!(
            route_path("/messages.csv", &t),
            ("/messages".into(), Some(Format::Csv))
        );
        assert_eq!(
            route_path("/messages.JSONL", &t),
            ("/messages".into(), Some(Format::Jsonl))
        );
        assert_eq!(
            route_path("/messages.txt", &t),
            ("/messages.txt".into(), None)
        );
        assert_eq!(
            route_path("/a.b/messages", &t),
            ("/a.b/messages".into(), None)
        );
    }

    #[test]
    fn r2_literals_ignore_case_but_variables_keep_theirs() {
        let t = templates();
        assert_eq!(
            route_path("/Sessions/AbC/MESSAGES", &t),
            ("/sessions/AbC/messages".into(), None)
        );
        // A variable that happens to spell a literal is left alone.
        assert_eq!(
            route_path("/SESSIONS/Messages/messages", &t),
            ("/sessions/Messages/messages".into(), None)
        );
        assert_eq!(
            route_path("/AUTH/Status", &t),
            ("/auth/status".into(), None)
        );
        assert_eq!(
            route_path("/Auth/Credentials", &t),
            ("/auth/Credentials".into(), None)
        );
    }

    #[test]
    fn r9_r10_predefined_routes_fix_the_format() {
        let t = templates();
        assert_eq!(
            route_path("/XML/Reply/SendMessage", &t),
            ("/xml/reply/SendMessage".into(), Some(Format::Xml))
        );
        assert_eq!(
            route_path("/api/SendMessage", &t),
            ("/api/SendMessage".into(), Some(Format::Json))
        );
        assert_eq!(
            route_path("/api/SendMessage.xml", &t),
            ("/api/SendMessage".into(), Some(Format::Xml))
        );
    }
}
