//! PostgreSQL-only behaviour of the real binary (#11): migrations under a lock, a database from
//! a newer evo refused. Skipped, saying so once, when no PostgreSQL server answers (unless
//! `EVO_TEST_REQUIRE_PG=1`).

use crate::durability::EVO;
use crate::pg::PgDatabase;
use std::process::{Command, Output};

fn evo_on(url: &str, args: &[&str]) -> Output {
    Command::new(EVO)
        .args(["--database-url", url])
        .args(args)
        .output()
        .expect("run evo")
}

async fn sql(url: &str, statement: &str) {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(connection);
    client.batch_execute(statement).await.expect(statement);
}

#[tokio::test]
async fn processes_migrating_one_empty_database_at_once_take_turns() {
    let Some(pg) = PgDatabase::create().await else {
        return;
    };
    let runs: Vec<_> = (0..3)
        .map(|i| {
            let url = pg.url.clone();
            std::thread::spawn(move || {
                let name = format!("Acme {i}");
                evo_on(&url, &["admin", "account", "create", "--name", &name])
            })
        })
        .collect();
    for run in runs {
        let out = run.join().expect("thread");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let store = evo::store::open(
        Some(&pg.url),
        std::path::Path::new("."),
        evo::clock::system(),
    )
    .await
    .expect("open");
    let accounts = store
        .accounts(&evo::domain::AccountScope::All)
        .await
        .expect("accounts");
    assert_eq!(accounts.len(), 3);
    store.shutdown().await;
}

#[tokio::test]
async fn a_database_migrated_by_a_newer_evo_is_refused_with_a_clear_message() {
    let Some(pg) = PgDatabase::create().await else {
        return;
    };
    let made = evo_on(&pg.url, &["admin", "account", "create", "--name", "Acme"]);
    assert!(made.status.success());
    sql(
        &pg.url,
        "insert into evo_migrations (version) values (9999)",
    )
    .await;
    let refused = evo_on(&pg.url, &["admin", "account", "create", "--name", "Again"]);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("newer evo"), "{err}");
    assert!(err.contains("9999"), "{err}");
}
