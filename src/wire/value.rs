//! The format-neutral shape of a response DTO. Every operation's response is turned into a
//! `Value`; each codec (JSON, XML today; JSV, CSV, JSON Lines next) writes that one shape, so a
//! new format never touches a handler.

/// Namespaces of the DataContract XML (contract b.1).
pub mod ns {
    pub const MESSAGING: &str = "http://schemas.datacontract.org/2004/07/Voice.Api.Messaging";
    pub const SESSIONS: &str = "http://schemas.datacontract.org/2004/07/Voice.Api.Sessions";
    pub const API: &str = "http://schemas.datacontract.org/2004/07/Voice.Api";
    pub const AUTHENTICATION: &str =
        "http://schemas.datacontract.org/2004/07/Voice.Api.Authentication";
    pub const SERVICESTACK: &str = "http://schemas.servicestack.net/types";
    pub const ARRAYS: &str = "http://schemas.microsoft.com/2003/10/Serialization/Arrays";
    pub const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A null reference: omitted in JSON (R22), `i:nil="true"` in XML (R43).
    Null,
    Bool(bool),
    Int(i64),
    Str(String),
    /// An enum member, written by name (R23, R45).
    Enum(&'static str),
    /// `List<string>` (R44: `d2p1:string` items in XML).
    Strings(Vec<String>),
    /// A list of DTOs; XML names each item after its type (R44).
    Objects(Vec<Object>),
    Object(Object),
}

/// How XML orders an object's members (R40).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XmlOrder {
    /// Plain DataContract: ordinal alphabetical by member name.
    Alphabetical,
    /// Explicit `[DataMember(Order=n)]`: declaration order (ServiceStack's own DTOs).
    Declared,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    /// DataContract name: the XML root or item element.
    pub name: &'static str,
    pub namespace: &'static str,
    pub xml_order: XmlOrder,
    /// Members in C# declaration order (the JSON order, R30), with PascalCase names.
    pub fields: Vec<(&'static str, Value)>,
}

impl Object {
    pub fn new(name: &'static str, namespace: &'static str) -> Self {
        Self {
            name,
            namespace,
            xml_order: XmlOrder::Alphabetical,
            fields: Vec::with_capacity(12),
        }
    }

    pub fn declared_order(mut self) -> Self {
        self.xml_order = XmlOrder::Declared;
        self
    }

    pub fn field(mut self, name: &'static str, value: impl Into<Value>) -> Self {
        self.fields.push((name, value.into()));
        self
    }

    /// Members with a value, in declaration order: what JSON and JSV write (R22).
    pub fn present_fields(&self) -> impl Iterator<Item = &(&'static str, Value)> {
        self.fields
            .iter()
            .filter(|(_, v)| !matches!(v, Value::Null))
    }

    /// The first member that is a list of DTOs: the rows of a list response in CSV and JSON
    /// Lines (R50, R52, Q19).
    pub fn first_object_list(&self) -> Option<&[Object]> {
        self.fields.iter().find_map(|(_, v)| match v {
            Value::Objects(items) => Some(items.as_slice()),
            _ => None,
        })
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Str(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Str(v.to_owned())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

impl From<Object> for Value {
    fn from(v: Object) -> Self {
        Value::Object(v)
    }
}

impl From<Vec<String>> for Value {
    fn from(v: Vec<String>) -> Self {
        Value::Strings(v)
    }
}

impl From<Vec<Object>> for Value {
    fn from(v: Vec<Object>) -> Self {
        Value::Objects(v)
    }
}

/// A response DTO: anything that can describe itself as a wire `Object`.
pub trait Dto {
    fn to_wire(&self) -> Object;
}
