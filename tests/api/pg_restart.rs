//! The database restarted under load (#11): while PostgreSQL is away every answer is a 200 or a
//! 503 within 10 s (never a 500, never a hang), evo serves again within seconds of its return
//! without a restart, and no acknowledged message is lost. The test starts a PostgreSQL server of
//! its own (`initdb`, `pg_ctl`) on a free port, so the shared one is never restarted.

use crate::helpers::*;
use evo::domain::{AccountScope, MessageId};
use evo::store::{PostgresStore, Store};
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A PostgreSQL server in a temporary directory, stopped when dropped.
struct PrivateServer {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
    _dir: tempfile::TempDir,
}

fn required() -> bool {
    std::env::var("EVO_TEST_REQUIRE_PG").is_ok_and(|v| v == "1")
}

/// Where `pg_ctl` and `initdb` are: `pg_config --bindir`, else Debian's versioned directories.
fn bin_dir() -> Option<PathBuf> {
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
        && out.status.success()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if dir.join("pg_ctl").exists() {
            return Some(dir);
        }
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|b| b.join("pg_ctl").exists())
        .collect();
    found.sort();
    found.pop()
}

impl PrivateServer {
    fn start() -> Option<PrivateServer> {
        let Some(bin) = bin_dir() else {
            assert!(!required(), "EVO_TEST_REQUIRE_PG=1 but no pg_ctl was found");
            eprintln!("database-restart test skipped: no PostgreSQL server binaries (pg_ctl)");
            return None;
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("data");
        // PostgreSQL refuses to run as root: as root, the server runs as the postgres user.
        Command::new("chmod")
            .args(["777", &dir.path().to_string_lossy()])
            .status()
            .expect("chmod");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let server = PrivateServer {
            bin,
            data,
            port,
            _dir: dir,
        };
        let initdb = server.run(
            "initdb",
            &[
                "-D",
                &server.data_str(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
            ],
        );
        assert!(initdb, "initdb failed");
        server.up();
        Some(server)
    }

    fn data_str(&self) -> String {
        self.data.to_string_lossy().into_owned()
    }

    fn run(&self, tool: &str, args: &[&str]) -> bool {
        let path = self.bin.join(tool);
        let mut command = if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        };
        command
            .args(args)
            .stdout(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    fn up(&self) {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {}",
            self.port,
            self.data_str()
        );
        let log = self.data.join("server.log");
        let ok = self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data_str(),
                "-o",
                &options,
                "-l",
                &log.to_string_lossy(),
                "-w",
                "start",
            ],
        );
        assert!(ok, "pg_ctl start failed");
    }

    fn down(&self) {
        assert!(
            self.run(
                "pg_ctl",
                &["-D", &self.data_str(), "-m", "fast", "-w", "stop"]
            ),
            "pg_ctl stop failed"
        );
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

impl Drop for PrivateServer {
    fn drop(&mut self) {
        let _ = self.run(
            "pg_ctl",
            &["-D", &self.data_str(), "-m", "immediate", "stop"],
        );
    }
}

#[derive(Default)]
struct Observed {
    acked: Vec<String>,
    statuses: Vec<u16>,
    slowest: Duration,
}

async fn load(app: Arc<TestApp>, t: Tenant, stop: Arc<AtomicBool>, seen: Arc<Mutex<Observed>>) {
    let mut i = 0u32;
    while !stop.load(Ordering::Relaxed) {
        i += 1;
        let started = Instant::now();
        let res = app
            .post_json(
                "/messages",
                &key(&t),
                &serde_json::json!({"endpointId": t.endpoint, "toAddress": format!("+1555{:07}", i % 1000), "body": format!("r{i}")}),
            )
            .await;
        let status = res.status().as_u16();
        let body: serde_json::Value = res.json().await.unwrap_or_default();
        {
            let mut seen = seen.lock().unwrap();
            seen.statuses.push(status);
            seen.slowest = seen.slowest.max(started.elapsed());
            if status == 200 {
                seen.acked
                    .push(body["id"].as_str().unwrap_or_default().to_owned());
            }
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_restart_under_load_loses_nothing_and_serves_again_on_its_own() {
    let Some(server) = PrivateServer::start() else {
        return;
    };
    let store: Arc<dyn Store> = Arc::new(
        PostgresStore::connect(&server.url(), evo::clock::system())
            .await
            .expect("connect"),
    );
    let app = Arc::new(spawn_app_on(store).await);
    let t = app.tenant("Acme").await;
    let (stop, seen) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(Mutex::new(Observed::default())),
    );
    let loaders: Vec<_> = (0..4)
        .map(|_| tokio::spawn(load(app.clone(), t.clone(), stop.clone(), seen.clone())))
        .collect();
    tokio::time::sleep(Duration::from_millis(800)).await;

    server.down();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let ready = app.get("/ready", &Auth::None).await.status();
    assert_eq!(ready, 503, "/ready while the database is away");
    let during = seen.lock().unwrap().statuses.len();
    server.up();

    // Serving again within seconds, without a restart.
    let back = Instant::now();
    loop {
        let ok_after = seen.lock().unwrap().statuses[during..].contains(&200);
        if ok_after {
            break;
        }
        assert!(
            back.elapsed() < Duration::from_secs(15),
            "evo did not serve again"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let recovered_in = back.elapsed();
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    for l in loaders {
        l.await.unwrap();
    }
    let seen = std::mem::take(&mut *seen.lock().unwrap());
    let others: Vec<&u16> = seen
        .statuses
        .iter()
        .filter(|s| **s != 200 && **s != 503)
        .collect();
    assert!(
        others.is_empty(),
        "only 200 or 503 while the database restarts: {others:?}"
    );
    assert!(seen.statuses.contains(&503), "the outage was never seen");
    assert!(
        seen.slowest < Duration::from_secs(10),
        "an answer took {:?}",
        seen.slowest
    );
    assert_eq!(app.get("/ready", &Auth::None).await.status(), 200);
    for id in &seen.acked {
        let found = app
            .store
            .message(&AccountScope::All, &MessageId::from_string(id))
            .await;
        assert!(
            found.is_ok(),
            "acknowledged message {id} is missing: {found:?}"
        );
    }
    eprintln!(
        "database restart: {} answers ({} acknowledged, {} 503), serving again {:?} after the \
         server came back, slowest answer {:?}",
        seen.statuses.len(),
        seen.acked.len(),
        seen.statuses.iter().filter(|s| **s == 503).count(),
        recovered_in,
        seen.slowest
    );
}
