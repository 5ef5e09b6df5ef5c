//! Public descriptions of the API, generated from the operation registry: `/types/metadata`
//! (ServiceStack's metadata model, R81) and `/openapi.json`.

use super::codegen::{Lang, generate};
use super::operation::{Access, Operation};
use super::{AppState, FixedRoutes};
use crate::error::Error;
use crate::wire::schema::{DtoDef, Ty, TypeRef};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

pub fn routes() -> FixedRoutes {
    vec![
        ("/types/metadata".into(), get(types_metadata)),
        ("/types/{lang}".into(), get(types_source)),
        // `/openapi.json` arrives here with its `.json` suffix stripped by the route rewriting.
        ("/openapi".into(), get(openapi)),
    ]
}

async fn openapi(State(state): State<AppState>) -> Response {
    let doc = super::openapi::document(&state.operations.operations);
    json_response(serde_json::to_value(doc).unwrap_or(Value::Null))
}

/// R81: DTO sources for every operation (`/types/typescript`, `/types/csharp`, `/types/python`).
async fn types_source(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(lang) = Lang::from_name(&lang) else {
        return Error::NotFound(format!("No DTO generator for '{lang}'")).into_response();
    };
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let source = generate(
        lang,
        &state.operations.operations,
        &format!("http://{host}"),
    );
    let mut res = source.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(lang.content_type()),
    );
    res
}

async fn types_metadata(State(state): State<AppState>) -> Response {
    json_response(metadata_types(&state.operations.operations))
}

fn json_response(value: Value) -> Response {
    let mut res = value.to_string().into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    res
}

/// ServiceStack's `MetadataTypes`: operations with their routes, verbs and roles, and every type
/// they use.
pub fn metadata_types(operations: &[&'static Operation]) -> Value {
    let mut types: Vec<TypeRef> = Vec::new();
    let mut ops = Vec::new();
    for op in operations {
        let routes: Vec<Value> = op
            .routes
            .iter()
            .map(|r| {
                let verbs: Vec<&str> = r.verbs.iter().map(|v| v.as_str()).collect();
                json!({"path": r.path, "verbs": if verbs.is_empty() { Value::Null } else { json!(verbs.join(",")) }})
            })
            .collect();
        let (requires_auth, roles, any_role) = match op.access {
            Access::Public => (false, vec![], vec![]),
            Access::Authenticated => (true, vec![], vec![]),
            Access::Role(r) => (true, vec![r.as_str()], vec![]),
            Access::AnyRole(rs) => (true, vec![], rs.iter().map(|r| r.as_str()).collect()),
        };
        ops.push(json!({
            "request": type_json(TypeRef::Dto(op.request)),
            "response": op.response.map(|r| type_json(TypeRef::Dto(r))),
            "returnsVoid": op.response.is_none(),
            "routes": routes,
            "requiresAuth": requires_auth,
            "requiredRoles": roles,
            "requiresAnyRole": any_role,
        }));
        for def in std::iter::once(op.request).chain(op.response) {
            for t in def.referenced().into_iter().skip(1) {
                if !types.iter().any(|s| s.name() == t.name()) {
                    types.push(t);
                }
            }
        }
    }
    json!({
        "config": {"baseUrl": "/"},
        "operations": ops,
        "types": types.into_iter().map(type_json).collect::<Vec<_>>(),
    })
}

fn type_json(t: TypeRef) -> Value {
    match t {
        TypeRef::Enum(e) => json!({
            "name": e.name,
            "namespace": namespace(e.namespace),
            "isEnum": true,
            "enumNames": e.members,
        }),
        TypeRef::Dto(d) => dto_json(d),
    }
}

fn dto_json(d: &DtoDef) -> Value {
    let properties: Vec<Value> = d
        .fields
        .iter()
        .map(|f| {
            let (ty, args) = dotnet_type(&f.ty);
            json!({
                "name": f.name,
                "type": ty,
                "genericArgs": args,
                "isRequired": f.required,
                "paramType": f.source.as_str(),
                "description": (!f.description.is_empty()).then_some(f.description),
            })
        })
        .collect();
    json!({
        "name": d.name,
        "namespace": namespace(d.namespace),
        "description": (!d.description.is_empty()).then_some(d.description),
        "properties": properties,
    })
}

/// The CLR namespace of a DataContract namespace (`…/2004/07/Voice.Api.Messaging`).
fn namespace(ns: &str) -> &str {
    ns.rsplit('/').next().unwrap_or(ns)
}

/// .NET type names as ServiceStack's metadata writes them (`String`, `List`1` + args).
fn dotnet_type(ty: &Ty) -> (String, Option<Vec<String>>) {
    match ty {
        Ty::String => ("String".into(), None),
        Ty::Int => ("Int32".into(), None),
        Ty::Bool => ("Boolean".into(), None),
        Ty::Enum(e) => (e.name.into(), None),
        Ty::Dto(d) => (d.name.into(), None),
        Ty::List(inner) => ("List`1".into(), Some(vec![dotnet_type(inner).0])),
    }
}
