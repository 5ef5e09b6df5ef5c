//! Chat sessions: one open per conversation, ending, lists and transcripts.

use crate::refused;
use crate::support::*;
use evo::domain::{AccountScope, Media, Refusal};
use evo::store::{SessionQuery, TranscriptQuery};
use std::time::Duration;

fn sessions(scope: AccountScope) -> SessionQuery {
    SessionQuery {
        scope,
        account_ids: Vec::new(),
        customer_ids: Vec::new(),
        endpoint_ids: Vec::new(),
        specific_ids: Vec::new(),
        from_contains: None,
        to_contains: None,
        start: None,
        end: None,
        open_only: false,
        offset: 0,
        limit: 100,
        descending: false,
        with_total: true,
    }
}

pub async fn a_session_ends_once_and_the_next_message_opens_another(db: Db) {
    let s = db.store.as_ref();
    let t = tenant(s, "Acme").await;
    let first = send(&db, &t, "+15556667777", "hello").await;
    let session = s.session(&t.scope(), &first.session_id).await.unwrap();
    assert_eq!(session.ended, None);
    assert_eq!(session.endpoint_number, t.number);
    assert_eq!(session.other_address, "+15556667777");
    assert_eq!(
        session
            .breadcrumb
            .iter()
            .map(|(id, _)| id)
            .collect::<Vec<_>>(),
        vec![&t.customer]
    );
    db.advance(Duration::from_secs(5));
    let ended = s.end_session(&t.scope(), &first.session_id).await.unwrap();
    let at = ended.ended.expect("ended");
    db.advance(Duration::from_secs(5));
    let again = s.end_session(&t.scope(), &first.session_id).await.unwrap();
    assert_eq!(again.ended, Some(at), "the first end date stays");
    refused!(
        s.send_message(&t.scope(), into_session(&db, &first.session_id, "late"))
            .await,
        Refusal::SessionEnded(_)
    );
    let next = send(&db, &t, "+15556667777", "new day").await;
    assert_eq!(next.conversation_id, first.conversation_id);
    assert_ne!(next.session_id, first.session_id);
    let reply = s
        .receive_message(inbound(&db, &t, "+15556667777", "hi back", "SMx"))
        .await
        .unwrap();
    let evo::domain::Received::Stored { message, .. } = reply else {
        panic!("stored")
    };
    assert_eq!(
        message.session_id, next.session_id,
        "inbound joins the open one"
    );
}

pub async fn sessions_list_by_filter_and_transcripts_read_in_order(db: Db) {
    let s = db.store.as_ref();
    let t = tenant(s, "Acme").await;
    let a = send(&db, &t, "+15556667777", "to a").await;
    db.advance(Duration::from_secs(1));
    let b = send(&db, &t, "+15558889999", "to b").await;
    db.advance(Duration::from_secs(1));
    s.end_session(&t.scope(), &b.session_id).await.unwrap();
    let all = s.list_sessions(&sessions(t.scope())).await.unwrap();
    assert_eq!(all.total, Some(2));
    assert_eq!(all.items[0].id, a.session_id, "oldest first");
    let mut open = sessions(t.scope());
    open.open_only = true;
    let page = s.list_sessions(&open).await.unwrap();
    assert_eq!(
        page.items.iter().map(|x| &x.id).collect::<Vec<_>>(),
        vec![&a.session_id]
    );
    let mut from = sessions(t.scope());
    from.from_contains = Some("8889".into());
    let page = s.list_sessions(&from).await.unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].id, b.session_id);
    let mut paged = sessions(t.scope());
    paged.descending = true;
    paged.limit = 1;
    let page = s.list_sessions(&paged).await.unwrap();
    assert_eq!(page.items[0].id, b.session_id);
    assert_eq!(page.total, Some(2));
    let other = tenant(s, "Other").await;
    assert_eq!(
        s.list_sessions(&sessions(other.scope()))
            .await
            .unwrap()
            .total,
        Some(0)
    );

    // A transcript: oldest first, each line by its author, media attached, read when asked.
    let mut with_media = inbound(&db, &t, "+15556667777", "a picture", "SMpic");
    with_media.media = vec![Media {
        url: "https://media.example/1".into(),
        content_type: "image/png".into(),
    }];
    db.advance(Duration::from_secs(1));
    s.receive_message(with_media).await.unwrap();
    let query = |mark_read| TranscriptQuery {
        scope: t.scope(),
        session: a.session_id.clone(),
        include_historical: false,
        historical_cutoff: None,
        mark_read,
    };
    let lines = s.transcript(query(false)).await.unwrap();
    let texts: Vec<(&str, &str)> = lines
        .iter()
        .map(|l| (l.from.as_str(), l.body.as_str()))
        .collect();
    assert_eq!(
        texts,
        [("Test User", "to a"), ("+15556667777", "a picture")]
    );
    assert_eq!(lines[1].media.len(), 1);
    assert_eq!(unread(s, &t).await, 1);
    s.transcript(query(true)).await.unwrap();
    assert_eq!(
        unread(s, &t).await,
        0,
        "reading the transcript marked it read"
    );
}

async fn unread(s: &dyn evo::store::Store, t: &Tenant) -> usize {
    let q = crate::messaging::all_messages(t.scope());
    let page = s.list_messages(&q).await.unwrap();
    page.items.iter().filter(|m| m.is_unread).count()
}
