//! Small helpers shared by the PostgreSQL queries: `where` clauses built from filters with
//! numbered placeholders, and reading back values that must parse.

use super::super::{StoreError, StoreResult};
use crate::domain::{AccountScope, DeliveryStatus, Direction, Timestamp};
use anyhow::anyhow;
use tokio_postgres::Row;
use tokio_postgres::types::{FromSql, ToSql};

/// A column read back; a value of the wrong type is an error, never a default.
pub fn get<'a, T: FromSql<'a>>(row: &'a Row, column: usize) -> StoreResult<T> {
    row.try_get(column)
        .map_err(|e| StoreError::Internal(anyhow!("column {column}: {e}")))
}

/// A text column that must parse (`what` names it in the error).
pub fn parsed<T>(
    row: &Row,
    column: usize,
    what: &str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> StoreResult<T> {
    let value: String = get(row, column)?;
    parse(&value)
        .ok_or_else(|| StoreError::Internal(anyhow!("unknown {what} '{value}' in the database")))
}

pub fn status(row: &Row, column: usize) -> StoreResult<DeliveryStatus> {
    parsed(row, column, "delivery status", DeliveryStatus::parse)
}

pub fn direction(row: &Row, column: usize) -> StoreResult<Direction> {
    parsed(row, column, "direction", Direction::parse)
}

pub fn timestamp(row: &Row, column: usize) -> StoreResult<Timestamp> {
    get::<i64>(row, column).map(Timestamp::from_millis)
}

pub fn timestamp_opt(row: &Row, column: usize) -> StoreResult<Option<Timestamp>> {
    get::<Option<i64>>(row, column).map(|ms| ms.map(Timestamp::from_millis))
}

/// Statuses as one text-array argument (`status = any($n)`).
pub fn status_names(statuses: &[DeliveryStatus]) -> Vec<&'static str> {
    statuses.iter().map(|s| s.as_str()).collect()
}

pub fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

pub fn bound(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A statement argument owned by a `Filter`.
pub type Owned = Box<dyn ToSql + Sync + Send>;

/// The conditions of a `where` clause and their arguments, placeholders numbered in order.
#[derive(Default)]
pub struct Filter {
    conds: Vec<String>,
    pub args: Vec<Owned>,
}

impl Filter {
    /// The next placeholder, `$n`.
    pub fn mark(&self) -> String {
        format!("${}", self.args.len() + 1)
    }

    /// `column = any(…)` for the scope's accounts (nothing for `All`; nothing matches an empty
    /// scope).
    pub fn scope(&mut self, scope: &AccountScope, column: &str) -> &mut Self {
        if let AccountScope::Only(ids) = scope {
            self.within(column, ids.iter().map(|i| i.as_str()));
        }
        self
    }

    /// `column = any(…)`; an empty list matches nothing.
    pub fn within<'a>(
        &mut self,
        column: &str,
        values: impl ExactSizeIterator<Item = &'a str>,
    ) -> &mut Self {
        if values.len() == 0 {
            self.conds.push("false".to_owned());
            return self;
        }
        let list: Vec<String> = values.map(str::to_owned).collect();
        let cond = format!("{column} = any({})", self.mark());
        self.conds.push(cond);
        self.args.push(Box::new(list));
        self
    }

    /// `column = any(…)` only when the list names anything.
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

    /// A condition whose one placeholder is written `?` in `cond`, for `arg`.
    pub fn with(&mut self, cond: &str, arg: impl ToSql + Sync + Send + 'static) -> &mut Self {
        let cond = cond.replace('?', &self.mark());
        self.conds.push(cond);
        self.args.push(Box::new(arg));
        self
    }

    /// A condition without arguments.
    pub fn when(&mut self, cond: &str) -> &mut Self {
        self.conds.push(cond.to_owned());
        self
    }

    /// Adds an argument that a later part of the statement uses (`limit`, `offset`); its `$n`.
    pub fn arg(&mut self, arg: impl ToSql + Sync + Send + 'static) -> String {
        let mark = self.mark();
        self.args.push(Box::new(arg));
        mark
    }

    pub fn clause(&self) -> String {
        if self.conds.is_empty() {
            String::new()
        } else {
            format!("where {}", self.conds.join(" and "))
        }
    }

    /// The arguments, as a statement takes them.
    pub fn refs(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.args
            .iter()
            .map(|a| a.as_ref() as &(dyn ToSql + Sync))
            .collect()
    }
}
