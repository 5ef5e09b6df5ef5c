//! `/openapi.json`: OpenAPI 3.1 for every registered operation, built from the registry's type
//! descriptions with utoipa's builders (nothing here is written per operation).

use super::operation::{Access, Operation, Verb};
use crate::wire::dto::defs::ERROR_RESPONSE;
use crate::wire::schema::{DtoDef, FieldDef, Ty, TypeRef};
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem, PathsBuilder,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{AnyOfBuilder, ArrayBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, Ref, RefOr, Required,
    ResponseBuilder,
};

/// Media types the document describes bodies in. Every operation also reads and writes XML, JSV,
/// CSV and JSON Lines (R15, R53); those are named in the description rather than given schemas a
/// validator would apply to them as if they were JSON.
const MEDIA_TYPES: [&str; 1] = ["application/json"];

pub fn document(operations: &[&'static Operation]) -> OpenApi {
    let mut components = ComponentsBuilder::new()
        .security_scheme(
            "basic",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Basic).build()),
        )
        .security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        )
        .security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("ss-id"))),
        );
    let mut types: Vec<TypeRef> = Vec::new();
    let mut paths = PathsBuilder::new();
    for op in operations {
        for def in std::iter::once(op.request)
            .chain(op.response)
            .chain([&ERROR_RESPONSE])
        {
            for t in def.referenced() {
                if !types.iter().any(|s| s.name() == t.name()) {
                    types.push(t);
                }
            }
        }
        for route in op.routes {
            let verbs = route_verbs(operations, route.path, route.verbs);
            for verb in &verbs {
                let item = PathItem::new(
                    http_method(*verb),
                    operation(op, route.path, *verb, verbs.len() > 1),
                );
                paths = paths.path(route.path, item);
            }
        }
    }
    for t in types {
        components = components.schema(t.name(), type_schema(t));
    }
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("evo")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "The Evo Voice messaging API, served by evo. Every operation also reads and writes \
                     application/xml, text/jsv, text/csv and text/jsonl (choose with ?format=, a \
                     .xml/.jsv/.csv/.jsonl suffix or Accept), and is reachable at \
                     /{format}/reply/{Operation}, /{format}/oneway/{Operation} and /api/{Operation}.",
                ))
                .build(),
        )
        .paths(paths.build())
        .components(Some(components.build()))
        .build()
}

