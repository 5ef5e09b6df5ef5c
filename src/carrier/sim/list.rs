//! `GET /2010-04-01/Accounts/{AccountSid}/Messages.json`: filters, newest first, pages a client
//! follows through `next_page_uri`.

use super::json::{TwilioError, json_response, message_json};
use super::state::SimState;
use super::store::SimMessage;
use crate::domain::parse_after_date;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::Arc;

const DEFAULT_PAGE_SIZE: usize = 50;
const MAX_PAGE_SIZE: usize = 1000;
const DAY_MS: i64 = 86_400_000;

pub(super) async fn list(
    State(sim): State<Arc<SimState>>,
    Path(account): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if let Err(e) = sim.authorize(&headers, &account, uri.path()) {
        return e.into_response();
    }
    match ListQuery::parse(uri.query().unwrap_or("")) {
        Ok(query) => json_response(StatusCode::OK, &page_json(&sim, &query, &uri)),
        Err(e) => e.into_response(),
    }
}

/// Bounds in unix ms; `until` is exclusive.
#[derive(Debug, Default)]
struct ListQuery {
    to: Option<String>,
    from: Option<String>,
    since: Option<i64>,
    until: Option<i64>,
    page: usize,
    page_size: usize,
    token: Option<String>,
    /// The filter parameters as given, repeated in the page URIs.
    filters: Vec<(String, String)>,
}

impl ListQuery {
    fn parse(query: &str) -> Result<Self, TwilioError> {
        let mut q = ListQuery {
            page_size: DEFAULT_PAGE_SIZE,
            ..ListQuery::default()
        };
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            q.set(&name, &value)?;
        }
        Ok(q)
    }

    fn set(&mut self, name: &str, value: &str) -> Result<(), TwilioError> {
        match name {
            "To" => self.to = Some(value.to_owned()),
            "From" => self.from = Some(value.to_owned()),
            "DateSent" | "DateSent>" | "DateSent>=" | "DateSent<" | "DateSent<=" => {
                self.bound(name, value)?;
            }
            "PageSize" => self.page_size = number(value)?.clamp(1, MAX_PAGE_SIZE),
            "Page" => self.page = number(value)?,
            "PageToken" => self.token = Some(value.to_owned()),
            _ => return Ok(()),
        }
        if !name.starts_with("Page") {
            self.filters.push((name.to_owned(), value.to_owned()));
        }
        Ok(())
    }

    /// `DateSent>` and `DateSent<` include the instant or date they name (Twilio's on or after,
    /// on or before); a bare date covers its whole UTC day.
    fn bound(&mut self, name: &str, value: &str) -> Result<(), TwilioError> {
        let (start, end) = date_range(value).ok_or_else(|| {
            TwilioError::bad_request(20001, format!("Invalid {name} value: {value}"))
        })?;
        if !name.ends_with('<') && !name.ends_with("<=") {
            self.since = Some(self.since.map_or(start, |s| s.max(start)));
        }
        if !name.ends_with('>') && !name.ends_with(">=") {
            self.until = Some(self.until.map_or(end, |u| u.min(end)));
        }
        Ok(())
    }

    fn keeps(&self, m: &SimMessage) -> bool {
        let sent = m.date_sent_for_filter();
        self.to.as_ref().is_none_or(|to| *to == m.to)
            && self.from.as_ref().is_none_or(|from| *from == m.from)
            && self.since.is_none_or(|s| sent >= s)
            && self.until.is_none_or(|u| sent < u)
    }

    /// The query string of page `page`, continuing after `token` when given.
    fn page_query(&self, page: usize, token: Option<&str>) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.extend_pairs(&self.filters);
        query.append_pair("PageSize", &self.page_size.to_string());
        query.append_pair("Page", &page.to_string());
        if let Some(token) = token {
            query.append_pair("PageToken", token);
        }
        query.finish()
    }
}

fn number(value: &str) -> Result<usize, TwilioError> {
    value
        .parse()
        .map_err(|_| TwilioError::bad_request(20001, format!("Invalid number: {value}")))
}

/// The span a DateSent value names: a whole UTC day, or one second.
fn date_range(value: &str) -> Option<(i64, i64)> {
    let start = parse_after_date(value)?.millis();
    if value.contains('T') {
        let second = start.div_euclid(1000) * 1000;
        Some((second, second + 1000))
    } else {
        Some((start, start + DAY_MS))
    }
}

fn page_json(sim: &SimState, q: &ListQuery, uri: &Uri) -> Value {
    let (before, skip) = match q.token.as_deref().and_then(|t| t.strip_prefix("PA")) {
        Some(sid) => (sim.store().position(sid), 0),
        None => (None, q.page.saturating_mul(q.page_size)),
    };
    let pair = q.to.as_deref().zip(q.from.as_deref());
    let page = sim
        .store()
        .page(pair, |m| q.keeps(m), before, skip, q.page_size);
    let path = uri.path();
    let next = page.items.last().filter(|_| page.more).map(|last| {
        let token = format!("PA{}", last.sid);
        format!("{path}?{}", q.page_query(q.page + 1, Some(&token)))
    });
    let start = q.page.saturating_mul(q.page_size);
    let end = start + page.items.len().saturating_sub(1);
    let messages: Vec<Value> = page.items.iter().map(message_json).collect();
    json!({
        "end": end,
        "first_page_uri": format!("{path}?{}", q.page_query(0, None)),
        "messages": messages,
        "next_page_uri": next,
        "page": q.page,
        "page_size": q.page_size,
        "previous_page_uri": null,
        "start": start,
        "uri": uri.path_and_query().map_or(path, |pq| pq.as_str()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_keys_are_inclusive_bounds() {
        let q = ListQuery::parse("DateSent%3E=2026-12-01&DateSent%3C=2026-12-02").unwrap();
        assert_eq!(q.since, parse_after_date("2026-12-01").map(|t| t.millis()));
        assert_eq!(q.until, parse_after_date("2026-12-03").map(|t| t.millis()));
        let q = ListQuery::parse("DateSent>=2026-12-01T10:00:00Z&PageSize=5000").unwrap();
        assert_eq!(
            q.since,
            parse_after_date("2026-12-01T10:00:00Z").map(|t| t.millis())
        );
        assert_eq!(q.until, None);
        assert_eq!(q.page_size, MAX_PAGE_SIZE);
        assert!(ListQuery::parse("DateSent=yesterday").is_err());
        assert_eq!(
            ListQuery::parse("To=%2B1&Page=2")
                .unwrap()
                .page_query(3, Some("PASM1")),
            "To=%2B1&PageSize=50&Page=3&PageToken=PASM1"
        );
    }
}
