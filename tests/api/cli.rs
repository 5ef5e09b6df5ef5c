//! The admin CLI: every command, --json, the error paths, and changes made while a server runs.

use crate::durability::{EVO, cli_tenant, evo, start_server};
use crate::helpers::store_args;
use serde_json::{Value, json};
use std::ffi::OsString;
use std::path::Path;
use std::process::Command;

/// Runs evo expecting failure; returns stderr.
pub fn evo_fails(dir: &Path, args: &[&str]) -> String {
    // A command that names its own database gets only the data directory.
    let store = if args.contains(&"--database-url") {
        vec![OsString::from("--data-dir"), dir.as_os_str().to_owned()]
    } else {
        store_args(dir)
    };
    let out = Command::new(EVO).args(store).args(args).output().unwrap();
    assert!(!out.status.success(), "evo {args:?} should fail");
    assert!(
        out.stdout.is_empty(),
        "nothing on stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.trim().lines().count(), 1, "one line on stderr: {err}");
    err
}

/// Rows in a table, on whichever backend the suite runs: the store has no listing of users,
/// endpoints or customers until the management API (#14) gives it one.
fn count(dir: &Path, table: &str) -> i64 {
    let sql = format!("select count(*) from {table}");
    match crate::helpers::store_url(dir) {
        Some(url) => std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(async {
                    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                        .await
                        .unwrap();
                    tokio::spawn(connection);
                    client.query_one(&sql, &[]).await.unwrap().get(0)
                })
        })
        .join()
        .unwrap(),
        None => rusqlite::Connection::open(dir.join("evo.db"))
            .unwrap()
            .query_row(&sql, [], |r| r.get(0))
            .unwrap(),
    }
}

fn is_id(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

#[test]
fn every_create_prints_the_id_alone_or_json() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let account = evo(d, &["admin", "account", "create", "--name", "Acme"]);
    assert!(is_id(&account), "{account}");
    let customer = evo(
        d,
        &[
            "admin",
            "customer",
            "create",
            "--account",
            &account,
            "--name",
            "Shop",
        ],
    );
    assert!(is_id(&customer));
    let child: Value = serde_json::from_str(&evo(
        d,
        &[
            "admin",
            "customer",
            "create",
            "--account",
            &account,
            "--name",
            "Branch",
            "--parent",
            &customer,
            "--json",
        ],
    ))
    .unwrap();
    assert_eq!(child["parentCustomerId"], customer.as_str());
    let user: Value = serde_json::from_str(&evo(
        d,
        &[
            "admin",
            "user",
            "create",
            "--account",
            &account,
            "--email",
            "ann@acme.test",
            "--password",
            "password-1",
            "--role",
            "User",
            "--role",
            "Manager",
            "--first-name",
            "Ann",
            "--last-name",
            "Lee",
            "--json",
        ],
    ))
    .unwrap();
    assert_eq!(user["emailAddress"], "ann@acme.test");
    assert_eq!(user["roles"], json!(["User", "Manager"]));
    assert_eq!(user["accountIds"], json!([account]));
    let user_id = user["id"].as_str().unwrap();
    let endpoint: Value = serde_json::from_str(&evo(
        d,
        &[
            "admin",
            "endpoint",
            "create",
            "--account",
            &account,
            "--customer",
            &customer,
            "--number",
            "+15550100001",
            "--name",
            "Main line",
            "--json",
        ],
    ))
    .unwrap();
    assert_eq!(endpoint["phoneNumber"], "+15550100001");
    assert_eq!(endpoint["customerId"], customer.as_str());
    let key = evo(
        d,
        &[
            "admin", "apikey", "create", "--user", user_id, "--name", "ci",
        ],
    );
    assert!(key.starts_with("evo_"), "{key}");
    let key_json: Value = serde_json::from_str(&evo(
        d,
        &["admin", "apikey", "create", "--user", user_id, "--json"],
    ))
    .unwrap();
    assert!(key_json["key"].as_str().unwrap().starts_with("evo_"));
    // Only hashes are kept: the store finds the key's user by its SHA-256, and the key's text
    // is in no file of the data directory.
    let found = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = evo::store::open(
            crate::helpers::store_url(d).as_deref(),
            d,
            evo::clock::system(),
        )
        .await
        .unwrap();
        let found = store
            .principal_by_api_key(&evo::service::auth::secret_hash(&key))
            .await
            .unwrap();
        store.shutdown().await;
        found
    });
    assert_eq!(
        found.map(|p| p.user_id.as_str().to_owned()).as_deref(),
        Some(user_id)
    );
    for file in std::fs::read_dir(d).unwrap() {
        let path = file.unwrap().path();
        // SQLite removes its -wal and -shm files as the last connection closes: a file that went
        // away between the listing and the read holds nothing.
        if let Ok(bytes) = std::fs::read(&path) {
            assert!(!String::from_utf8_lossy(&bytes).contains(&key), "{path:?}");
        }
    }
    evo(
        d,
        &[
            "admin",
            "user",
            "set-password",
            "--email",
            "ANN@acme.test",
            "--password",
            "password-2",
        ],
    );
}

