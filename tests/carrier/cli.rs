//! `evo carrier-sim` as a process.

use crate::helpers::*;
use reqwest::StatusCode;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

#[tokio::test]
async fn carrier_sim_prints_its_address_and_answers() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_evo"))
        .args([
            "carrier-sim",
            "--listen",
            "127.0.0.1:0",
            "--account-sid",
            SID,
        ])
        .args([
            "--auth-token",
            TOKEN,
            "--latency",
            "1ms",
            "--callback-delay",
            "10ms",
        ])
        .env("EVO_SIM_P_FAILED", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let first = tokio::time::timeout(Duration::from_secs(5), lines.next_line())
        .await
        .expect("a first line within 5 s")
        .unwrap()
        .unwrap();
    let base = first
        .strip_prefix("carrier-sim listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"));
    assert!(
        base.starts_with("http://127.0.0.1:") && !base.ends_with(":0"),
        "{base}"
    );
    let response = http()
        .post(format!("{base}/2010-04-01/Accounts/{SID}/Messages.json"))
        .basic_auth(SID, Some(TOKEN))
        .form(&[
            ("To", "+15550109999"),
            ("From", FROM),
            ("Body", "from the cli test"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    child.start_kill().unwrap();
    child.wait().await.unwrap();
}

#[tokio::test]
async fn carrier_sim_refuses_a_bad_probability() {
    let out = Command::new(env!("CARGO_BIN_EXE_evo"))
        .args([
            "carrier-sim",
            "--account-sid",
            SID,
            "--auth-token",
            TOKEN,
            "--p-500",
            "2",
        ])
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("probability"));
}
