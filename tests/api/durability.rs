//! The real binary: a send that returned 200 survives SIGKILL; SIGTERM shuts down gracefully.

use crate::helpers::store_args;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

pub const EVO: &str = env!("CARGO_BIN_EXE_evo");

/// Runs `evo --data-dir DIR ARGS…` and returns stdout, panicking on failure.
pub fn evo(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(EVO)
        .args(store_args(dir))
        .args(args)
        .output()
        .expect("run evo");
    assert!(
        out.status.success(),
        "evo {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim()
        .to_owned()
}

/// Starts `evo serve` on a free port; returns the child and its base URL.
pub fn start_server(dir: &Path) -> (Child, String) {
    start_server_with(dir, &[])
}

/// `start_server` with extra `serve` options.
pub fn start_server_with(dir: &Path, extra: &[&str]) -> (Child, String) {
    let mut child = Command::new(EVO)
        .args(store_args(dir))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(extra)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn evo serve");
    let base = listening_on(&mut child);
    (child, base)
}

/// The base URL a just-started `evo serve` prints on its first line.
pub fn listening_on(child: &mut Child) -> String {
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("first line");
    line.trim()
        .strip_prefix("evo listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned()
}

pub struct CliTenant {
    pub key: String,
    pub endpoint: String,
}

pub fn cli_tenant(dir: &Path) -> CliTenant {
    let account = evo(dir, &["admin", "account", "create", "--name", "Acme"]);
    let user = evo(
        dir,
        &[
            "admin",
            "user",
            "create",
            "--account",
            &account,
            "--email",
            "ops@acme.test",
            "--password",
            "password-1",
            "--role",
            "User",
        ],
    );
    let endpoint = evo(
        dir,
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
    let key = evo(dir, &["admin", "apikey", "create", "--user", &user]);
    CliTenant { key, endpoint }
}

#[tokio::test]
async fn acknowledged_sends_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let t = cli_tenant(dir.path());
    let (mut child, base) = start_server(dir.path());
    let client = crate::helpers::http_client();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..200 {
        let (client, base, key, endpoint) = (
            client.clone(),
            base.clone(),
            t.key.clone(),
            t.endpoint.clone(),
        );
        tasks.spawn(async move {
            let res = client
                .post(format!("{base}/messages"))
                .bearer_auth(key)
                .json(&json!({"endpointId": endpoint, "toAddress": format!("+1555{:07}", i), "body": format!("n{i}")}))
                .send()
                .await
                .ok()?;
            if res.status() != 200 {
                return None;
            }
            let m: Value = res.json().await.ok()?;
            m["id"].as_str().map(str::to_owned)
        });
    }
    // Kill while some sends may still be in flight: only acknowledged ones must survive.
    let mut acknowledged = Vec::new();
    while let Some(done) = tasks.join_next().await {
        if let Some(id) = done.unwrap() {
            acknowledged.push(id);
        }
        if acknowledged.len() == 150 {
            child.kill().expect("SIGKILL");
        }
    }
    let _ = child.kill();
    child.wait().unwrap();
    assert!(
        acknowledged.len() >= 150,
        "only {} acknowledged",
        acknowledged.len()
    );

    let (mut child, base) = start_server(dir.path());
    let res = client
        .get(format!("{base}/messages?all=true"))
        .bearer_auth(&t.key)
        .send()
        .await
        .unwrap();
    let list: Value = res.json().await.unwrap();
    let stored: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    for id in &acknowledged {
        assert!(
            stored.contains(&id.as_str()),
            "acknowledged message {id} was lost"
        );
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

#[tokio::test]
async fn sigterm_shuts_down_gracefully_and_health_answers() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, base) = start_server(dir.path());
    let health = crate::helpers::http_client()
        .get(format!("{base}/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let ready = crate::helpers::http_client()
        .get(format!("{base}/ready"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "exit status {exit}");
}
