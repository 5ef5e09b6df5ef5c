//! `evo admin copy-store --to URL`: every record of one store into an empty PostgreSQL store,
//! in one transaction, with the outbox's leases released and the counts checked per table
//! before it commits. The source (SQLite under the data directory, or another PostgreSQL
//! database) is only read; a target that holds anything is refused untouched.

mod source;
mod tables;

use super::postgres;
use anyhow::{Context, bail};
use source::{Source, Value};
use std::path::Path;
use tables::TABLES;
use tokio_postgres::types::ToSql;

/// Rows copied into one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    pub table: &'static str,
    pub rows: u64,
}

/// Rows inserted per round trip batch (tokio-postgres pipelines the statements of a batch).
const BATCH: usize = 500;

pub async fn copy_store(
    source_url: Option<&str>,
    data_dir: &Path,
    target_url: &str,
) -> anyhow::Result<Vec<Copied>> {
    if !postgres::is_url(target_url) {
        bail!("--to must be a postgres:// or postgresql:// URL");
    }
    let mut source = Source::open(source_url, data_dir).await?;
    let mut target = postgres::connect_raw(target_url).await?;
    refuse_unless_blank(&target).await?;
    postgres::migrate(&mut target).await?;
    copy_all(&mut source, target).await
}

async fn copy_all(
    source: &mut Source,
    mut target: tokio_postgres::Client,
) -> anyhow::Result<Vec<Copied>> {
    let tx = target.transaction().await?;
    let mut copied = Vec::with_capacity(TABLES.len());
    for table in TABLES {
        let rows = source
            .rows(table)
            .await
            .with_context(|| format!("cannot read {} from the source", table.name))?;
        let insert = tx.prepare(&table.insert()).await?;
        for chunk in rows.chunks(BATCH) {
            let writes = chunk.iter().map(|row| {
                let args: Vec<&(dyn ToSql + Sync)> = row.iter().map(Value::as_arg).collect();
                let insert = &insert;
                let tx = &tx;
                async move { tx.execute(insert, &args).await }
            });
            futures_util::future::try_join_all(writes)
                .await
                .with_context(|| format!("cannot write {} to the target", table.name))?;
        }
        let stored: i64 = tx
            .query_one(&format!("select count(*) from {}", table.name), &[])
            .await?
            .get(0);
        let read = rows.len() as u64;
        if u64::try_from(stored).unwrap_or(0) != read {
            bail!(
                "{}: {read} rows read but {stored} in the target; nothing was copied",
                table.name
            );
        }
        copied.push(Copied {
            table: table.name,
            rows: read,
        });
    }
    tx.commit().await.context("cannot commit the copy")?;
    Ok(copied)
}

/// The target must be a blank database, or an evo schema with no rows in it.
async fn refuse_unless_blank(target: &tokio_postgres::Client) -> anyhow::Result<()> {
    let present: Vec<String> = target
        .query(
            "select table_name::text from information_schema.tables
             where table_schema = current_schema() and table_type = 'BASE TABLE'",
            &[],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let evo_table = |name: &str| name == "evo_migrations" || TABLES.iter().any(|t| t.name == name);
    let foreign: Vec<&str> = present
        .iter()
        .map(String::as_str)
        .filter(|t| !evo_table(t))
        .collect();
    if !foreign.is_empty() {
        bail!(
            "the target database is not empty (tables {}); copy-store needs a blank database, \
             and nothing was written",
            foreign.join(", ")
        );
    }
    for table in TABLES
        .iter()
        .filter(|t| present.iter().any(|p| p == t.name))
    {
        let rows: i64 = target
            .query_one(&format!("select count(*) from {}", table.name), &[])
            .await?
            .get(0);
        if rows > 0 {
            bail!(
                "the target store is not empty ({} holds {rows} rows); nothing was written",
                table.name
            );
        }
    }
    Ok(())
}
