//! The request side: every source (body, path, query, form) is read into one case-insensitive
//! bag of fields, later sources overwriting earlier ones (R27), and request DTOs are bound from
//! the bag. An empty string or `i:nil` counts as absent.

use crate::error::{Error, FieldError};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Raw {
    Text(String),
    /// Items of a structured array (JSON, XML, JSV): taken exactly.
    List(Vec<String>),
    /// A key repeated in a query string or form: each value may itself be a JSV list (R28).
    Repeated(Vec<String>),
}

#[derive(Debug, Default, Clone)]
pub struct Fields {
    map: HashMap<String, Raw>,
    /// Keys whose body value was a JSON object or array: fine for a list, not for a scalar.
    structured: std::collections::HashSet<String>,
}

/// A request DTO bound from the merged fields.
pub trait FromFields: Sized {
    fn from_fields(fields: &Fields) -> Result<Self, Error>;
}

impl Fields {
    /// Overwrites `key` (R27: a later source wins).
    pub fn set(&mut self, key: &str, raw: Raw) {
        self.map.insert(key.to_ascii_lowercase(), raw);
    }

    /// Merges one source: repeated keys within it become a list (R28), then each key overwrites.
    pub fn merge_pairs<'a>(&mut self, pairs: impl IntoIterator<Item = (&'a str, String)>) {
        let mut source: HashMap<String, Raw> = HashMap::new();
        for (k, v) in pairs {
            let key = k.to_ascii_lowercase();
            match source.remove(&key) {
                None => {
                    source.insert(key, Raw::Text(v));
                }
                Some(Raw::Text(first)) => {
                    source.insert(key, Raw::Repeated(vec![first, v]));
                }
                Some(Raw::List(mut items) | Raw::Repeated(mut items)) => {
                    items.push(v);
                    source.insert(key, Raw::Repeated(items));
                }
            }
        }
        for (key, raw) in source {
            self.overlay(key, raw);
        }
    }

    pub fn merge(&mut self, other: Fields) {
        for (key, raw) in other.map {
            let structured = other.structured.contains(&key);
            if self.overlay(key.clone(), raw) && structured {
                self.structured.insert(key);
            }
        }
    }

    /// Notes that `key` arrived as a JSON object or array.
    pub fn mark_structured(&mut self, key: &str) {
        self.structured.insert(key.to_ascii_lowercase());
    }

    /// The first single-valued field of `def` given a JSON object or array (ServiceStack's
    /// deserializer refuses those with a SerializationException).
    pub fn misshapen(&self, def: &crate::wire::schema::DtoDef) -> Option<&'static str> {
        use crate::wire::schema::Ty;
        def.fields
            .iter()
            .filter(|f| matches!(f.ty, Ty::String | Ty::Int | Ty::Bool | Ty::Enum(_)))
            .find(|f| self.structured.contains(&f.name.to_ascii_lowercase()))
            .map(|f| f.name)
    }

    /// A later source overwrites an earlier one, except with an empty value: empty counts as
    /// absent (`id=` in a form does not erase the id in the path).
    fn overlay(&mut self, key: String, raw: Raw) -> bool {
        let empty = matches!(&raw, Raw::Text(s) if s.is_empty());
        if empty && self.map.contains_key(&key) {
            return false;
        }
        // A malformed body value stays malformed even when a later source supplies the key:
        // ServiceStack refuses the body before it looks at the path.
        self.map.insert(key, raw);
        true
    }

    /// A non-empty text value.
    pub fn text(&self, name: &str) -> Option<&str> {
        match self.get(name)? {
            Raw::Text(s) if !s.is_empty() => Some(s.as_str()),
            Raw::List(items) | Raw::Repeated(items) => {
                items.last().map(String::as_str).filter(|s| !s.is_empty())
            }
            _ => None,
        }
    }

    /// A list: JSON/XML arrays, repeated keys, `a,b,c` or `[a,b,c]` (R28).
    pub fn list(&self, name: &str) -> Vec<String> {
        let items = match self.get(name) {
            None => return Vec::new(),
            Some(Raw::Text(s)) => super::jsv_syntax::parse_list(s),
            Some(Raw::List(items)) => items.clone(),
            Some(Raw::Repeated(values)) => values
                .iter()
                .flat_map(|v| super::jsv_syntax::parse_list(v))
                .collect(),
        };
        items.into_iter().filter(|s| !s.is_empty()).collect()
    }

    /// A 32-bit whole number, as the contract's `int` properties are.
    pub fn int(&self, name: &'static str) -> Result<Option<i64>, FieldError> {
        self.text(name)
            .map(|s| {
                s.trim().parse::<i32>().map(i64::from).map_err(|_| {
                    FieldError::new(
                        "InvalidNumber",
                        name,
                        format!(
                            "'{name}' must be a whole number from {} to {}.",
                            i32::MIN,
                            i32::MAX
                        ),
                    )
                })
            })
            .transpose()
    }

    pub fn bool(&self, name: &'static str) -> Result<Option<bool>, FieldError> {
        self.text(name)
            .map(|s| match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" => Ok(true),
                "false" | "0" => Ok(false),
                _ => Err(FieldError::new(
                    "InvalidBoolean",
                    name,
                    format!("'{name}' must be true or false."),
                )),
            })
            .transpose()
    }

    fn get(&self, name: &str) -> Option<&Raw> {
        self.map.get(&name.to_ascii_lowercase())
    }
}

/// Collects the field errors of a binding step; `finish` turns any into one 400.
#[derive(Default)]
pub struct Problems(Vec<FieldError>);

impl Problems {
    pub fn take<T>(&mut self, r: Result<T, FieldError>) -> Option<T> {
        r.map_err(|e| self.0.push(e)).ok()
    }

    pub fn push(&mut self, e: FieldError) {
        self.0.push(e);
    }

    pub fn finish(self) -> Result<(), Error> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::Validation(self.0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_case_insensitive_and_later_sources_win() {
        let mut f = Fields::default();
        f.merge_pairs([("Body", "from body".to_owned())]);
        f.merge_pairs([("BODY", "from query".to_owned())]);
        assert_eq!(f.text("body"), Some("from query"));
    }

    #[test]
    fn empty_strings_are_absent() {
        let mut f = Fields::default();
        f.merge_pairs([("sessionId", String::new())]);
        assert_eq!(f.text("SessionId"), None);
    }

    #[test]
    fn lists_accept_every_r28_spelling() {
        let mut f = Fields::default();
        f.merge_pairs([("ids", "a,b".to_owned()), ("ids", "c".to_owned())]);
        f.merge_pairs([("other", "[x, \"y,z\"]".to_owned())]);
        f.set("exact", Raw::List(vec!["a,b".to_owned()]));
        assert_eq!(f.list("Ids"), vec!["a", "b", "c"]);
        assert_eq!(f.list("other"), vec!["x", "y,z"]);
        assert_eq!(f.list("exact"), vec!["a,b"]);
        assert!(f.list("missing").is_empty());
    }

    #[test]
    fn numbers_and_booleans_are_checked() {
        let mut f = Fields::default();
        f.merge_pairs([("page", "x".to_owned()), ("all", "True".to_owned())]);
        assert_eq!(f.int("Page").unwrap_err().code, "InvalidNumber");
        assert_eq!(f.bool("All"), Ok(Some(true)));
    }
}
