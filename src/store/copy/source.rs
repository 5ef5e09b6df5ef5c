//! The store copied from: SQLite's file opened read-only, or a PostgreSQL database read in one
//! read-only snapshot.

use super::super::postgres;
use super::tables::{Kind, Table};
use anyhow::{Context, bail};
use rusqlite::OpenFlags;
use std::path::Path;
use tokio_postgres::types::ToSql;

/// One value of a row, typed as the target's column.
#[derive(Debug)]
pub enum Value {
    Text(Option<String>),
    Int8(Option<i64>),
    Int4(Option<i32>),
    Bool(Option<bool>),
    Bytes(Option<Vec<u8>>),
    Float(Option<f64>),
}

impl Value {
    pub fn as_arg(&self) -> &(dyn ToSql + Sync) {
        match self {
            Value::Text(v) => v,
            Value::Int8(v) => v,
            Value::Int4(v) => v,
            Value::Bool(v) => v,
            Value::Bytes(v) => v,
            Value::Float(v) => v,
        }
    }
}

pub enum Source {
    Sqlite(rusqlite::Connection),
    Postgres(tokio_postgres::Client),
}

impl Source {
    pub async fn open(url: Option<&str>, data_dir: &Path) -> anyhow::Result<Self> {
        match url {
            Some(url) if postgres::is_url(url) => {
                let client = postgres::connect_raw(url).await?;
                client
                    .batch_execute("begin isolation level repeatable read read only")
                    .await?;
                Ok(Source::Postgres(client))
            }
            Some(url) => bail!("unsupported --database-url '{url}'"),
            None => {
                let path = data_dir.join("evo.db");
                if !path.exists() {
                    bail!("no evo store at {}", path.display());
                }
                let conn = rusqlite::Connection::open_with_flags(
                    &path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )
                .with_context(|| format!("cannot open {}", path.display()))?;
                conn.busy_timeout(std::time::Duration::from_secs(5))?;
                Ok(Source::Sqlite(conn))
            }
        }
    }

    /// Every row of `table`, in its copy order.
    pub async fn rows(&mut self, table: &Table) -> anyhow::Result<Vec<Vec<Value>>> {
        match self {
            Source::Sqlite(conn) => sqlite_rows(conn, table),
            Source::Postgres(client) => {
                let rows = client.query(&table.select(), &[]).await?;
                rows.iter()
                    .map(|row| {
                        table
                            .columns
                            .iter()
                            .enumerate()
                            .map(|(i, c)| pg_value(row, i, c.kind))
                            .collect()
                    })
                    .collect()
            }
        }
    }
}

fn sqlite_rows(conn: &rusqlite::Connection, table: &Table) -> anyhow::Result<Vec<Vec<Value>>> {
    let mut statement = conn.prepare(&table.select())?;
    let rows = statement.query_map([], |row| {
        table
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| sqlite_value(row, i, c.kind))
            .collect::<rusqlite::Result<Vec<Value>>>()
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn sqlite_value(row: &rusqlite::Row<'_>, i: usize, kind: Kind) -> rusqlite::Result<Value> {
    Ok(match kind {
        Kind::Text | Kind::OptText => Value::Text(row.get(i)?),
        Kind::Int8 | Kind::OptInt8 => Value::Int8(row.get(i)?),
        Kind::Int4 => Value::Int4(row.get(i)?),
        Kind::Bool => Value::Bool(row.get(i)?),
        Kind::Bytes => Value::Bytes(row.get(i)?),
        Kind::OptFloat => Value::Float(row.get(i)?),
    })
}

fn pg_value(row: &tokio_postgres::Row, i: usize, kind: Kind) -> anyhow::Result<Value> {
    Ok(match kind {
        Kind::Text | Kind::OptText => Value::Text(row.try_get(i)?),
        Kind::Int8 | Kind::OptInt8 => Value::Int8(row.try_get(i)?),
        Kind::Int4 => Value::Int4(row.try_get(i)?),
        Kind::Bool => Value::Bool(row.try_get(i)?),
        Kind::Bytes => Value::Bytes(row.try_get(i)?),
        Kind::OptFloat => Value::Float(row.try_get(i)?),
    })
}
