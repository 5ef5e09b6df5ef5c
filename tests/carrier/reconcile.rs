//! `find_sent` after an ambiguous send.

use crate::helpers::*;
use evo::carrier::sim::Faults;
use evo::carrier::{Carrier, CarrierError};
use evo::domain::Timestamp;

#[tokio::test]
async fn finds_a_reset_message_by_to_from_and_body() {
    let sim = start_sim(Faults::default()).await;
    let carrier = carrier(&sim);
    let since = Timestamp::now();
    let lost = sms("the one that got reset");
    let mut other = lost.clone();
    other.body = "a different body".into();
    let other_sid = carrier.send(&other).await.unwrap().sid;
    sim.set_faults(Faults {
        p_reset: 1.0,
        ..Faults::default()
    });
    let err = carrier.send(&lost).await.unwrap_err();
    assert!(matches!(err, CarrierError::Ambiguous(_)), "{err:?}");
    sim.set_faults(Faults::default());
    let found = carrier.find_sent(&lost, since).await.unwrap();
    let stored: Vec<_> = sim
        .messages()
        .into_iter()
        .filter(|m| m.body == lost.body)
        .map(|m| m.sid)
        .collect();
    assert_eq!(found, stored);
    assert_eq!(found.len(), 1);
    assert_ne!(found[0], other_sid);
}

#[tokio::test]
async fn finds_nothing_for_a_dropped_message_or_a_later_attempt() {
    let sim = start_sim(Faults::default()).await;
    let carrier = carrier(&sim);
    let sent = sms("sent earlier");
    carrier.send(&sent).await.unwrap();
    let later = Timestamp::now().plus_millis(120_000);
    assert_eq!(
        carrier.find_sent(&sent, later).await.unwrap(),
        Vec::<String>::new()
    );
    let mut dropped = sent.clone();
    dropped.body = "never stored".into();
    assert!(
        carrier
            .find_sent(&dropped, Timestamp::now())
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn listing_failures_are_retried() {
    let sim = start_sim(Faults::default()).await;
    let carrier = carrier_with(&sim.base_url(), "wrong", TIMEOUT);
    let err = carrier
        .find_sent(&sms("x"), Timestamp::now())
        .await
        .unwrap_err();
    assert!(matches!(err, CarrierError::Retry { .. }), "{err:?}");
}
