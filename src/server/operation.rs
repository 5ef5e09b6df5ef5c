//! Operations are registered once — name, routes, verbs, access, handler — and every format,
//! suffix and predefined route follows from the registration (R9-R11, R14). Handlers see a
//! `Call` with the caller and the merged request fields, and return a format-neutral `Reply`.

use super::AppState;
use super::credentials::credential;
use crate::domain::{Principal, Role};
use crate::error::{Error, Result};
use crate::wire::schema::DtoDef;
use crate::wire::{FromFields, Reply, read_fields};
use axum::Router;
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, any};
use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;

/// Who may call an operation (R63).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Public,
    Authenticated,
    /// ServiceStack `[RequiredRole]`: the literal role.
    Role(Role),
    /// ServiceStack `[RequiresAnyRole]`: at least one of these roles, each literal.
    AnyRole(&'static [Role]),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Verb {
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Get => "GET",
            Verb::Post => "POST",
            Verb::Put => "PUT",
            Verb::Patch => "PATCH",
            Verb::Delete => "DELETE",
        }
    }

    fn filter(self) -> MethodFilter {
        match self {
            Verb::Get => MethodFilter::GET,
            Verb::Post => MethodFilter::POST,
            Verb::Put => MethodFilter::PUT,
            Verb::Patch => MethodFilter::PATCH,
            Verb::Delete => MethodFilter::DELETE,
        }
    }
}

/// A custom route; no verbs means all verbs (R4).
#[derive(Debug)]
pub struct Route {
    pub path: &'static str,
    pub verbs: &'static [Verb],
}

pub type Handler = fn(Call) -> Pin<Box<dyn Future<Output = Result<Reply>> + Send>>;

pub struct Operation {
    /// The request DTO; its name is the operation's name (predefined routes, metadata).
    pub request: &'static DtoDef,
    /// The response DTO; `None` for operations that answer with no body.
    pub response: Option<&'static DtoDef>,
    pub routes: &'static [Route],
    pub access: Access,
    /// The operation writes (sends, creates…): predefined routes refuse it GET and HEAD.
    pub changes_data: bool,
    pub handler: Handler,
}

impl Operation {
    pub fn name(&self) -> &'static str {
        self.request.name
    }
}

/// One call of an operation.
pub struct Call {
    pub state: AppState,
    pub method: Method,
    pub caller: Option<Arc<Principal>>,
    pub headers: HeaderMap,
    pub client: Option<IpAddr>,
    pub fields: crate::wire::Fields,
}

impl Call {
    /// The request DTO, bound from the merged fields.
    pub fn bind<T: FromFields>(&self) -> Result<T> {
        T::from_fields(&self.fields)
    }

    /// The authenticated caller (operations with `Access::Public` may have none).
    pub fn principal(&self) -> Result<&Arc<Principal>> {
        self.caller.as_ref().ok_or(Error::NotAuthenticated)
    }
}

/// The operations a server runs: in registration order, and by lower-cased name.
pub struct Registry {
    pub operations: Vec<&'static Operation>,
    by_name: HashMap<String, &'static Operation>,
}

impl Registry {
    pub fn new(operations: Vec<&'static Operation>) -> Self {
        let by_name = operations
            .iter()
            .map(|op| (op.name().to_ascii_lowercase(), *op))
            .collect();
        Self {
            operations,
            by_name,
        }
    }

    /// R9: operation names match without case.
    pub fn get(&self, name: &str) -> Option<&'static Operation> {
        self.by_name.get(&name.to_ascii_lowercase()).copied()
    }
}

