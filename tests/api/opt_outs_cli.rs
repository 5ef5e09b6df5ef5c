//! Endpoint settings and opt-outs from the admin CLI (issue #6): `evo admin optout
//! list|add|remove` and `evo admin endpoint update --help-text --disable-sms`, with their effect
//! on a running server.

use crate::cli::evo_fails;
use crate::delivery_sim::{SimRig, TOKEN, quick_config, rig};
use crate::durability::evo;
use crate::helpers::*;
use crate::inbound::{inbound_params, messages, post_inbound};
use evo::carrier::sim::Faults;
use serde_json::{Value, json};

const CUSTOMER: &str = "+15556667777";

async fn send_status(r: &SimRig) -> (u16, Value) {
    let body = json!({"endpointId": r.t.endpoint, "toAddress": CUSTOMER, "body": "promo"});
    let res = r.app.post_json("/messages", &key(&r.t), &body).await;
    (res.status().as_u16(), res.json().await.unwrap())
}

#[test]
fn the_cli_lists_adds_and_removes_opt_outs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let account = evo(d, &["admin", "account", "create", "--name", "Acme"]);
    let endpoint = evo(
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
    let optout = |verb: &str, extra: &[&str]| -> String {
        let mut args = vec!["admin", "optout", verb, "--endpoint", &endpoint];
        args.extend_from_slice(extra);
        evo(d, &args)
    };
    assert_eq!(optout("list", &[]), "");
    assert_eq!(optout("list", &["--json"]), "[]");
    assert_eq!(optout("add", &["--address", CUSTOMER]), CUSTOMER);
    let first: Value =
        serde_json::from_str(&optout("add", &["--address", CUSTOMER, "--json"])).unwrap();
    assert_eq!(first["address"], CUSTOMER);
    assert_eq!(
        optout("add", &["--address", "+15556667778"]),
        "+15556667778"
    );
    assert_eq!(optout("list", &[]), format!("{CUSTOMER}\n+15556667778"));
    let listed: Value = serde_json::from_str(&optout("list", &["--json"])).unwrap();
    // Adding again kept the first date.
    assert_eq!(listed[0], first);
    assert_eq!(listed.as_array().unwrap().len(), 2);
    let removed = optout("remove", &["--address", CUSTOMER]);
    assert!(removed.contains(CUSTOMER), "{removed}");
    assert_eq!(optout("list", &[]), "+15556667778");

    let remove = [
        "admin",
        "optout",
        "remove",
        "--endpoint",
        &endpoint,
        "--address",
        CUSTOMER,
    ];
    let err = evo_fails(d, &remove);
    assert!(err.contains("has not opted out"), "{err}");
    let err = evo_fails(
        d,
        &[
            "admin",
            "optout",
            "add",
            "--endpoint",
            &endpoint,
            "--address",
            "5556667777",
        ],
    );
    assert!(err.contains("--address"), "{err}");
    let err = evo_fails(d, &["admin", "optout", "list", "--endpoint", "nope"]);
    assert!(err.contains("not found"), "{err}");
}

#[test]
fn endpoint_update_sets_the_help_text_and_turns_sms_off_and_on() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let account = evo(d, &["admin", "account", "create", "--name", "Acme"]);
    let created: Value = serde_json::from_str(&evo(
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
            "--json",
        ],
    ))
    .unwrap();
    assert_eq!(created["helpText"], Value::Null);
    assert_eq!(created["disableSms"], false);
    let id = created["id"].as_str().unwrap();
    let update = |extra: &[&str]| -> Value {
        let mut args = vec!["admin", "endpoint", "update", "--id", id, "--json"];
        args.extend_from_slice(extra);
        serde_json::from_str(&evo(d, &args)).unwrap()
    };
    let off = update(&[
        "--help-text",
        " Acme: call 555-0100. ",
        "--disable-sms",
        "true",
    ]);
    assert_eq!(off["helpText"], "Acme: call 555-0100.");
    assert_eq!(off["disableSms"], true);
    assert_eq!(off["mps"], 1.0);
    // Each flag changes only its own setting.
    let on = update(&["--disable-sms", "false"]);
    assert_eq!(
        (on["helpText"].clone(), on["disableSms"].clone()),
        (json!("Acme: call 555-0100."), json!(false))
    );
    assert_eq!(update(&["--mps", "2"])["helpText"], "Acme: call 555-0100.");

    let too_long = "x".repeat(321);
    for bad in ["   ", "bell\u{7}", too_long.as_str()] {
        let err = evo_fails(
            d,
            &[
                "admin",
                "endpoint",
                "update",
                "--id",
                id,
                "--help-text",
                bad,
            ],
        );
        assert!(err.contains("--help-text"), "{err}");
    }
    assert_eq!(
        update(&["--help-text", &"x".repeat(320)])["helpText"],
        "x".repeat(320)
    );
    let out = std::process::Command::new(crate::durability::EVO)
        .arg("--data-dir")
        .arg(d)
        .args([
            "admin",
            "endpoint",
            "update",
            "--id",
            id,
            "--disable-sms",
            "maybe",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
}

/// `evo admin endpoint update` against the rig's data directory while its server runs.
fn update_endpoint(r: &SimRig, flags: &[&str]) {
    let mut args = vec!["admin", "endpoint", "update", "--id", &r.t.endpoint];
    args.extend_from_slice(flags);
    evo(r.app.dir.path(), &args);
}

#[tokio::test]
async fn disable_sms_refuses_sends_and_drops_inbound_with_a_200() {
    let r = rig(Faults::default(), quick_config()).await;
    update_endpoint(&r, &["--disable-sms", "true"]);
    let (status, refused) = send_status(&r).await;
    assert_eq!(
        (status, refused["responseStatus"]["errorCode"].clone()),
        (400, json!("SmsDisabled"))
    );
    let params = inbound_params(&r.t.number, CUSTOMER, "hello?", "SMdisabled01");
    let res = post_inbound(&r, &params, TOKEN).await;
    assert_eq!(res.status(), 200);
    assert!(messages(&r).await.is_empty());
    let metrics = r
        .app
        .get("/metrics", &Auth::None)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("evo_inbound_total{result=\"sms_disabled\"}"),
        "{metrics}"
    );

    update_endpoint(&r, &["--disable-sms", "false"]);
    assert_eq!(send_status(&r).await.0, 200);
}

#[tokio::test]
async fn help_is_answered_with_the_endpoints_own_help_text() {
    let r = rig(Faults::default(), quick_config()).await;
    let text = "Acme Dental: call 555-0100 for help. Reply STOP to opt out.";
    update_endpoint(&r, &["--help-text", text]);
    let help = inbound_params(&r.t.number, CUSTOMER, "Help", "SMhelp0001");
    assert_eq!(post_inbound(&r, &help, TOKEN).await.status(), 200);
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    let reply = loop {
        if let Some(m) = r.sim.messages().into_iter().find(|m| m.to == CUSTOMER) {
            break m;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no help reply reached the carrier"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(reply.body, text);
    assert_eq!(reply.from, r.t.number);
}
