//! The simulator's memory: every stored message in arrival order, found by sid or by (To, From).

use std::collections::HashMap;

/// Where a stored message is; it only moves forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimStatus {
    Queued,
    Sent,
    Delivered,
    Undelivered,
    Failed,
}

impl SimStatus {
    /// Twilio's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SimStatus::Queued => "queued",
            SimStatus::Sent => "sent",
            SimStatus::Delivered => "delivered",
            SimStatus::Undelivered => "undelivered",
            SimStatus::Failed => "failed",
        }
    }
}

/// One message the simulator accepted (or stored before failing to answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimMessage {
    /// `SM` + 32 lowercase hex digits.
    pub sid: String,
    pub account_sid: String,
    pub to: String,
    pub from: String,
    pub body: String,
    pub status: SimStatus,
    pub status_callback: Option<String>,
    pub validity_period: Option<u32>,
    pub num_segments: u32,
    /// Set for `undelivered` (30003) and `failed` (30005).
    pub error_code: Option<u32>,
    /// Unix milliseconds.
    pub created_ms: i64,
    pub updated_ms: i64,
    /// When it became `sent`.
    pub sent_ms: Option<i64>,
    /// Status callbacks answered 2xx, and those that never were (after retries).
    pub callbacks_sent: u32,
    pub callbacks_failed: u32,
}

impl SimMessage {
    /// What `DateSent` filters compare. A message not sent yet has no date_sent; it is
    /// filtered by its creation time so that reconciling right after a send finds it.
    pub(super) fn date_sent_for_filter(&self) -> i64 {
        self.sent_ms.unwrap_or(self.created_ms)
    }
}

#[derive(Debug, Default)]
pub(super) struct Store {
    messages: Vec<SimMessage>,
    by_sid: HashMap<String, usize>,
    by_pair: HashMap<String, Vec<usize>>,
}

/// One page of a newest-first listing.
pub(super) struct Page {
    pub items: Vec<SimMessage>,
    pub more: bool,
}

impl Store {
    /// Returns the message's position, which never changes.
    pub fn insert(&mut self, message: SimMessage) -> usize {
        let index = self.messages.len();
        self.by_sid.insert(message.sid.clone(), index);
        self.by_pair
            .entry(pair_key(&message.to, &message.from))
            .or_default()
            .push(index);
        self.messages.push(message);
        index
    }

    pub fn get(&self, sid: &str) -> Option<&SimMessage> {
        self.by_sid.get(sid).map(|&i| &self.messages[i])
    }

    pub fn position(&self, sid: &str) -> Option<usize> {
        self.by_sid.get(sid).copied()
    }

    pub fn at_mut(&mut self, index: usize) -> Option<&mut SimMessage> {
        self.messages.get_mut(index)
    }

    pub fn all(&self) -> Vec<SimMessage> {
        self.messages.clone()
    }

    /// Newest first: the `size` matching messages older than position `before` (if given),
    /// after skipping `skip` of them.
    pub fn page(
        &self,
        pair: Option<(&str, &str)>,
        keep: impl Fn(&SimMessage) -> bool,
        before: Option<usize>,
        skip: usize,
        size: usize,
    ) -> Page {
        let end = before
            .unwrap_or(self.messages.len())
            .min(self.messages.len());
        let mut found = self
            .candidates(pair, end)
            .filter(|&i| keep(&self.messages[i]));
        let items: Vec<SimMessage> = found
            .by_ref()
            .skip(skip)
            .take(size)
            .map(|i| self.messages[i].clone())
            .collect();
        let more = found.next().is_some();
        Page { items, more }
    }

    /// Positions below `end`, newest first, narrowed by (To, From) when both are known.
    fn candidates(
        &self,
        pair: Option<(&str, &str)>,
        end: usize,
    ) -> Box<dyn Iterator<Item = usize> + '_> {
        match pair {
            Some((to, from)) => {
                let list = self
                    .by_pair
                    .get(&pair_key(to, from))
                    .map_or(&[][..], Vec::as_slice);
                Box::new(list.iter().rev().copied().filter(move |&i| i < end))
            }
            None => Box::new((0..end).rev()),
        }
    }
}

/// Phone numbers never hold a newline, so the key is unambiguous.
fn pair_key(to: &str, from: &str) -> String {
    let mut key = String::with_capacity(to.len() + from.len() + 1);
    key.push_str(to);
    key.push('\n');
    key.push_str(from);
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(n: usize, to: &str) -> SimMessage {
        SimMessage {
            sid: format!("SM{n:032x}"),
            account_sid: "AC1".into(),
            to: to.into(),
            from: "+15550000000".into(),
            body: format!("m{n}"),
            status: SimStatus::Queued,
            status_callback: None,
            validity_period: None,
            num_segments: 1,
            error_code: None,
            created_ms: n as i64,
            updated_ms: n as i64,
            sent_ms: None,
            callbacks_sent: 0,
            callbacks_failed: 0,
        }
    }

    #[test]
    fn pages_newest_first_by_pair_or_all() {
        let mut store = Store::default();
        for n in 0..5 {
            store.insert(message(n, if n % 2 == 0 { "+1" } else { "+2" }));
        }
        let all = |_: &SimMessage| true;
        let page = store.page(None, all, None, 0, 2);
        assert_eq!(page.items[0].body, "m4");
        assert!(page.more);
        let last = store.position(&page.items[1].sid);
        let rest = store.page(None, all, last, 0, 10);
        assert_eq!(rest.items.len(), 3);
        assert!(!rest.more);
        let evens = store.page(Some(("+1", "+15550000000")), all, None, 1, 10);
        let bodies: Vec<_> = evens.items.iter().map(|m| m.body.as_str()).collect();
        assert_eq!(bodies, ["m2", "m0"]);
    }
}
