//! Chat sessions: breadcrumbs, ending, and transcripts (oldest first, authored, read-marked).

use super::super::StoreResult;
use super::super::backend::SessionTx;
use super::super::queries::{SessionPage, SessionQuery, TranscriptQuery};
use crate::domain::{
    AccountScope, CustomerId, MAX_BREADCRUMB_DEPTH, Missing, Refusal, Session, SessionId,
    Timestamp, TranscriptLine, transcript_author,
};

pub async fn list<T: SessionTx>(tx: &mut T, q: &SessionQuery) -> StoreResult<SessionPage> {
    let (mut items, total) = tx.list_sessions(q).await?;
    for session in &mut items {
        fill_breadcrumb(tx, session).await?;
    }
    Ok(SessionPage { items, total })
}

pub async fn get<T: SessionTx>(
    tx: &mut T,
    scope: &AccountScope,
    id: &SessionId,
) -> StoreResult<Session> {
    let mut session = tx
        .session(scope, id)
        .await?
        .ok_or_else(|| Refusal::NotFound(Missing::Session(id.clone())))?;
    fill_breadcrumb(tx, &mut session).await?;
    Ok(session)
}

/// Root-to-leaf customers above and including the session's (bounded: a cycle cannot hang us).
async fn fill_breadcrumb<T: SessionTx>(tx: &mut T, session: &mut Session) -> StoreResult<()> {
    let mut crumbs: Vec<(CustomerId, String)> = Vec::new();
    let mut next = session.customer_id.clone();
    while let Some(id) = next.take() {
        if crumbs.len() >= MAX_BREADCRUMB_DEPTH {
            break;
        }
        if let Some((name, parent)) = tx.customer_link(&id).await? {
            crumbs.push((id, name));
            next = parent;
        }
    }
    crumbs.reverse();
    session.breadcrumb = crumbs;
    Ok(())
}

/// Ends the session (again is harmless); later messages open a new one.
pub async fn end<T: SessionTx>(
    tx: &mut T,
    scope: AccountScope,
    id: SessionId,
    now: Timestamp,
) -> StoreResult<Session> {
    get(tx, &scope, &id).await?;
    tx.end_session(&id, now).await?;
    get(tx, &scope, &id).await
}

/// The session's messages oldest first; with history, the conversation's messages from the
/// cut-off until this session ended (or now). A User reading them marks them read.
pub async fn transcript<T: SessionTx>(
    tx: &mut T,
    q: TranscriptQuery,
    now: Timestamp,
) -> StoreResult<Vec<TranscriptLine>> {
    let session = get(tx, &q.scope, &q.session).await?;
    let window = q.include_historical.then(|| {
        let from = q.historical_cutoff.unwrap_or(Timestamp::from_millis(0));
        (from, session.ended.unwrap_or(now))
    });
    let rows = tx.transcript_rows(&q.session, window).await?;
    let mut lines = Vec::with_capacity(rows.len());
    for row in rows {
        let media = tx.media(&row.id).await?;
        if q.mark_read {
            tx.mark_read(&row.id).await?;
        }
        lines.push(TranscriptLine {
            date: row.at,
            from: transcript_author(row.direction, row.other_address, row.sender),
            body: row.body,
            media,
        });
    }
    Ok(lines)
}
