//! Finding a message Twilio may have after a send that got no answer: list messages with the
//! same To and From, newest first, down to the attempt's time, and keep those created since the
//! attempt with the same body. No `DateSent` filter: a message Twilio still holds queued has no
//! `date_sent` yet, and a filter on it would hide exactly the message being looked for.

use crate::carrier::{CarrierError, OutgoingSms};
use crate::domain::Timestamp;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc2822;

/// Pages of 1,000 followed before giving up.
pub(super) const MAX_PAGES: usize = 5;
const PAGE_SIZE: &str = "1000";
/// Our clock and Twilio's may disagree by this much.
const CLOCK_SKEW_MS: i64 = 60_000;

pub(super) struct Search<'a> {
    sms: &'a OutgoingSms,
    /// Unix ms: messages created before this are older than the attempt.
    earliest_ms: i64,
}

impl<'a> Search<'a> {
    pub fn new(sms: &'a OutgoingSms, since: Timestamp) -> Self {
        Self {
            sms,
            earliest_ms: since.millis().saturating_sub(CLOCK_SKEW_MS),
        }
    }

    /// The first page's query.
    pub fn query(&self) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query
            .append_pair("To", &self.sms.to)
            .append_pair("From", &self.sms.from)
            .append_pair("PageSize", PAGE_SIZE);
        query.finish()
    }

    /// Whether `page` (newest first) already lists a message created before the attempt.
    pub fn reaches_past_attempt(&self, page: &Value) -> bool {
        page.get("messages")
            .and_then(Value::as_array)
            .and_then(|m| m.last())
            .and_then(|m| m.get("date_created")?.as_str().and_then(rfc2822_millis))
            .is_some_and(|oldest| oldest < self.earliest_ms)
    }

    /// The sids on `page` of messages like ours created since the attempt.
    pub fn matches(&self, page: &Value) -> Vec<String> {
        let messages = page.get("messages").and_then(Value::as_array);
        messages
            .into_iter()
            .flatten()
            .filter(|m| self.is_ours(m))
            .filter_map(|m| m.get("sid")?.as_str().map(str::to_owned))
            .collect()
    }

    fn is_ours(&self, m: &Value) -> bool {
        let field = |name: &str| m.get(name).and_then(Value::as_str);
        field("to") == Some(self.sms.to.as_str())
            && field("from") == Some(self.sms.from.as_str())
            && field("body") == Some(self.sms.body.as_str())
            && field("date_created")
                .and_then(rfc2822_millis)
                .is_some_and(|created| created >= self.earliest_ms)
    }
}

/// The next page's URL. Twilio gives a path under the API's base; anything pointing elsewhere
/// is not followed (our credentials go with it).
pub(super) fn next_page(page: &Value, base_url: &str) -> Result<Option<String>, CarrierError> {
    let Some(next) = page.get("next_page_uri").and_then(Value::as_str) else {
        return Ok(None);
    };
    if next.starts_with('/') {
        Ok(Some(format!("{base_url}{next}")))
    } else if next.starts_with(base_url) {
        Ok(Some(next.to_owned()))
    } else {
        Err(retry(format!("next_page_uri outside the API: {next}")))
    }
}

/// Pages left unread could hold our message, so "none found" is only trusted when none are.
pub(super) fn finish(found: Vec<String>, pages_left: bool) -> Result<Vec<String>, CarrierError> {
    if found.is_empty() && pages_left {
        return Err(retry(format!(
            "more than {MAX_PAGES} pages of messages to search"
        )));
    }
    Ok(found)
}

pub(super) fn retry(message: String) -> CarrierError {
    CarrierError::Retry {
        message,
        retry_after: None,
    }
}

fn rfc2822_millis(s: &str) -> Option<i64> {
    let t = OffsetDateTime::parse(s, &Rfc2822).ok()?;
    Some(t.unix_timestamp().saturating_mul(1000))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::MessageId;
    use serde_json::json;

    fn sms() -> OutgoingSms {
        OutgoingSms {
            message_id: MessageId::generate(),
            from: "+15550001".into(),
            to: "+15550002".into(),
            body: "hello".into(),
            status_callback: None,
            validity_secs: None,
            credentials: None,
        }
    }

    #[test]
    fn keeps_same_body_created_since_the_attempt_less_skew() {
        let sms = sms();
        // 2015-07-30 20:12:31 UTC
        let search = Search::new(&sms, Timestamp::from_millis(1_438_287_151_000 + 30_000));
        let m = |sid: &str, body: &str, created: &str| json!({"sid": sid, "to": "+15550002", "from": "+15550001", "body": body, "date_created": created});
        let page = json!({"messages": [
            m("SM1", "hello", "Thu, 30 Jul 2015 20:12:31 +0000"),
            m("SM2", "hello!", "Thu, 30 Jul 2015 20:12:31 +0000"),
            m("SM3", "hello", "Thu, 30 Jul 2015 20:11:30 +0000"),
            m("SM4", "hello", "not a date"),
        ]});
        assert_eq!(search.matches(&page), ["SM1"]);
        assert_eq!(
            search.query(),
            "To=%2B15550002&From=%2B15550001&PageSize=1000"
        );
        // A page ending with a message older than the attempt (less the skew allowance) ends the
        // search; one ending with a newer message does not.
        let older = json!({"messages": [m("SM1", "hello", "Thu, 30 Jul 2015 20:12:31 +0000"), m("SM3", "hello", "Thu, 30 Jul 2015 20:11:30 +0000")]});
        let newer = json!({"messages": [m("SM1", "hello", "Thu, 30 Jul 2015 20:12:31 +0000")]});
        assert!(search.reaches_past_attempt(&older));
        assert!(!search.reaches_past_attempt(&newer));
    }

    #[test]
    fn follows_only_pages_under_the_base() {
        let base = "http://127.0.0.1:1";
        let next = |uri: &str| next_page(&json!({ "next_page_uri": uri }), base);
        assert_eq!(next("/a?b").unwrap(), Some(format!("{base}/a?b")));
        assert!(next("http://elsewhere/a").is_err());
        assert_eq!(
            next_page(&json!({"next_page_uri": null}), base).unwrap(),
            None
        );
        assert!(finish(vec![], true).is_err());
        assert_eq!(finish(vec!["SM1".into()], true).unwrap(), ["SM1"]);
    }
}
