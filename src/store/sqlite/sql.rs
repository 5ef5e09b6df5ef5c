//! Small helpers shared by the SQLite queries: error mapping, `where` clauses built from
//! filters, and reading back values that must parse.

use super::super::StoreError;
use crate::domain::{AccountScope, DeliveryStatus, Timestamp};
use rusqlite::types::{Type, Value};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

pub fn internal(e: rusqlite::Error) -> StoreError {
    StoreError::Internal(e.into())
}

/// A column read back that does not parse is an error, never a silent default.
pub fn unreadable(column: usize, what: &str, value: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        column,
        Type::Text,
        format!("unknown {what} '{value}' in the database").into(),
    )
}

pub fn parse<T>(
    column: usize,
    what: &str,
    value: String,
    parse: impl FnOnce(&str) -> Option<T>,
) -> rusqlite::Result<T> {
    parse(&value).ok_or_else(|| unreadable(column, what, &value))
}

pub fn status(column: usize, value: String) -> rusqlite::Result<DeliveryStatus> {
    parse(column, "delivery status", value, DeliveryStatus::parse)
}

pub fn timestamp(ms: Option<i64>) -> Option<Timestamp> {
    ms.map(Timestamp::from_millis)
}

/// `('Queued','Sending')`: statuses as SQL literals. They come from a closed enum, so the
/// statement text stays the same for the same set and its prepared form is reused.
pub fn status_list(statuses: &[DeliveryStatus]) -> String {
    if statuses.is_empty() {
        return "(null)".to_owned();
    }
    let names: Vec<String> = statuses
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect();
    format!("({})", names.join(","))
}

/// The statuses of a set as bits, to tell statement texts built from the set apart.
pub fn status_mask(statuses: &[DeliveryStatus]) -> u32 {
    statuses.iter().fold(0, |mask, s| mask | 1 << (*s as u32))
}

/// The text of a statement built from a closed set of choices (`shape` and `choice` name it),
/// built once per thread: the writer runs the same few shapes thousands of times a second, and
/// building each text anew cost more than some of the statements.
pub fn cached_text(shape: &'static str, choice: u32, build: impl FnOnce() -> String) -> Rc<str> {
    thread_local! {
        static TEXTS: RefCell<HashMap<(&'static str, u32), Rc<str>>> = RefCell::new(HashMap::new());
    }
    TEXTS.with(|texts| {
        texts
            .borrow_mut()
            .entry((shape, choice))
            .or_insert_with(|| build().into())
            .clone()
    })
}

pub fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

pub fn bound(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The conditions of a `where` clause and their arguments, in order.
#[derive(Default)]
pub struct Filter {
    conds: Vec<String>,
    pub args: Vec<Value>,
}

impl Filter {
    /// `column in (…)` for the scope's accounts (nothing for `All`; nothing matches an empty
    /// scope).
    pub fn scope(&mut self, scope: &AccountScope, column: &str) -> &mut Self {
        if let AccountScope::Only(ids) = scope {
            self.within(column, ids.iter().map(|i| i.as_str()));
        }
        self
    }

    /// `column in (…)`; an empty list matches nothing.
    pub fn within<'a>(
        &mut self,
        column: &str,
        values: impl ExactSizeIterator<Item = &'a str>,
    ) -> &mut Self {
        if values.len() == 0 {
            self.conds.push("0".to_owned());
            return self;
        }
        let marks = vec!["?"; values.len()].join(",");
        self.conds.push(format!("{column} in ({marks})"));
        self.args.extend(values.map(|v| Value::Text(v.to_owned())));
        self
    }

    /// `column in (…)` only when the list names anything.
    pub fn any_of<'a>(
        &mut self,
        column: &str,
        values: impl ExactSizeIterator<Item = &'a str>,
    ) -> &mut Self {
        if values.len() > 0 {
            self.within(column, values);
        }
        self
    }

    /// A condition with one `?` for `arg`.
    pub fn with(&mut self, cond: &str, arg: impl Into<Value>) -> &mut Self {
        self.conds.push(cond.to_owned());
        self.args.push(arg.into());
        self
    }

    /// A condition without arguments.
    pub fn when(&mut self, cond: &str) -> &mut Self {
        self.conds.push(cond.to_owned());
        self
    }

    pub fn clause(&self) -> String {
        if self.conds.is_empty() {
            String::new()
        } else {
            format!("where {}", self.conds.join(" and "))
        }
    }
}