#[test]
fn bad_input_exits_non_zero_with_one_line_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let account = evo(d, &["admin", "account", "create", "--name", "Acme"]);
    evo(
        d,
        &[
            "admin",
            "endpoint",
            "create",
            "--account",
            &account,
            "--number",
            "+15550100001",
            "--name",
            "Main",
        ],
    );
    evo(
        d,
        &[
            "admin",
            "user",
            "create",
            "--account",
            &account,
            "--email",
            "a@acme.test",
            "--password",
            "password-1",
            "--role",
            "User",
        ],
    );
    let (users, endpoints, customers) = (
        count(d, "users"),
        count(d, "endpoints"),
        count(d, "customers"),
    );

    let err = evo_fails(
        d,
        &[
            "admin",
            "user",
            "create",
            "--account",
            "nope",
            "--email",
            "b@acme.test",
            "--password",
            "password-1",
            "--role",
            "User",
        ],
    );
    assert!(err.contains("account 'nope' does not exist"), "{err}");
    let err = evo_fails(
        d,
        &[
            "admin",
            "user",
            "create",
            "--account",
            &account,
            "--account",
            "nope",
            "--email",
            "b@acme.test",
            "--password",
            "password-1",
            "--role",
            "User",
        ],
    );
    assert!(err.contains("nope"), "{err}");
    let err = evo_fails(
        d,
        &[
            "admin",
            "user",
            "create",
            "--account",
            &account,
            "--email",
            "A@ACME.test",
            "--password",
            "password-1",
            "--role",
            "User",
        ],
    );
    assert!(err.contains("already exists"), "{err}");
    evo_fails(
        d,
        &[
            "admin",
            "user",
            "create",
            "--account",
            &account,
            "--email",
            "not-an-email",
            "--password",
            "password-1",
            "--role",
            "User",
        ],
    );
    evo_fails(
        d,
        &[
            "admin",
            "user",
            "create",
            "--account",
            &account,
            "--email",
            "c@acme.test",
            "--password",
            "short",
            "--role",
            "User",
        ],
    );
    let err = evo_fails(
        d,
        &[
            "admin",
            "endpoint",
            "create",
            "--account",
            &account,
            "--number",
            "5550100002",
            "--name",
            "X",
        ],
    );
    assert!(err.contains("E.164"), "{err}");
    let err = evo_fails(
        d,
        &[
            "admin",
            "endpoint",
            "create",
            "--account",
            &account,
            "--number",
            "+15550100001",
            "--name",
            "Dup",
        ],
    );
    assert!(err.contains("already"), "{err}");
    evo_fails(
        d,
        &[
            "admin",
            "endpoint",
            "create",
            "--account",
            "nope",
            "--number",
            "+15550100003",
            "--name",
            "X",
        ],
    );
    evo_fails(
        d,
        &[
            "admin",
            "endpoint",
            "create",
            "--account",
            &account,
            "--customer",
            "nope",
            "--number",
            "+15550100003",
            "--name",
            "X",
        ],
    );
    evo_fails(
        d,
        &[
            "admin",
            "customer",
            "create",
            "--account",
            "nope",
            "--name",
            "X",
        ],
    );
    evo_fails(
        d,
        &[
            "admin",
            "customer",
            "create",
            "--account",
            &account,
            "--name",
            "X",
            "--parent",
            "nope",
        ],
    );
    evo_fails(d, &["admin", "apikey", "create", "--user", "nope"]);
    evo_fails(
        d,
        &[
            "admin",
            "user",
            "set-password",
            "--email",
            "ghost@acme.test",
            "--password",
            "password-1",
        ],
    );
    evo_fails(d, &["admin", "account", "create", "--name", "  "]);
    let err = evo_fails(
        d,
        &[
            "--database-url",
            "postgres://evo:secret-pw@127.0.0.1:1/evo",
            "admin",
            "account",
            "create",
            "--name",
            "X",
        ],
    );
    // No server on port 1: a clear error, and the password appears nowhere.
    assert!(err.contains("cannot connect to PostgreSQL"), "{err}");
    assert!(!err.contains("secret-pw"), "{err}");

    assert_eq!(
        (
            count(d, "users"),
            count(d, "endpoints"),
            count(d, "customers")
        ),
        (users, endpoints, customers)
    );
    assert_eq!(count(d, "api_keys"), 0);
    assert_eq!(count(d, "accounts"), 1);
}

#[test]
fn help_documents_the_options_and_their_variables() {
    let out = Command::new(EVO)
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "--listen",
        "EVO_LISTEN",
        "--data-dir",
        "EVO_DATA_DIR",
        "127.0.0.1:5080",
        "--carrier",
        "EVO_CARRIER",
        "--twilio-account-sid",
        "EVO_TWILIO_ACCOUNT_SID",
        "--twilio-auth-token",
        "EVO_TWILIO_AUTH_TOKEN",
        "--twilio-base-url",
        "EVO_TWILIO_BASE_URL",
        "https://api.twilio.com",
        "--public-url",
        "EVO_PUBLIC_URL",
        "--validity",
        "EVO_VALIDITY",
        "[default: 4h]",
        "--lease",
        "EVO_LEASE",
        "[default: 30s]",
        "--retry-base",
        "EVO_RETRY_BASE",
        "[default: 1s]",
        "--retry-cap",
        "EVO_RETRY_CAP",
    ] {
        assert!(help.contains(needle), "{needle} missing from:\n{help}");
    }
}

