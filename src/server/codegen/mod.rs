//! "Add ServiceStack Reference" (R81): DTO sources for every registered operation, in the shape
//! ServiceStack's own generators give each official client library. Generated from the same
//! type descriptions that describe and route the operations.

mod csharp;
mod python;
mod typescript;

use super::operation::{Operation, Verb};
use crate::wire::schema::{DtoDef, Ty, TypeRef};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    TypeScript,
    CSharp,
    Python,
}

impl Lang {
    pub fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "typescript" | "ts" => Some(Lang::TypeScript),
            "csharp" | "cs" => Some(Lang::CSharp),
            "python" | "py" => Some(Lang::Python),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        "text/plain; charset=utf-8"
    }
}

/// The DTO source for `operations` in `lang`.
pub fn generate(lang: Lang, operations: &[&'static Operation], base_url: &str) -> String {
    let types = ordered_types(operations);
    match lang {
        Lang::TypeScript => typescript::generate(operations, &types, base_url),
        Lang::CSharp => csharp::generate(operations, &types, base_url),
        Lang::Python => python::generate(operations, &types, base_url),
    }
}

/// Every type the operations use, each after the types it refers to (Python needs that order),
/// request DTOs excluded (they are written with their operation).
fn ordered_types(operations: &[&'static Operation]) -> Vec<TypeRef> {
    let mut out: Vec<TypeRef> = Vec::new();
    for op in operations {
        for def in std::iter::once(op.request).chain(op.response) {
            visit(TypeRef::Dto(def), &mut out);
        }
    }
    out.retain(|t| !operations.iter().any(|op| op.request.name == t.name()));
    out
}

fn visit(t: TypeRef, out: &mut Vec<TypeRef>) {
    if out.iter().any(|s| s.name() == t.name()) {
        return;
    }
    if let TypeRef::Dto(d) = t {
        for f in d.fields {
            if let Some(dep) = named(&f.ty) {
                visit(dep, out);
            }
        }
    }
    out.push(t);
}

fn named(ty: &Ty) -> Option<TypeRef> {
    match ty {
        Ty::Enum(e) => Some(TypeRef::Enum(e)),
        Ty::Dto(d) => Some(TypeRef::Dto(d)),
        Ty::List(inner) => named(inner),
        Ty::String | Ty::Int | Ty::Bool => None,
    }
}

/// The verb a typed client uses for the operation: its first route's first verb, POST for
/// All Verbs.
fn client_verb(op: &Operation) -> &'static str {
    op.routes
        .first()
        .and_then(|r| r.verbs.first())
        .map_or("POST", |v: &Verb| v.as_str())
}

/// `IsUnread` → `isUnread`.
fn camel(name: &str) -> String {
    let mut out = String::new();
    crate::wire::camel_case_into(&mut out, name);
    out
}

/// How a language spells the primitive types and a list of something.
struct Spelling {
    string: &'static str,
    int: &'static str,
    boolean: &'static str,
    list: fn(&str) -> String,
}

fn spell(ty: &Ty, s: &Spelling) -> String {
    match ty {
        Ty::String => s.string.to_owned(),
        Ty::Int => s.int.to_owned(),
        Ty::Bool => s.boolean.to_owned(),
        Ty::Enum(e) => e.name.to_owned(),
        Ty::Dto(d) => d.name.to_owned(),
        Ty::List(inner) => (s.list)(&spell(inner, s)),
    }
}

/// ServiceStack's verb marker interface for the client verb (`IGet`, `IPost`, …).
fn verb_marker(op: &Operation) -> &'static str {
    match client_verb(op) {
        "GET" => "IGet",
        "PUT" => "IPut",
        "PATCH" => "IPatch",
        "DELETE" => "IDelete",
        _ => "IPost",
    }
}

/// Writes every shared type, then every request DTO with its operation.
fn emit(
    out: &mut String,
    operations: &[&'static Operation],
    types: &[TypeRef],
    enumeration: fn(&mut String, &crate::wire::schema::EnumDef),
    class: fn(&mut String, &DtoDef, Option<&Operation>),
) {
    for t in types {
        match t {
            TypeRef::Enum(e) => enumeration(out, e),
            TypeRef::Dto(d) => class(out, d, None),
        }
    }
    for op in operations {
        class(out, op.request, Some(op));
    }
}

fn response_name(op: &Operation) -> Option<&'static str> {
    op.response.map(|r: &DtoDef| r.name)
}