/// The verbs a route answers: its own, or for All Verbs those no restricted route on the same
/// path has taken (R3).
fn route_verbs(operations: &[&'static Operation], path: &str, verbs: &[Verb]) -> Vec<Verb> {
    if !verbs.is_empty() {
        return verbs.to_vec();
    }
    let taken: Vec<Verb> = operations
        .iter()
        .flat_map(|op| op.routes)
        .filter(|r| r.path == path)
        .flat_map(|r| r.verbs.iter().copied())
        .collect();
    [Verb::Get, Verb::Post, Verb::Put, Verb::Patch, Verb::Delete]
        .into_iter()
        .filter(|v| !taken.contains(v))
        .collect()
}

fn http_method(verb: Verb) -> HttpMethod {
    match verb {
        Verb::Get => HttpMethod::Get,
        Verb::Post => HttpMethod::Post,
        Verb::Put => HttpMethod::Put,
        Verb::Patch => HttpMethod::Patch,
        Verb::Delete => HttpMethod::Delete,
    }
}

fn operation(
    op: &Operation,
    path: &str,
    verb: Verb,
    several_verbs: bool,
) -> utoipa::openapi::path::Operation {
    let req = op.request;
    let id = if several_verbs {
        format!(
            "{}_{:?}_{}",
            req.name,
            verb,
            path.trim_matches('/').replace(['/', '{', '}'], "_")
        )
    } else {
        format!(
            "{}_{}",
            req.name,
            path.trim_matches('/').replace(['/', '{', '}'], "_")
        )
    };
    let mut builder = OperationBuilder::new()
        .operation_id(Some(id))
        .summary(Some(req.name))
        .description(description(req.description, op.access))
        .tag(req.name);
    // A path parameter carries the route template's spelling (`{sessionId}`).
    let template_var = |name: &str| {
        path.split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
            .find(|var| var.eq_ignore_ascii_case(name))
    };
    for field in req.fields {
        if let Some(var) = template_var(field.name) {
            builder = builder.parameter(parameter(
                var,
                field,
                ParameterIn::Path,
                true,
                field.description,
            ));
        } else if verb == Verb::Get {
            builder = builder.parameter(parameter(
                field.name,
                field,
                ParameterIn::Query,
                false,
                field.description,
            ));
        }
    }
    // A request whose every field is in the path (DELETE …/{address}) has no body to describe.
    let body_fields = || req.fields.iter().filter(|f| template_var(f.name).is_none());
    if verb != Verb::Get && body_fields().next().is_some() {
        let needed = body_fields().any(|f| f.rules.required);
        let mut content = RequestBodyBuilder::new().required(Some(if needed {
            Required::True
        } else {
            Required::False
        }));
        for media in MEDIA_TYPES {
            content = content.content(
                media,
                ContentBuilder::new()
                    .schema(Some(dto_schema_of(req, |f| template_var(f.name).is_none())))
                    .build(),
            );
        }
        content = content.content(
            "application/x-www-form-urlencoded",
            ContentBuilder::new()
                .schema(Some(dto_schema_of(req, |f| template_var(f.name).is_none())))
                .build(),
        );
        builder = builder.request_body(Some(content.build()));
    }
    let success = match op.response {
        Some(resp) => ("200", body_response("Success", resp.name)),
        None => (
            "204",
            ResponseBuilder::new().description("No content").build(),
        ),
    };
    builder = builder.response(success.0, success.1);
    for (status, what) in [
        ("400", "Invalid request (one ResponseError per field)"),
        ("401", "Not authenticated, or wrong credentials"),
        ("403", "Missing role"),
        ("404", "Not found, or outside the caller's accounts"),
        ("405", "Wrong verb for this route"),
        ("413", "Request body too large"),
        ("415", "Unsupported Content-Type"),
        ("429", "Too many failed password attempts"),
        ("503", "Too many password checks queued"),
    ] {
        builder = builder.response(status, body_response(what, ERROR_RESPONSE.name));
    }
    if op.access != Access::Public {
        for scheme in ["basic", "bearer", "session"] {
            builder = builder.security(SecurityRequirement::new(scheme, Vec::<String>::new()));
        }
    }
    builder.build()
}

/// The request type's description, with the roles the operation requires.
fn description(text: &str, access: Access) -> Option<String> {
    let note = match access {
        Access::Public | Access::Authenticated => None,
        Access::Role(r) => Some(format!("Requires the role {}.", r.as_str())),
        Access::AnyRole(rs) => {
            let names: Vec<&str> = rs.iter().map(|r| r.as_str()).collect();
            Some(format!("Requires one of the roles {}.", names.join(", ")))
        }
    };
    let parts: Vec<String> = [(!text.is_empty()).then(|| text.to_owned()), note]
        .into_iter()
        .flatten()
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

fn body_response(description: &str, schema: &str) -> utoipa::openapi::Response {
    let mut response = ResponseBuilder::new().description(description);
    for media in MEDIA_TYPES {
        response = response.content(
            media,
            ContentBuilder::new()
                .schema(Some(reference(schema)))
                .build(),
        );
    }
    response.build()
}

fn parameter(
    name: &str,
    field: &FieldDef,
    location: ParameterIn,
    required: bool,
    description: &str,
) -> utoipa::openapi::path::Parameter {
    // R28: list parameters are comma-separated (or repeated) values; enums are matched by name
    // in any case or by number (R23); an empty value counts as absent.
    let schema = match field.ty {
        Ty::List(_) => ty_schema(&Ty::String),
        Ty::Enum(e) => or_empty(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(enum_pattern(e.members)))
                .into(),
        ),
        Ty::String if field.rules.pattern.is_none() && field.rules.one_of.is_empty() => {
            field_schema(field)
        }
        _ => or_empty(field_schema(field)),
    };
    ParameterBuilder::new()
        .name(name)
        .parameter_in(location)
        .required(if required {
            Required::True
        } else {
            Required::False
        })
        .description((!description.is_empty()).then_some(description))
        .schema(Some(schema))
        .build()
}

/// A query value may also be empty: evo reads an empty value as absent.
fn or_empty(schema: RefOr<Schema>) -> RefOr<Schema> {
    AnyOfBuilder::new()
        .item(schema)
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .max_length(Some(0)),
        )
        .into()
}

