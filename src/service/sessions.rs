//! ListSessions, GetSession, GetMySessions / GetActiveSessions, EndSession, GetChatTranscript.

use super::listing::{self, check_filter_sizes, date_field, ids};
use super::messages::MAX_CONVERSATIONS;
use super::paging;
use crate::domain::{
    CustomerId, EndpointId, Principal, Role, Session, SessionId, Timestamp, TranscriptLine,
};
use crate::error::{Error, FieldError, Result};
use crate::store::{SessionQuery, Store, TranscriptQuery};
use crate::wire::Problems;
use crate::wire::dto::{GetChatTranscript, ListSessions, SessionRef, SortOrder};

/// GetChatTranscript's history reaches back at most this far (contract a.1: 6 months).
const HISTORY_MS: i64 = 183 * 24 * 60 * 60 * 1000;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

pub struct SessionList {
    pub items: Vec<Session>,
    pub total: u64,
    pub total_pages: i64,
    pub has_more_pages: bool,
}

pub async fn list(store: &dyn Store, caller: &Principal, req: ListSessions) -> Result<SessionList> {
    let mut problems = Problems::default();
    let plan = paging::plan(&req.list, &mut problems);
    // Sessions sort by creation; their ids (UUIDv7) follow the same order, so either will do.
    listing::sort_field(req.list.sort_field.as_deref(), &mut problems);
    let start = date_field(req.start_date.as_deref(), "StartDate", &mut problems);
    // EndDate names the last day (or instant) included.
    let end = date_field(req.end_date.as_deref(), "EndDate", &mut problems).map(|t| {
        let whole_day = req
            .end_date
            .as_deref()
            .is_some_and(|d| d.trim().len() == 10);
        t.plus_millis(if whole_day { DAY_MS } else { 1 })
    });
    check_filter_sizes(
        &[
            ("AccountIds", &req.account_ids),
            ("CustomerIds", &req.customer_ids),
            ("EndpointIds", &req.endpoint_ids),
            ("SpecificIds", &req.list.specific_ids),
        ],
        &mut problems,
    );
    problems.finish()?;
    // Chat sessions have neither a voice log nor child sessions.
    let nothing_can_match = req.log.as_deref().is_some_and(|l| !l.trim().is_empty())
        || req
            .parent_session_id
            .as_deref()
            .is_some_and(|p| !p.trim().is_empty());
    let query = SessionQuery {
        scope: listing::scope(caller, req.account_ids),
        account_ids: Vec::new(),
        customer_ids: ids(req.customer_ids, CustomerId::from_string),
        endpoint_ids: ids(req.endpoint_ids, EndpointId::from_string),
        specific_ids: ids(req.list.specific_ids, SessionId::from_string),
        from_contains: req.from.filter(|f| !f.is_empty()),
        to_contains: req.to.filter(|t| !t.is_empty()),
        start,
        end,
        open_only: false,
        offset: plan.offset,
        limit: if nothing_can_match { 0 } else { plan.fetch },
        descending: req.list.sort_order != Some(SortOrder::Ascend),
        with_total: plan.with_total && !nothing_can_match,
    };
    let mut page = store.list_sessions(&query).await?;
    let (total_pages, has_more_pages) = plan.finish(&mut page.items, page.total);
    Ok(SessionList {
        items: page.items,
        total: page.total.unwrap_or(0),
        total_pages,
        has_more_pages,
    })
}

fn session_id(raw: Option<String>) -> Result<SessionId> {
    raw.filter(|s| !s.trim().is_empty())
        .map(SessionId::from_string)
        .ok_or_else(|| Error::Validation(vec![FieldError::not_empty("SessionId")]))
}

pub async fn get(store: &dyn Store, caller: &Principal, req: SessionRef) -> Result<Session> {
    Ok(store
        .session(&caller.scope(), &session_id(req.session_id)?)
        .await?)
}

pub async fn end(store: &dyn Store, caller: &Principal, req: SessionRef) -> Result<Session> {
    Ok(store
        .end_session(&caller.scope(), &session_id(req.session_id)?)
        .await?)
}

/// The open Chat sessions of the endpoints in the caller's accounts, most recent first.
pub async fn open(store: &dyn Store, caller: &Principal) -> Result<Vec<Session>> {
    let query = SessionQuery {
        scope: caller.scope(),
        account_ids: Vec::new(),
        customer_ids: Vec::new(),
        endpoint_ids: Vec::new(),
        specific_ids: Vec::new(),
        from_contains: None,
        to_contains: None,
        start: None,
        end: None,
        open_only: true,
        offset: 0,
        limit: MAX_CONVERSATIONS,
        descending: true,
        with_total: false,
    };
    Ok(store.list_sessions(&query).await?.items)
}

pub async fn transcript(
    store: &dyn Store,
    caller: &Principal,
    req: GetChatTranscript,
    now: Timestamp,
) -> Result<Vec<TranscriptLine>> {
    let mut problems = Problems::default();
    let cutoff = date_field(
        req.historical_cut_off_date.as_deref(),
        "HistoricalCutOffDate",
        &mut problems,
    );
    problems.finish()?;
    let earliest = now.plus_millis(-HISTORY_MS);
    let query = TranscriptQuery {
        scope: caller.scope(),
        session: session_id(req.session_id)?,
        include_historical: req.include_historical,
        historical_cutoff: Some(cutoff.map_or(earliest, |c| c.max(earliest))),
        mark_read: caller.has_role(Role::User),
    };
    Ok(store.transcript(query).await?)
}
