//! The format-neutral shape of a response DTO. Every operation's response is turned into a
//! `Value`; each codec (JSON, XML today; JSV, CSV, JSON Lines next) writes that one shape, so a
//! new format never touches a handler.

/// Namespaces of the DataContract XML (contract b.1).
pub mod ns {
    pub const MESSAGING: &str = "http://schemas.datacontract.org/2004/07/Voice.Api.Messaging";
    pub const SESSIONS: &str = "http://schemas.datacontract.org/2004/07/Voice.Api.Sessions";
    pub const ENDPOINTS: &str = "http://schemas.datacontract.org/2004/07/Voice.Api.Endpoints";
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
    /// Set on list responses: the member whose items CSV and JSON Lines write as rows (R50, R52,
    /// Q19; ServiceStack's `[Csv(CsvBehavior.FirstEnumerable)]`), and the item type's columns.
    pub rows: Option<Rows>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rows {
    pub field: &'static str,
    pub columns: Vec<&'static str>,
}

impl Object {
    pub fn new(name: &'static str, namespace: &'static str) -> Self {
        Self {
            name,
            namespace,
            xml_order: XmlOrder::Alphabetical,
            fields: Vec::with_capacity(12),
            rows: None,
        }
    }

    /// Marks this object as a list response whose `field` holds items of type `item`.
    pub fn list_of(mut self, field: &'static str, item: &super::schema::DtoDef) -> Self {
        self.rows = Some(Rows {
            field,
            columns: item.fields.iter().map(|f| f.name).collect(),
        });
        self
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

    /// A list response's items and their columns (see `rows`).
    pub fn row_items(&self) -> Option<(&[Object], &[&'static str])> {
        let rows = self.rows.as_ref()?;
        let items = self.fields.iter().find_map(|(name, v)| match v {
            Value::Objects(items) if *name == rows.field => Some(items.as_slice()),
            _ => None,
        })?;
        Some((items, rows.columns.as_slice()))
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
