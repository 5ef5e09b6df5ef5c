//! Each way the simulator answers a create, sorted by the Twilio carrier.

use crate::helpers::*;
use evo::carrier::sim::Faults;
use evo::carrier::{Carrier, CarrierError};
use std::time::Duration;
use tokio::net::TcpListener;

#[tokio::test]
async fn accepted_messages_are_stored_with_their_sid() {
    let sim = start_sim(Faults::default()).await;
    let sms = sms("hello");
    let accepted = carrier(&sim).send(&sms).await.unwrap();
    assert!(!accepted.delivered);
    assert!(
        accepted.sid.starts_with("SM") && accepted.sid.len() == 34,
        "{}",
        accepted.sid
    );
    let stored = sim.message(&accepted.sid).expect("the sim has it");
    assert_eq!(
        (stored.to.as_str(), stored.from.as_str()),
        (sms.to.as_str(), FROM)
    );
    assert_eq!(stored.body, "hello");
    assert_eq!(sim.stats().stored, 1);
}

#[tokio::test]
async fn the_message_s_own_credentials_win() {
    let sim = start_sim(Faults::default()).await;
    let carrier = carrier_with(&sim.base_url(), "wrong", TIMEOUT);
    let mut sms = sms("own account");
    sms.credentials = Some(credentials(TOKEN));
    let accepted = carrier.send(&sms).await.unwrap();
    assert!(sim.message(&accepted.sid).is_some());
}

#[tokio::test]
async fn a_wrong_token_is_refused_with_20003() {
    let sim = start_sim(Faults::default()).await;
    let carrier = carrier_with(&sim.base_url(), "wrong", TIMEOUT);
    let err = carrier.send(&sms("hi")).await.unwrap_err();
    assert_eq!(
        err,
        CarrierError::Refused {
            code: "20003".into(),
            message: "Authenticate".into()
        }
    );
    assert!(sim.messages().is_empty());
}

#[tokio::test]
async fn an_invalid_to_is_refused_with_21211() {
    let sim = start_sim(Faults::default()).await;
    let mut sms = sms("hi");
    sms.to = "5550100".into();
    let err = carrier(&sim).send(&sms).await.unwrap_err();
    assert!(
        matches!(&err, CarrierError::Refused { code, .. } if code == "21211"),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_429_is_retried_after_the_carrier_s_delay() {
    let sim = start_sim(Faults {
        p_429: 1.0,
        retry_after_secs: 7,
        ..Faults::default()
    })
    .await;
    let err = carrier(&sim).send(&sms("hi")).await.unwrap_err();
    let CarrierError::Retry { retry_after, .. } = err else {
        panic!("{err:?}")
    };
    assert_eq!(retry_after, Some(Duration::from_secs(7)));
    assert!(sim.messages().is_empty());
    assert_eq!(sim.stats().faults_429, 1);
}

#[tokio::test]
async fn a_500_is_retried() {
    let sim = start_sim(Faults {
        p_500: 1.0,
        ..Faults::default()
    })
    .await;
    let err = carrier(&sim).send(&sms("hi")).await.unwrap_err();
    assert!(
        matches!(&err, CarrierError::Retry { retry_after: None, message } if message.starts_with("HTTP 500")),
        "{err:?}"
    );
    assert!(sim.messages().is_empty());
}

#[tokio::test]
async fn a_timeout_is_ambiguous_and_the_carrier_has_the_message() {
    let sim = start_sim(Faults {
        p_timeout: 1.0,
        timeout: Duration::from_secs(2),
        ..Faults::default()
    })
    .await;
    let carrier = carrier_with(&sim.base_url(), TOKEN, Duration::from_millis(300));
    let err = carrier.send(&sms("slow")).await.unwrap_err();
    assert!(matches!(err, CarrierError::Ambiguous(_)), "{err:?}");
    assert_eq!(sim.messages().len(), 1);
}

#[tokio::test]
async fn a_reset_is_ambiguous_and_the_carrier_has_the_message() {
    let sim = start_sim(Faults {
        p_reset: 1.0,
        ..Faults::default()
    })
    .await;
    let err = carrier(&sim).send(&sms("reset")).await.unwrap_err();
    assert!(matches!(err, CarrierError::Ambiguous(_)), "{err:?}");
    assert_eq!(sim.messages().len(), 1);
    assert_eq!(sim.stats().faults_reset, 1);
}

#[tokio::test]
async fn a_drop_is_not_accepted_and_the_carrier_has_nothing() {
    let sim = start_sim(Faults {
        p_drop: 1.0,
        ..Faults::default()
    })
    .await;
    let err = carrier(&sim).send(&sms("dropped")).await.unwrap_err();
    assert!(
        matches!(err, CarrierError::Ambiguous(_) | CarrierError::Retry { .. }),
        "{err:?}"
    );
    assert!(sim.messages().is_empty());
    let stats = sim.stats();
    assert_eq!((stats.create_requests, stats.faults_drop), (1, 1));
}

#[tokio::test]
async fn a_refused_connection_is_retried() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let closed = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let err = carrier_with(&closed, TOKEN, TIMEOUT)
        .send(&sms("nobody home"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            CarrierError::Retry {
                retry_after: None,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn the_carrier_keeps_working_after_faults_stop() {
    let sim = start_sim(Faults {
        p_reset: 1.0,
        ..Faults::default()
    })
    .await;
    let carrier = carrier(&sim);
    assert!(carrier.send(&sms("one")).await.is_err());
    sim.set_faults(Faults::default());
    let accepted = carrier.send(&sms("two")).await.unwrap();
    assert!(sim.message(&accepted.sid).is_some());
}

#[tokio::test]
async fn a_simulator_that_was_shut_down_refuses_connections() {
    let sim = start_sim(Faults::default()).await;
    let carrier = carrier(&sim);
    sim.shutdown().await;
    let err = carrier.send(&sms("too late")).await.unwrap_err();
    assert!(matches!(err, CarrierError::Retry { .. }), "{err:?}");
}