/// Every route template the server answers, for case-insensitive literal matching (R2): the
/// operations' routes, the predefined ones and the fixed pages.
pub fn route_templates(operations: &[&'static Operation], fixed: &[String]) -> Vec<String> {
    let mut templates: Vec<String> = operations
        .iter()
        .flat_map(|op| op.routes.iter())
        .map(|r| r.path.to_owned())
        .collect();
    for format in PREDEFINED_FORMATS {
        templates.push(format!("/{format}/reply/{{operation}}"));
        templates.push(format!("/{format}/oneway/{{operation}}"));
    }
    templates.push("/api/{operation}".to_owned());
    templates.extend_from_slice(fixed);
    templates
}

impl Operation {
    /// Whether GET (and so HEAD) may run this operation on a predefined route: not when it
    /// changes data, so a link (a cross-site GET) can never send a message.
    pub fn accepts_get(&self) -> bool {
        !self.changes_data
    }
}

/// Formats that have predefined routes (R9).
pub const PREDEFINED_FORMATS: [&str; 5] = ["json", "xml", "jsv", "csv", "jsonl"];

/// The custom routes of every operation, plus the predefined routes. Where several operations
/// share a path, a route restricted to a verb beats an All Verbs route (R3: `GET /messages` is
/// ListMessages, every other verb SendMessage), and ties go to the first registered.
pub fn routes(operations: &[&'static Operation]) -> Router<AppState> {
    let mut paths: Vec<&'static str> = Vec::new();
    for route in operations.iter().flat_map(|op| op.routes) {
        if !paths.contains(&route.path) {
            paths.push(route.path);
        }
    }
    let mut router = Router::new();
    for path in paths {
        router = router.route(path, path_methods(operations, path));
    }
    for format in PREDEFINED_FORMATS {
        router = router
            .route(&format!("/{format}/reply/{{operation}}"), any(reply))
            .route(&format!("/{format}/oneway/{{operation}}"), any(oneway));
    }
    router.route("/api/{operation}", any(reply))
}

const ALL_VERBS: [Verb; 5] = [Verb::Get, Verb::Post, Verb::Put, Verb::Patch, Verb::Delete];

fn path_methods(operations: &[&'static Operation], path: &str) -> MethodRouter<AppState> {
    let on_path = || {
        operations
            .iter()
            .flat_map(|&op| op.routes.iter().map(move |r| (op, r)))
            .filter(move |(_, r)| r.path == path)
    };
    let taken: Vec<Verb> = on_path()
        .flat_map(|(_, r)| r.verbs.iter().copied())
        .collect();
    let mut methods = MethodRouter::new();
    for (op, route) in on_path().filter(|(_, r)| !r.verbs.is_empty()) {
        methods = methods.on(filter(route.verbs), handler(op));
    }
    if let Some((op, _)) = on_path().find(|(_, r)| r.verbs.is_empty()) {
        methods = if taken.is_empty() {
            methods.fallback(handler(op))
        } else {
            let rest: Vec<Verb> = ALL_VERBS
                .into_iter()
                .filter(|v| !taken.contains(v))
                .collect();
            methods.on(filter(&rest), handler(op))
        };
    }
    methods
}

fn filter(verbs: &[Verb]) -> MethodFilter {
    verbs
        .iter()
        .map(|v| v.filter())
        .reduce(MethodFilter::or)
        .unwrap_or(MethodFilter::GET)
}

fn handler(
    op: &'static Operation,
) -> impl Fn(State<AppState>, Request) -> Pin<Box<dyn Future<Output = Response> + Send>>
+ Clone
+ Send
+ Sync
+ 'static {
    move |State(state): State<AppState>, req: Request| Box::pin(dispatch(op, state, req, false))
}

async fn reply(State(state): State<AppState>, Path(name): Path<String>, req: Request) -> Response {
    predefined(state, &name, req, false).await
}

/// R11: a one-way call runs the operation and answers 204 with no body.
async fn oneway(State(state): State<AppState>, Path(name): Path<String>, req: Request) -> Response {
    predefined(state, &name, req, true).await
}

async fn predefined(state: AppState, name: &str, req: Request, oneway: bool) -> Response {
    let Some(op) = state.operations.get(name) else {
        return Error::NotFound(format!("Unknown operation '{name}'")).into_response();
    };
    let reads = req.method() == Method::GET || req.method() == Method::HEAD;
    if reads && !op.accepts_get() {
        let allow = HeaderValue::from_static("POST, PUT, PATCH, DELETE");
        return (StatusCode::METHOD_NOT_ALLOWED, [(header::ALLOW, allow)]).into_response();
    }
    dispatch(op, state, req, oneway).await
}

async fn dispatch(op: &'static Operation, state: AppState, req: Request, oneway: bool) -> Response {
    match run(op, state, req).await {
        Ok(reply) if oneway => reply.without_body().into_response(),
        Ok(reply) => reply.into_response(),
        Err(e) => e.into_response(),
    }
}

async fn run(op: &'static Operation, state: AppState, req: Request) -> Result<Reply> {
    let (mut parts, body) = req.into_parts();
    let client = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let caller = match credential(&parts.headers)? {
        Some(c) => state.auth.principal(&c, client).await?,
        None => None,
    };
    match (op.access, &caller) {
        (Access::Public, _) => {}
        (_, None) => return Err(Error::NotAuthenticated),
        (Access::Authenticated, Some(_)) => {}
        (Access::Role(role), Some(p)) => crate::service::require_role(p, role)?,
        (Access::AnyRole(roles), Some(p)) => crate::service::require_any_role(p, roles)?,
    }
    let fields = read_fields(&mut parts, body).await?;
    if let Some(name) = fields.misshapen(op.request) {
        return Err(Error::bad_request(
            "SerializationException",
            format!("'{name}' must be a single value, not a JSON object or array"),
        ));
    }
    let call = Call {
        state,
        method: parts.method,
        caller,
        headers: parts.headers,
        client,
        fields,
    };
    (op.handler)(call).await
}
