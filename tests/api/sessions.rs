//! Chat sessions and transcripts (issue #6, contract a.2): the session lifecycle, transcripts
//! (read marking, history, media) and tenancy.

use crate::delivery_sim::{SimRig, TOKEN, quick_config, rig};
use crate::helpers::*;
use evo::carrier::signature;
use evo::carrier::sim::Faults;
use serde_json::{Value, json};

const CUSTOMER: &str = "+15556667777";

async fn reply(r: &SimRig, body: &str, sid: &str, media: Option<(&str, &str)>) {
    let url = format!("http://{}/webhooks/twilio/sms", r.app.addr);
    let mut params: Vec<(String, String)> = [
        ("AccountSid", crate::delivery_sim::SID),
        ("From", CUSTOMER),
        ("To", r.t.number.as_str()),
        ("Body", body),
        ("MessageSid", sid),
        ("NumMedia", if media.is_some() { "1" } else { "0" }),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    if let Some((u, t)) = media {
        params.push(("MediaUrl0".into(), u.into()));
        params.push(("MediaContentType0".into(), t.into()));
    }
    let res = http_client()
        .post(&url)
        .header("X-Twilio-Signature", signature::sign(TOKEN, &url, &params))
        .form(&params)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

async fn json(r: &SimRig, path: &str, t: &Tenant) -> (u16, Value) {
    let res = r.app.get(path, &key(t)).await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_chat_session_lives_from_first_message_to_end_and_a_new_one_follows() {
    let r = rig(Faults::default(), quick_config()).await;
    let sent = r.app.send(&r.t, CUSTOMER, "Are you coming?").await;
    reply(
        &r,
        "Yes!",
        "SMs1",
        Some(("https://media.example/ME1", "image/png")),
    )
    .await;

    let (status, list) = json(&r, "/sessions", &r.t).await;
    assert_eq!(status, 200);
    assert_eq!(list["totalCount"], 1);
    let s = &list["items"][0];
    let id = s["id"].as_str().unwrap().to_owned();
    assert_eq!(s["channel"], "Chat");
    assert_eq!(s["fromAddress"], CUSTOMER);
    assert_eq!(s["toAddress"], r.t.number.as_str());
    assert_eq!(s["endpointId"], r.t.endpoint.as_str());
    assert_eq!(s["accountId"], r.t.account.as_str());
    assert_eq!(s["accountName"], "Acme");
    assert_eq!(s["ended"], false);
    assert_eq!(s["callState"], "Disconnected");
    assert!(s.get("dateCompleted").is_none());
    assert_eq!(id, r.app.session_of(sent["id"].as_str().unwrap()).await);

    let (_, one) = json(&r, &format!("/sessions/{id}"), &r.t).await;
    assert_eq!(one["id"], id.as_str());
    for path in ["/sessions/my", "/sessions/active"] {
        let (status, open) = json(&r, path, &r.t).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(open["sessions"][0]["id"], id.as_str(), "{path}");
    }

    // The transcript, oldest first; reading it as a User marks the reply read.
    let (status, t) = json(&r, &format!("/sessions/{id}/transcript"), &r.t).await;
    assert_eq!(status, 200);
    let lines = t["messages"].as_array().unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["body"], "Are you coming?");
    assert_eq!(lines[1]["body"], "Yes!");
    assert_eq!(lines[1]["from"], CUSTOMER);
    assert_eq!(lines[1]["mediaUri"], "https://media.example/ME1");
    assert_eq!(lines[1]["mediaContentType"], "image/png");
    let (_, msgs) = json(&r, "/messages", &r.t).await;
    assert!(
        msgs["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["isUnread"] == false)
    );

    // End it: later messages open a new session; sending into the ended one is refused.
    let res = r
        .app
        .request(
            reqwest::Method::DELETE,
            &format!("/sessions/{id}"),
            &key(&r.t),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let (_, ended) = json(&r, &format!("/sessions/{id}"), &r.t).await;
    assert_eq!(ended["ended"], true);
    assert!(ended["dateCompleted"].as_str().is_some());
    let (_, open) = json(&r, "/sessions/active", &r.t).await;
    assert!(open["sessions"].as_array().unwrap().is_empty());
    let into_ended = r
        .app
        .post_json(
            &format!("/sessions/{id}/messages"),
            &key(&r.t),
            &json!({"body": "hello?"}),
        )
        .await;
    assert_eq!(into_ended.status(), 400);
    assert_eq!(
        response_status(into_ended).await["errorCode"],
        "SessionEnded"
    );

    reply(&r, "Me again", "SMs2", None).await;
    let (_, list) = json(&r, "/sessions", &r.t).await;
    assert_eq!(list["totalCount"], 2);
    let newest = list["items"][0]["id"].as_str().unwrap().to_owned();
    assert_ne!(newest, id);
    let (_, t) = json(&r, &format!("/sessions/{newest}/transcript"), &r.t).await;
    assert_eq!(t["messages"].as_array().unwrap().len(), 1);
    let (_, t) = json(
        &r,
        &format!("/sessions/{newest}/transcript?includeHistorical=true"),
        &r.t,
    )
    .await;
    let bodies: Vec<&str> = t["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["Are you coming?", "Yes!", "Me again"]);
    // Sending into the new session works.
    let into_new = r
        .app
        .post_json(
            &format!("/sessions/{newest}/messages"),
            &key(&r.t),
            &json!({"body": "ok"}),
        )
        .await;
    assert_eq!(into_new.status(), 200);
}

#[tokio::test]
async fn another_accounts_sessions_are_not_found_and_not_listed() {
    let r = rig(Faults::default(), quick_config()).await;
    r.app.send(&r.t, CUSTOMER, "hi").await;
    let other = r.app.tenant("Other").await;
    let (_, list) = json(&r, "/sessions", &r.t).await;
    let id = list["items"][0]["id"].as_str().unwrap().to_owned();
    for path in [
        format!("/sessions/{id}"),
        format!("/sessions/{id}/transcript"),
    ] {
        let (status, _) = json(&r, &path, &other).await;
        assert_eq!(status, 404, "{path}");
    }
    let res = r
        .app
        .request(
            reqwest::Method::DELETE,
            &format!("/sessions/{id}"),
            &key(&other),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let (_, theirs) = json(&r, "/sessions", &other).await;
    assert_eq!(theirs["totalCount"], 0);
    let (_, mine) = json(&r, "/sessions/my", &other).await;
    assert!(mine["sessions"].as_array().unwrap().is_empty());
    // Still open for its owner.
    let (_, s) = json(&r, &format!("/sessions/{id}"), &r.t).await;
    assert_eq!(s["ended"], false);
}

#[tokio::test]
async fn list_sessions_filters_and_formats() {
    let r = rig(Faults::default(), quick_config()).await;
    r.app.send(&r.t, CUSTOMER, "one").await;
    r.app.send(&r.t, "+15551230000", "two").await;
    let (_, by_from) = json(&r, "/sessions?from=777", &r.t).await;
    assert_eq!(by_from["totalCount"], 1);
    assert_eq!(by_from["items"][0]["fromAddress"], CUSTOMER);
    let (_, none) = json(&r, "/sessions?startDate=2999-01-01", &r.t).await;
    assert_eq!(none["totalCount"], 0);
    let (status, bad) = json(&r, "/sessions?endDate=yesterday", &r.t).await;
    assert_eq!(status, 400);
    assert_eq!(bad["responseStatus"]["errors"][0]["fieldName"], "EndDate");
    let xml = r
        .app
        .get_xml("/sessions", &key(&r.t))
        .await
        .text()
        .await
        .unwrap();
    assert!(xml.contains("<ListResponseOfSessionInfo"), "{xml}");
    assert!(xml.contains("Channel>Chat</"), "{xml}");
    let csv = r
        .app
        .get("/sessions.csv", &key(&r.t))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(csv.lines().count(), 3, "{csv}");
}
