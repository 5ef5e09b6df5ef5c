//! Read state (issue #6, contract Q12 — evo extensions): unread counts, unreadOnly, and PATCH
//! on conversations and messages, within the caller's accounts only.

use crate::delivery_sim::{SimRig, TOKEN, quick_config, rig};
use crate::helpers::*;
use evo::carrier::signature;
use evo::carrier::sim::Faults;
use serde_json::{Value, json};

async fn reply(r: &SimRig, from: &str, body: &str, sid: &str) {
    let url = format!("http://{}/webhooks/twilio/sms", r.app.addr);
    let params: Vec<(String, String)> = [
        ("AccountSid", crate::delivery_sim::SID),
        ("From", from),
        ("To", r.t.number.as_str()),
        ("Body", body),
        ("MessageSid", sid),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let res = http_client()
        .post(&url)
        .header("X-Twilio-Signature", signature::sign(TOKEN, &url, &params))
        .form(&params)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

async fn conversations(r: &SimRig, query: &str) -> Vec<Value> {
    let v: Value = r
        .app
        .get(&format!("/conversations{query}"), &key(&r.t))
        .await
        .json()
        .await
        .unwrap();
    v["conversations"].as_array().unwrap().clone()
}

async fn patch(r: &SimRig, t: &Tenant, path: &str, body: Value) -> reqwest::Response {
    r.app
        .request(reqwest::Method::PATCH, path, &key(t))
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn unread_counts_follow_replies_and_patches() {
    let r = rig(Faults::default(), quick_config()).await;
    r.app
        .send(&r.t, "+15551112222", "no reply to this one")
        .await;
    r.app.send(&r.t, "+15556667777", "Coming?").await;
    reply(&r, "+15556667777", "Yes", "SMr1").await;
    reply(&r, "+15556667777", "On my way", "SMr2").await;

    let all = conversations(&r, "").await;
    assert_eq!(all.len(), 2);
    assert_eq!(all[0]["otherAddress"], "+15556667777");
    assert_eq!(all[0]["unreadCount"], 2);
    assert_eq!(all[1]["unreadCount"], 0);
    let unread = conversations(&r, "?unreadOnly=true").await;
    assert_eq!(unread.len(), 1);
    let conversation = unread[0]["id"].as_str().unwrap().to_owned();

    // One message read.
    let latest = all[0]["mostRecentMessage"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = patch(
        &r,
        &r.t,
        &format!("/messages/{latest}"),
        json!({"isUnread": false}),
    )
    .await;
    assert_eq!(res.status(), 200);
    let m: Value = res.json().await.unwrap();
    assert_eq!(m["isUnread"], false);
    assert_eq!(m["id"], latest.as_str());
    assert_eq!(conversations(&r, "").await[0]["unreadCount"], 1);

    // The whole conversation read.
    let res = patch(
        &r,
        &r.t,
        &format!("/conversations/{conversation}"),
        json!({"isUnread": false}),
    )
    .await;
    assert_eq!(res.status(), 200);
    let c: Value = res.json().await.unwrap();
    assert_eq!(c["unreadCount"], 0);
    assert!(conversations(&r, "?unreadOnly=true").await.is_empty());

    // Marked unread again: its latest incoming message.
    let res = patch(
        &r,
        &r.t,
        &format!("/conversations/{conversation}"),
        json!({"isUnread": true}),
    )
    .await;
    let c: Value = res.json().await.unwrap();
    assert_eq!(c["unreadCount"], 1);
    assert_eq!(c["mostRecentMessage"]["isUnread"], true);

    // XML keeps DataContract's alphabetical order: UnreadCount comes last.
    let xml = r
        .app
        .get_xml("/conversations", &key(&r.t))
        .await
        .text()
        .await
        .unwrap();
    let other = xml.find("OtherAddress>").unwrap();
    let count = xml.find("UnreadCount>").unwrap();
    assert!(other < count, "{xml}");
}

#[tokio::test]
async fn read_state_is_scoped_and_validated() {
    let r = rig(Faults::default(), quick_config()).await;
    r.app.send(&r.t, "+15556667777", "Coming?").await;
    reply(&r, "+15556667777", "Yes", "SMr3").await;
    let conv = conversations(&r, "").await;
    let conversation = conv[0]["id"].as_str().unwrap().to_owned();
    let message = conv[0]["mostRecentMessage"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let other = r.app.tenant("Other").await;
    for path in [
        format!("/conversations/{conversation}"),
        format!("/messages/{message}"),
    ] {
        let res = patch(&r, &other, &path, json!({"isUnread": false})).await;
        assert_eq!(res.status(), 404, "{path}");
        let res = patch(&r, &r.t, &path, json!({})).await;
        assert_eq!(res.status(), 400, "{path}");
        let res = patch(&r, &r.t, &path, json!({"isUnread": "maybe"})).await;
        assert_eq!(res.status(), 400, "{path}");
    }
    assert_eq!(conversations(&r, "").await[0]["unreadCount"], 1);
    let res = r
        .app
        .get("/conversations?unreadOnly=perhaps", &key(&r.t))
        .await;
    assert_eq!(res.status(), 400);
}
