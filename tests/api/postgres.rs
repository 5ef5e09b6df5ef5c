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

/// `evo serve` on the PostgreSQL database `url`; the child and its base URL.
fn serve_on(url: &str) -> (std::process::Child, String) {
    let mut child = Command::new(EVO)
        .args(["--database-url", url, "serve", "--listen", "127.0.0.1:0"])
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn evo serve");
    let base = crate::durability::listening_on(&mut child);
    (child, base)
}

/// What a client sees of a store: its lists, read with the API key and with the password.
async fn snapshot(base: &str, key: &str) -> Vec<serde_json::Value> {
    let client = crate::helpers::http_client();
    let mut seen = Vec::new();
    for path in ["/messages?all=true", "/conversations", "/sessions"] {
        let res = client
            .get(format!("{base}{path}"))
            .bearer_auth(key)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{path}");
        seen.push(res.json().await.unwrap());
    }
    let by_password = client
        .get(format!("{base}/messages?all=true"))
        .basic_auth("ops@acme.test", Some("password-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(by_password.status(), 200);
    seen.push(by_password.json().await.unwrap());
    seen
}

async fn send(base: &str, key: &str, endpoint: &str, to: &str, idempotency: &str) -> String {
    let res = crate::helpers::http_client()
        .post(format!("{base}/messages"))
        .bearer_auth(key)
        .header("Idempotency-Key", idempotency)
        .json(&serde_json::json!({"endpointId": endpoint, "toAddress": to, "body": "copied"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    body["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn copy_store_moves_a_sqlite_store_to_postgresql_and_refuses_a_second_copy() {
    let Some(pg) = PgDatabase::create().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    crate::helpers::keep_on_sqlite(d);
    let t = crate::durability::cli_tenant(d);
    crate::durability::evo(
        d,
        &[
            "admin",
            "optout",
            "add",
            "--endpoint",
            &t.endpoint,
            "--address",
            "+15550009999",
        ],
    );
    let (mut sqlite_server, base) = crate::durability::start_server(d);
    let mut sent = Vec::new();
    for i in 0..5 {
        let to = format!("+1555000{i:04}");
        sent.push(send(&base, &t.key, &t.endpoint, &to, &format!("key-{i}")).await);
    }
    let before = snapshot(&base, &t.key).await;
    sqlite_server.kill().unwrap();
    sqlite_server.wait().unwrap();

    let copy = |args: &[&str]| {
        Command::new(EVO)
            .arg("--data-dir")
            .arg(d)
            .args(["admin", "copy-store", "--to", &pg.url])
            .args(args)
            .output()
            .expect("run evo")
    };
    let out = copy(&["--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let counts: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(counts["messages"], 5);
    assert_eq!(counts["opt_outs"], 1);
    assert_eq!(counts["idempotency_keys"], 5);
    assert_eq!(counts["accounts"], 1);

    // A target that holds anything is refused, and stays as it was.
    let again = copy(&[]);
    assert!(!again.status.success());
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(err.contains("not empty"), "{err}");

    let (mut pg_server, pg_base) = serve_on(&pg.url);
    assert_eq!(snapshot(&pg_base, &t.key).await, before);
    // Idempotency keys came along: a repeat replays the message sent on SQLite.
    let replayed = send(&pg_base, &t.key, &t.endpoint, "+15550000000", "key-0").await;
    assert_eq!(replayed, sent[0]);
    // The opt-out came along too.
    let refused = crate::helpers::http_client()
        .post(format!("{pg_base}/messages"))
        .bearer_auth(&t.key)
        .json(&serde_json::json!({"endpointId": t.endpoint, "toAddress": "+15550009999", "body": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    pg_server.kill().unwrap();
    pg_server.wait().unwrap();
}

/// Whether evo's connections to `pg`'s database are encrypted, read on the server's side.
async fn encrypted(pg: &PgDatabase) -> Vec<bool> {
    let server = crate::pg::server_url();
    let (client, connection) =
        tokio_postgres::connect(&format!("{server}/postgres"), tokio_postgres::NoTls)
            .await
            .expect("connect");
    tokio::spawn(connection);
    let name = pg.url.rsplit('/').next().unwrap_or_default().to_owned();
    client
        .query(
            "select s.ssl from pg_stat_ssl s join pg_stat_activity a on a.pid = s.pid
             where a.datname = $1",
            &[&name],
        )
        .await
        .expect("pg_stat_ssl")
        .iter()
        .map(|r| r.get(0))
        .collect()
}

#[tokio::test]
async fn sslmode_require_encrypts_disable_does_not_and_verify_full_checks_the_certificate() {
    let Some(pg) = PgDatabase::create().await else {
        return;
    };
    for (mode, tls) in [("require", true), ("disable", false)] {
        let (mut server, _) = serve_on(&format!("{}?sslmode={mode}", pg.url));
        let seen = encrypted(&pg).await;
        server.kill().unwrap();
        server.wait().unwrap();
        assert!(!seen.is_empty(), "{mode}: no connection seen");
        assert!(seen.iter().all(|s| *s == tls), "{mode}: ssl {seen:?}");
    }
    // The local server's certificate (Debian's snakeoil) names "localhost", not 127.0.0.1: with
    // verify-full that is refused, whether or not its chain is trusted.
    let out = evo_on(
        &format!("{}?sslmode=verify-full", pg.url),
        &["admin", "account", "create", "--name", "Acme"],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot connect to PostgreSQL"), "{err}");
    assert!(err.contains("certificate"), "{err}");
}
