//! `ListRequest` paging, shared by every list operation: page size, `All`, simplified paging,
//! and the totals of the response.

use crate::error::FieldError;
use crate::wire::Problems;
use crate::wire::dto::ListRequest;

/// Page size when none (or a non-positive one) is asked for (contract Q21).
pub const DEFAULT_PAGE_SIZE: i64 = 25;
/// The largest page a list returns.
pub const MAX_PAGE_SIZE: i64 = 1000;
/// `All=true` returns at most this many items (with `HasMorePages` set when there are more), so
/// one request cannot pull a whole account into memory.
pub const MAX_ALL_ITEMS: i64 = 10_000;

/// Which rows a list request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    page: i64,
    per_page: i64,
    all: bool,
    simplified: bool,
    pub offset: u64,
    /// Rows to fetch: one more than the page, so "are there more?" needs no count.
    pub fetch: u64,
    /// Whether the store must count the total.
    pub with_total: bool,
}

pub fn plan(list: &ListRequest, problems: &mut Problems) -> Plan {
    let page = list.page.unwrap_or(0);
    if page < 0 {
        problems.push(FieldError::new(
            "GreaterThanOrEqual",
            "Page",
            "'Page' must be 0 or more.",
        ));
    }
    let per_page = match list.count_per_page {
        Some(n) if n > 0 => n.min(MAX_PAGE_SIZE),
        _ => DEFAULT_PAGE_SIZE,
    };
    let (offset, limit) = if list.all {
        (0, MAX_ALL_ITEMS)
    } else {
        (page.max(0).saturating_mul(per_page), per_page)
    };
    Plan {
        page: page.max(0),
        per_page,
        all: list.all,
        simplified: list.simplified_paging,
        offset: offset.unsigned_abs(),
        fetch: limit.unsigned_abs() + 1,
        with_total: !list.simplified_paging,
    }
}

impl Plan {
    /// Trims the extra row off `items` and says (TotalPages, HasMorePages).
    pub fn finish<T>(&self, items: &mut Vec<T>, total: Option<u64>) -> (i64, bool) {
        let limit = usize::try_from(self.fetch - 1).unwrap_or(usize::MAX);
        let more = items.len() > limit;
        items.truncate(limit);
        if self.simplified {
            (0, more)
        } else if self.all {
            (i64::from(!items.is_empty()), more)
        } else {
            let total = i64::try_from(total.unwrap_or(0)).unwrap_or(i64::MAX);
            let pages = total.saturating_add(self.per_page - 1) / self.per_page;
            (pages, self.page.saturating_add(1) < pages)
        }
    }
}