#[tokio::test]
async fn changes_made_while_the_server_runs_take_effect_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, base) = start_server(dir.path());
    // Everything below is created by other processes against the running server's data.
    let t = cli_tenant(dir.path());
    let client = crate::helpers::http_client();
    let send = |endpoint: String, key: String| {
        let client = client.clone();
        let base = base.clone();
        async move {
            client
                .post(format!("{base}/messages"))
                .bearer_auth(key)
                .json(&json!({"endpointId": endpoint, "toAddress": "+15556667777", "body": "hi"}))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(send(t.endpoint.clone(), t.key.clone()).await, 200);
    let account = evo(
        dir.path(),
        &["admin", "account", "create", "--name", "Later"],
    );
    let user = evo(
        dir.path(),
        &[
            "admin",
            "user",
            "create",
            "--account",
            &account,
            "--email",
            "late@x.test",
            "--password",
            "password-1",
            "--role",
            "User",
        ],
    );
    let endpoint = evo(
        dir.path(),
        &[
            "admin",
            "endpoint",
            "create",
            "--account",
            &account,
            "--number",
            "+15550100002",
            "--name",
            "Late",
        ],
    );
    let key = evo(dir.path(), &["admin", "apikey", "create", "--user", &user]);
    assert_eq!(send(endpoint.clone(), key.clone()).await, 200);
    // A password set from the CLI works immediately over Basic auth.
    evo(
        dir.path(),
        &[
            "admin",
            "user",
            "set-password",
            "--email",
            "late@x.test",
            "--password",
            "password-2",
        ],
    );
    let res = client
        .get(format!("{base}/messages"))
        .basic_auth("late@x.test", Some("password-2"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn endpoints_take_a_pace_and_accounts_their_own_carrier_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let account = evo(d, &["admin", "account", "create", "--name", "Acme"]);
    let endpoint = |number: &str, extra: &[&str]| -> Value {
        let mut args = vec![
            "admin",
            "endpoint",
            "create",
            "--account",
            &account,
            "--number",
            number,
            "--name",
            "Line",
            "--json",
        ];
        args.extend_from_slice(extra);
        serde_json::from_str(&evo(d, &args)).unwrap()
    };
    // Defaults by kind of number: long code 1, toll-free 3 segments per second.
    assert_eq!(endpoint("+15550100001", &[])["mps"], 1.0);
    let toll_free = endpoint("+18885550100", &[]);
    assert_eq!(toll_free["mps"], 3.0);
    assert_eq!(endpoint("+15550100002", &["--mps", "25"])["mps"], 25.0);
    let id = toll_free["id"].as_str().unwrap();
    let updated: Value = serde_json::from_str(&evo(
        d,
        &[
            "admin", "endpoint", "update", "--id", id, "--mps", "0.5", "--json",
        ],
    ))
    .unwrap();
    assert_eq!(updated["mps"], 0.5);
    for bad in ["0", "0.0001", "-1", "NaN", "inf", "100000"] {
        let mps = format!("--mps={bad}");
        let err = evo_fails(d, &["admin", "endpoint", "update", "--id", id, &mps]);
        assert!(err.contains("--mps"), "{err}");
    }
    let err = evo_fails(
        d,
        &["admin", "endpoint", "update", "--id", "nope", "--mps", "2"],
    );
    assert!(err.contains("does not exist"), "{err}");

    let out = evo(
        d,
        &[
            "admin",
            "account",
            "set-carrier",
            "--account",
            &account,
            "--twilio-account-sid",
            "AC0123",
            "--twilio-auth-token",
            "s3cret-token",
        ],
    );
    assert!(out.contains("AC0123"), "{out}");
    assert!(
        !out.contains("s3cret-token"),
        "the token is never printed: {out}"
    );
    let err = evo_fails(
        d,
        &[
            "admin",
            "account",
            "set-carrier",
            "--account",
            "nope",
            "--twilio-account-sid",
            "AC1",
            "--twilio-auth-token",
            "another-s3cret",
        ],
    );
    assert!(err.contains("does not exist"), "{err}");
    assert!(!err.contains("another-s3cret"), "{err}");
}

#[test]
fn serve_refuses_a_twilio_carrier_without_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(EVO)
        .arg("--data-dir")
        .arg(dir.path())
        .args(["serve", "--listen", "127.0.0.1:0", "--carrier", "twilio"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--twilio-account-sid"), "{err}");
    let out = Command::new(EVO)
        .arg("--data-dir")
        .arg(dir.path())
        .args(["serve", "--listen", "127.0.0.1:0", "--lease", "soon"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--lease"));
}
