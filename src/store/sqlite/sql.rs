//! Small helpers shared by the SQLite queries: error mapping and `IN (…)` lists.

use super::super::StoreError;
use crate::domain::AccountScope;
use rusqlite::types::Value;

pub fn internal(e: rusqlite::Error) -> StoreError {
    StoreError::Internal(e.into())
}

/// Maps a unique-constraint violation to `Conflict(message)`, anything else to `Internal`.
pub fn on_unique(message: impl FnOnce() -> String) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |e| match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::ConstraintViolation) => StoreError::Conflict(message()),
        _ => internal(e),
    }
}

/// Appends `column in (?, ?, …)` for the scope's accounts (nothing for `All`; a false condition
/// for an empty scope).
pub fn scope_filter(
    scope: &AccountScope,
    column: &str,
    conds: &mut Vec<String>,
    args: &mut Vec<Value>,
) {
    if let AccountScope::Only(ids) = scope {
        in_list(column, ids.iter().map(|i| i.as_str()), conds, args);
    }
}

/// Appends `column in (…)`; an empty list matches nothing.
pub fn in_list<'a>(
    column: &str,
    values: impl ExactSizeIterator<Item = &'a str>,
    conds: &mut Vec<String>,
    args: &mut Vec<Value>,
) {
    if values.len() == 0 {
        conds.push("0".to_owned());
        return;
    }
    let marks = vec!["?"; values.len()].join(",");
    conds.push(format!("{column} in ({marks})"));
    args.extend(values.map(|v| Value::Text(v.to_owned())));
}

/// Appends `column in (…)` only when the filter names anything.
pub fn optional_in<'a>(
    column: &str,
    values: impl ExactSizeIterator<Item = &'a str>,
    conds: &mut Vec<String>,
    args: &mut Vec<Value>,
) {
    if values.len() > 0 {
        in_list(column, values, conds, args);
    }
}

pub fn where_clause(conds: &[String]) -> String {
    if conds.is_empty() {
        String::new()
    } else {
        format!("where {}", conds.join(" and "))
    }
}
