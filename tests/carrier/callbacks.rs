//! Status callbacks: signed, in order, ending the way the faults say.

use crate::helpers::*;
use evo::carrier::Carrier;
use evo::carrier::signature;
use evo::carrier::sim::{Faults, SimStatus};
use std::time::Duration;

async fn wait_for_status(sim: &evo::carrier::sim::SimHandle, sid: &str, status: SimStatus) {
    for _ in 0..100 {
        if sim
            .message(sid)
            .is_some_and(|m| m.status == status && m.callbacks_sent == 2)
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{sid} never became {status:?}: {:?}", sim.message(sid));
}

#[tokio::test]
async fn sent_then_delivered_arrive_signed() {
    let sim = start_sim(Faults::default()).await;
    let mut receiver = callback_receiver().await;
    let mut sms = sms("callback me");
    sms.status_callback = Some(receiver.url.clone());
    let sid = carrier(&sim).send(&sms).await.unwrap().sid;
    for expected in ["sent", "delivered"] {
        let callback = receiver.next().await;
        assert!(
            signature::is_valid(TOKEN, &receiver.url, &callback.params, &callback.signature),
            "{callback:?}"
        );
        assert!(!signature::is_valid(
            "other",
            &receiver.url,
            &callback.params,
            &callback.signature
        ));
        assert_eq!(callback.param("MessageStatus"), Some(expected));
        assert_eq!(callback.param("SmsStatus"), Some(expected));
        assert_eq!(callback.param("MessageSid"), Some(sid.as_str()));
        assert_eq!(callback.param("SmsSid"), Some(sid.as_str()));
        assert_eq!(callback.param("AccountSid"), Some(SID));
        assert_eq!(callback.param("To"), Some(sms.to.as_str()));
        assert_eq!(callback.param("From"), Some(FROM));
        assert_eq!(callback.param("ApiVersion"), Some("2010-04-01"));
        assert_eq!(callback.param("ErrorCode"), None);
    }
    wait_for_status(&sim, &sid, SimStatus::Delivered).await;
    let m = sim.message(&sid).unwrap();
    assert!(m.sent_ms.is_some_and(|sent| sent >= m.created_ms));
    assert_eq!(sim.stats().callbacks_sent, 2);
}

#[tokio::test]
async fn undelivered_messages_say_why() {
    let sim = start_sim(Faults {
        p_undelivered: 1.0,
        ..Faults::default()
    })
    .await;
    let mut receiver = callback_receiver().await;
    let mut sms = sms("nobody there");
    sms.status_callback = Some(receiver.url.clone());
    let sid = carrier(&sim).send(&sms).await.unwrap().sid;
    assert_eq!(receiver.next().await.param("MessageStatus"), Some("sent"));
    let last = receiver.next().await;
    assert_eq!(last.param("MessageStatus"), Some("undelivered"));
    assert_eq!(last.param("ErrorCode"), Some("30003"));
    assert!(signature::is_valid(
        TOKEN,
        &receiver.url,
        &last.params,
        &last.signature
    ));
    wait_for_status(&sim, &sid, SimStatus::Undelivered).await;
    assert_eq!(sim.message(&sid).unwrap().error_code, Some(30003));
    assert_eq!(sim.stats().outcomes_undelivered, 1);
}

#[tokio::test]
async fn an_unreachable_receiver_is_counted_not_fatal() {
    let sim = start_sim(Faults::default()).await;
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut sms = sms("into the void");
    sms.status_callback = Some(format!("http://{}/cb", closed.local_addr().unwrap()));
    drop(closed);
    let sid = carrier(&sim).send(&sms).await.unwrap().sid;
    for _ in 0..150 {
        if sim.stats().callbacks_failed == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let m = sim.message(&sid).unwrap();
    assert_eq!((m.callbacks_sent, m.callbacks_failed), (0, 2));
    assert_eq!(m.status, SimStatus::Delivered);
}
