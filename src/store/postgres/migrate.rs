//! The PostgreSQL schema's migrations (`migrations/postgres/`), applied at start under an
//! advisory lock so that nodes starting together on an empty database take turns, each in its
//! own transaction. A database migrated further than this evo knows is refused.
//!
//! Hand-written (about forty lines) because the crates that run migrations over tokio-postgres
//! take no lock, and sqlx's runner would bring a second driver.

use anyhow::{Context, bail};
use tokio_postgres::Client;

const MIGRATIONS: &[(i32, &str)] = &[(
    1,
    include_str!("../../../migrations/postgres/0001_init.sql"),
)];
/// Any fixed number; every evo process locks the same one.
const LOCK_KEY: i64 = 0x6576_6f5f_6d69_6772; // "evo_migr"

pub async fn to_latest(client: &mut Client) -> anyhow::Result<()> {
    let locked = client
        .execute("select pg_advisory_lock($1)", &[&LOCK_KEY])
        .await
        .context("cannot take the migration lock");
    let result = match locked {
        Ok(_) => apply(client).await,
        Err(e) => Err(e),
    };
    let _ = client
        .execute("select pg_advisory_unlock($1)", &[&LOCK_KEY])
        .await;
    result
}

async fn apply(client: &mut Client) -> anyhow::Result<()> {
    client
        .batch_execute(
            "create table if not exists evo_migrations (
                 version integer primary key,
                 applied_at timestamptz not null default now()
             )",
        )
        .await
        .context("cannot create evo_migrations")?;
    let applied: i32 = client
        .query_one("select coalesce(max(version), 0) from evo_migrations", &[])
        .await?
        .get(0);
    let known = MIGRATIONS.last().map_or(0, |(v, _)| *v);
    if applied > known {
        bail!(
            "the database schema is at version {applied}, from a newer evo; this evo knows \
             versions up to {known}: run the newer evo, or restore a backup taken before it"
        );
    }
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > applied) {
        let tx = client.transaction().await?;
        tx.batch_execute(sql)
            .await
            .with_context(|| format!("cannot apply PostgreSQL migration {version}"))?;
        tx.execute(
            "insert into evo_migrations (version) values ($1)",
            &[version],
        )
        .await?;
        tx.commit().await?;
    }
    Ok(())
}