/// `^(?:[Aa][Ss][Cc][Ee][Nn][Dd]|[Dd]…|0|1)$`: member names in any case, or their numbers.
fn enum_pattern(members: &[&str]) -> String {
    let mut alternatives: Vec<String> = members
        .iter()
        .map(|m| {
            m.chars()
                .map(|c| {
                    if c.is_ascii_alphabetic() {
                        format!("[{}{}]", c.to_ascii_uppercase(), c.to_ascii_lowercase())
                    } else {
                        c.to_string()
                    }
                })
                .collect()
        })
        .collect();
    alternatives.extend((0..members.len()).map(|i| i.to_string()));
    format!("^(?:{})$", alternatives.join("|"))
}

fn reference(name: &str) -> RefOr<Schema> {
    RefOr::Ref(Ref::from_schema_name(name))
}

fn ty_schema(ty: &Ty) -> RefOr<Schema> {
    match ty {
        Ty::String => ObjectBuilder::new().schema_type(Type::String).into(),
        Ty::Int => ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Int32,
            )))
            .into(),
        // evo, like ServiceStack, also reads 1 and 0 as true and false.
        Ty::Bool => AnyOfBuilder::new()
            .item(ObjectBuilder::new().schema_type(Type::Boolean))
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .enum_values(Some([0, 1])),
            )
            .into(),
        Ty::Enum(e) => reference(e.name),
        Ty::Dto(d) => reference(d.name),
        Ty::List(inner) => ArrayBuilder::new().items(ty_schema(inner)).into(),
    }
}

fn type_schema(t: TypeRef) -> RefOr<Schema> {
    match t {
        TypeRef::Enum(e) => ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(e.members.iter().copied()))
            .into(),
        TypeRef::Dto(d) => dto_schema(d),
    }
}

/// A property's schema with evo's validation rules, so generated requests are the ones evo takes.
fn field_schema(field: &FieldDef) -> RefOr<Schema> {
    let r = &field.rules;
    match field.ty {
        Ty::String => {
            let mut s = ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(r.min_length)
                .max_length(r.max_length)
                .pattern(r.pattern.map(|p| p.text()));
            if !r.one_of.is_empty() {
                s = s.enum_values(Some(r.one_of.iter().copied()));
            }
            s.into()
        }
        Ty::Int => ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Int32,
            )))
            .minimum(r.minimum)
            .into(),
        ref other => ty_schema(other),
    }
}

fn dto_schema(d: &DtoDef) -> RefOr<Schema> {
    dto_schema_of(d, |_| true)
}

/// The DTO's schema with only the fields `keep` accepts (a request body leaves out the fields
/// its route's path supplies).
fn dto_schema_of(d: &DtoDef, keep: impl Fn(&FieldDef) -> bool) -> RefOr<Schema> {
    let mut object = ObjectBuilder::new()
        .schema_type(Type::Object)
        .title(Some(d.name))
        .description((!d.description.is_empty()).then_some(d.description));
    for field in d.fields.iter().filter(|f| keep(f)) {
        // JSON property names are camelCase (R20); the metadata keeps the contract's names.
        let mut name = String::new();
        crate::wire::camel_case_into(&mut name, field.name);
        // Path and query fields that also arrive in a body may be empty there: evo reads an
        // empty value as absent (the path supplies the id).
        let schema = match field.source {
            crate::wire::schema::Source::Path | crate::wire::schema::Source::Query => {
                or_empty(field_schema(field))
            }
            _ => field_schema(field),
        };
        object = object.property(name.clone(), schema);
        // A path field is required of the route, not of a body (the path supplies it).
        if field.rules.required && field.source != crate::wire::schema::Source::Path {
            object = object.required(name);
        }
    }
    object.into()
}
