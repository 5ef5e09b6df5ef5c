//! Incoming SMS through `POST /webhooks/twilio/sms` (issue #6): signed as Twilio signs, stored
//! once per MessageSid before the 200, threaded with what was sent, unread.

use crate::delivery_sim::{SID, SimRig, TOKEN, quick_config, rig};
use crate::helpers::*;
use evo::carrier::signature;
use evo::carrier::sim::Faults;
use serde_json::Value;

/// Twilio's inbound parameters for one message.
pub fn inbound_params(to: &str, from: &str, body: &str, sid: &str) -> Vec<(String, String)> {
    [
        ("AccountSid", SID),
        ("ApiVersion", "2010-04-01"),
        ("Body", body),
        ("From", from),
        ("FromCountry", "US"),
        ("MessageSid", sid),
        ("NumMedia", "0"),
        ("NumSegments", "1"),
        ("SmsMessageSid", sid),
        ("SmsSid", sid),
        ("SmsStatus", "received"),
        ("To", to),
        ("ToCountry", "US"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

pub async fn post_inbound(
    r: &SimRig,
    params: &[(String, String)],
    token: &str,
) -> reqwest::Response {
    let url = format!("http://{}/webhooks/twilio/sms", r.app.addr);
    http_client()
        .post(&url)
        .header("X-Twilio-Signature", signature::sign(token, &url, params))
        .form(params)
        .send()
        .await
        .unwrap()
}

pub async fn messages(r: &SimRig) -> Vec<Value> {
    let list: Value = r
        .app
        .get("/messages?sortOrder=Ascend", &key(&r.t))
        .await
        .json()
        .await
        .unwrap();
    list["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_reply_is_stored_unread_in_the_conversation_it_answers() {
    let r = rig(Faults::default(), quick_config()).await;
    let sent = r.app.send(&r.t, "+15556667777", "Are you coming?").await;
    let params = inbound_params(&r.t.number, "+15556667777", "Yes!", "SMreply0001");
    let res = post_inbound(&r, &params, TOKEN).await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/xml")
    );
    assert!(res.text().await.unwrap().contains("<Response></Response>"));
    // Stored before the 200: listed at once.
    let all = messages(&r).await;
    assert_eq!(all.len(), 2);
    let reply = &all[1];
    assert_eq!(reply["direction"], "Incoming");
    assert_eq!(reply["isUnread"], true);
    assert_eq!(reply["text"], "Yes!");
    assert_eq!(reply["sender"], "+15556667777");
    assert_eq!(reply["otherAddress"], "+15556667777");
    assert_eq!(reply["endpointId"], r.t.endpoint.as_str());
    assert_eq!(
        r.app.session_of(reply["id"].as_str().unwrap()).await,
        r.app.session_of(sent["id"].as_str().unwrap()).await
    );
    let conversations: Value = r
        .app
        .get("/conversations", &key(&r.t))
        .await
        .json()
        .await
        .unwrap();
    let list = conversations["conversations"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["mostRecentMessage"]["text"], "Yes!");
}

#[tokio::test]
async fn a_message_sid_is_stored_once_even_when_deliveries_race() {
    let r = rig(Faults::default(), quick_config()).await;
    let params = inbound_params(&r.t.number, "+15556667777", "once", "SMdup0001");
    let mut racing = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (url, params) = (
            format!("http://{}/webhooks/twilio/sms", r.app.addr),
            params.clone(),
        );
        racing.spawn(async move {
            http_client()
                .post(&url)
                .header("X-Twilio-Signature", signature::sign(TOKEN, &url, &params))
                .form(&params)
                .send()
                .await
                .unwrap()
                .status()
        });
    }
    while let Some(status) = racing.join_next().await {
        assert_eq!(status.unwrap(), 200);
    }
    // And a later retry of the same webhook.
    assert_eq!(post_inbound(&r, &params, TOKEN).await.status(), 200);
    assert_eq!(messages(&r).await.len(), 1);
}

#[tokio::test]
async fn an_unknown_number_is_answered_200_counted_and_not_stored() {
    let r = rig(Faults::default(), quick_config()).await;
    let params = inbound_params("+15550009999", "+15556667777", "anyone?", "SMunknown01");
    let res = post_inbound(&r, &params, TOKEN).await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("<Response></Response>"));
    assert!(messages(&r).await.is_empty());
    let metrics = r
        .app
        .get("/metrics", &Auth::None)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("evo_inbound_total{result=\"unknown_number\"}"),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_bad_signature_is_403_and_stores_nothing() {
    let r = rig(Faults::default(), quick_config()).await;
    let params = inbound_params(&r.t.number, "+15556667777", "forged", "SMforged01");
    let res = post_inbound(&r, &params, "not-the-token").await;
    assert_eq!(res.status(), 403);
    assert_eq!(response_status(res).await["errorCode"], "Forbidden");
    assert!(messages(&r).await.is_empty());
    // A signed request missing the fields every message has is a 400, not a 500.
    let mut broken = params.clone();
    broken.retain(|(k, _)| k != "From");
    let res = post_inbound(&r, &broken, TOKEN).await;
    assert_eq!(res.status(), 400);
    assert!(messages(&r).await.is_empty());
}

#[tokio::test]
async fn media_urls_and_types_are_kept_with_the_message() {
    let r = rig(Faults::default(), quick_config()).await;
    let mut params = inbound_params(&r.t.number, "+15556667777", "", "SMmedia0001");
    params.retain(|(k, _)| k != "NumMedia");
    for (k, v) in [
        ("NumMedia", "2"),
        ("MediaUrl0", "https://api.twilio.com/media/ME1"),
        ("MediaContentType0", "image/jpeg"),
        ("MediaUrl1", "https://api.twilio.com/media/ME2"),
        ("MediaContentType1", "video/mp4"),
    ] {
        params.push((k.to_owned(), v.to_owned()));
    }
    assert_eq!(post_inbound(&r, &params, TOKEN).await.status(), 200);
    let all = messages(&r).await;
    assert_eq!(all.len(), 1);
    let session = r.app.session_of(all[0]["id"].as_str().unwrap()).await;
    let lines = r
        .app
        .store
        .transcript(evo::store::TranscriptQuery {
            scope: evo::domain::AccountScope::All,
            session: evo::domain::SessionId::from_string(&session),
            include_historical: false,
            historical_cutoff: None,
            mark_read: false,
        })
        .await
        .unwrap();
    assert_eq!(lines.len(), 1);
    let media: Vec<(String, String)> = lines[0]
        .media
        .iter()
        .map(|m| (m.url.clone(), m.content_type.clone()))
        .collect();
    assert_eq!(
        media,
        vec![
            (
                "https://api.twilio.com/media/ME1".to_owned(),
                "image/jpeg".to_owned()
            ),
            (
                "https://api.twilio.com/media/ME2".to_owned(),
                "video/mp4".to_owned()
            ),
        ]
    );
}

#[tokio::test]
async fn stop_opts_out_start_opts_back_in_and_help_is_answered_through_the_outbox() {
    let r = rig(Faults::default(), quick_config()).await;
    let customer = "+15556667777";
    let stop = inbound_params(&r.t.number, customer, "  Stop ", "SMkw0001");
    assert_eq!(post_inbound(&r, &stop, TOKEN).await.status(), 200);
    let body =
        serde_json::json!({"endpointId": r.t.endpoint, "toAddress": customer, "body": "promo"});
    let refused = r.app.post_json("/messages", &key(&r.t), &body).await;
    assert_eq!(refused.status(), 400);
    assert_eq!(
        response_status(refused).await["errorCode"],
        "RecipientOptedOut"
    );
    // Only the STOP itself is stored; nothing was queued.
    assert_eq!(messages(&r).await.len(), 1);

    let start = inbound_params(&r.t.number, customer, "START", "SMkw0002");
    assert_eq!(post_inbound(&r, &start, TOKEN).await.status(), 200);
    assert_eq!(
        r.app
            .post_json("/messages", &key(&r.t), &body)
            .await
            .status(),
        200
    );

    let help = inbound_params(&r.t.number, customer, "help", "SMkw0003");
    assert_eq!(post_inbound(&r, &help, TOKEN).await.status(), 200);
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while !r
        .sim
        .messages()
        .iter()
        .any(|m| m.body.contains("reply STOP"))
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no help reply reached the carrier"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let reply = r
        .sim
        .messages()
        .into_iter()
        .find(|m| m.body.contains("reply STOP"))
        .unwrap();
    assert_eq!(reply.to, customer);
    assert_eq!(reply.from, r.t.number);
}

#[tokio::test]
async fn a_tenants_own_carrier_account_cannot_reach_another_tenants_numbers_or_messages() {
    let r = rig(Faults::default(), quick_config()).await;
    // Tenant B has its own Twilio account (and so its own token).
    let b = r.app.tenant("Beta").await;
    r.app
        .store
        .set_account_carrier(
            &evo::domain::AccountId::from_string(&b.account),
            "ACbeta",
            "beta-token",
        )
        .await
        .unwrap();
    // B's token signs an inbound message for A's number: not delivered into A's account.
    let mut forged = inbound_params(&r.t.number, "+15556667777", "hi from B", "SMcross01");
    forged.retain(|(k, _)| k != "AccountSid");
    forged.push(("AccountSid".to_owned(), "ACbeta".to_owned()));
    assert_eq!(post_inbound(&r, &forged, "beta-token").await.status(), 200);
    assert!(messages(&r).await.is_empty());
    // Nor can it fail A's message through a status callback naming it.
    let id = r.app.send(&r.t, "+15556667777", "mine").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let sent =
        crate::delivery::delivery_until(&r.app, &r.t, &id, |i| i["status"] == "Delivered").await;
    let url = format!("http://{}/webhooks/twilio/status?id={id}", r.app.addr);
    let params: Vec<(String, String)> = [
        ("AccountSid", "ACbeta"),
        ("MessageSid", sent["carrierSid"].as_str().unwrap()),
        ("MessageStatus", "failed"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let res = http_client()
        .post(&url)
        .header(
            "X-Twilio-Signature",
            signature::sign("beta-token", &url, &params),
        )
        .form(&params)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let after = crate::delivery::delivery_until(&r.app, &r.t, &id, |_| true).await;
    assert_eq!(after["status"], "Delivered");
}

#[tokio::test]
async fn the_simulator_originates_a_signed_reply_end_to_end() {
    let r = rig(Faults::default(), quick_config()).await;
    r.app.send(&r.t, "+15556667777", "Table for two?").await;
    let result = r
        .sim
        .send_inbound(
            &format!("http://{}/webhooks/twilio/sms", r.app.addr),
            evo::carrier::sim::Inbound {
                to: r.t.number.clone(),
                from: "+15556667777".into(),
                body: "Yes please".into(),
                media: vec![("https://media.example/ME9".into(), "image/gif".into())],
                message_sid: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(result.status, 200, "{}", result.body);
    let all = messages(&r).await;
    assert_eq!(all.len(), 2);
    assert_eq!(all[1]["text"], "Yes please");
    assert_eq!(all[1]["isUnread"], true);
    // The carrier sid is kept with the one incoming message.
    let held = r
        .app
        .store
        .sids_in_use(vec![result.message_sid.clone()])
        .await
        .unwrap();
    assert_eq!(held, vec![result.message_sid]);
}
