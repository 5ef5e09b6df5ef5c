//! A PostgreSQL database of a test's own on the local server, created with a random name and
//! dropped when the value is dropped. Shared by the test binaries (`#[path]`-included).

use std::sync::Once;

pub struct PgDatabase {
    pub url: String,
    server: String,
    name: String,
}

/// The server tests use: `EVO_TEST_DATABASE_URL`, else the local one every machine of ours runs.
pub fn server_url() -> String {
    std::env::var("EVO_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned())
        .trim_end_matches('/')
        .to_owned()
}

fn required() -> bool {
    std::env::var("EVO_TEST_REQUIRE_PG").is_ok_and(|v| v == "1")
}

static SKIPPED: Once = Once::new();

async fn admin(server: &str) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
    let (client, connection) =
        tokio_postgres::connect(&format!("{server}/postgres"), tokio_postgres::NoTls).await?;
    tokio::spawn(connection);
    Ok(client)
}

impl PgDatabase {
    /// A fresh empty database; `None` (and one line on how to get a server) when none answers.
    pub async fn create() -> Option<PgDatabase> {
        let server = server_url();
        let client = match admin(&server).await {
            Ok(client) => client,
            Err(e) if !required() => {
                SKIPPED.call_once(|| {
                    eprintln!(
                        "PostgreSQL cases skipped: no server at {server} ({e}); start one \
                         (e.g. `apt-get install postgresql && pg_ctlcluster 15 main start`) or \
                         set EVO_TEST_DATABASE_URL"
                    )
                });
                return None;
            }
            Err(e) => panic!("EVO_TEST_REQUIRE_PG=1 but no PostgreSQL at {server}: {e}"),
        };
        let name = format!("evo_test_{:016x}", fastrand::u64(..));
        client
            .batch_execute(&format!("create database {name}"))
            .await
            .expect("create test database");
        Some(PgDatabase {
            url: format!("{server}/{name}"),
            server,
            name,
        })
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let (server, name) = (self.server.clone(), self.name.clone());
        // Drop runs inside the test's runtime, which cannot block on itself: a thread of its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                if let Ok(client) = admin(&server).await {
                    let _ = client
                        .batch_execute(&format!("drop database if exists {name} with (force)"))
                        .await;
                }
            })
        });
        let _ = dropped.join();
    }
}
