//! What the list operations (ListMessages, ListConversations, ListSessions) check and build
//! alike: the SortField, the size of each id filter, date fields, and the account scope the
//! AccountIds filter narrows. Paging is `paging.rs`.

use crate::domain::{AccountId, AccountScope, Principal, Timestamp, parse_after_date};
use crate::error::FieldError;
use crate::wire::Problems;

/// Most ids one filter (AccountIds, SpecificIds, …) may name.
pub const MAX_FILTER_IDS: usize = 1000;

/// What a list sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortField {
    Date,
    Id,
}

/// `SortField`: `date` (also when absent) or `id`, without case; anything else is a problem
/// quoting `raw` as given.
pub fn sort_field(raw: Option<&str>, problems: &mut Problems) -> SortField {
    let Some(raw) = raw else {
        return SortField::Date;
    };
    if raw.eq_ignore_ascii_case("date") {
        SortField::Date
    } else if raw.eq_ignore_ascii_case("id") {
        SortField::Id
    } else {
        problems.push(FieldError::new(
            "InvalidSortField",
            "SortField",
            format!("'SortField' must be 'date' or 'id', not '{raw}'."),
        ));
        SortField::Date
    }
}

/// A date field: RFC 3339 or YYYY-MM-DD (a 400 naming `field` otherwise).
pub fn date_field(
    raw: Option<&str>,
    field: &'static str,
    problems: &mut Problems,
) -> Option<Timestamp> {
    let raw = raw?;
    let parsed = parse_after_date(raw);
    if parsed.is_none() {
        problems.push(FieldError::new(
            "InvalidDate",
            field,
            format!("'{field}' must be an RFC 3339 date-time or YYYY-MM-DD."),
        ));
    }
    parsed
}

/// Each filter, by its field name, may name at most `MAX_FILTER_IDS` ids.
pub fn check_filter_sizes(filters: &[(&'static str, &Vec<String>)], problems: &mut Problems) {
    for (field, ids) in filters {
        if ids.len() > MAX_FILTER_IDS {
            problems.push(FieldError::new(
                "MaxItems",
                field,
                format!("'{field}' may name at most {MAX_FILTER_IDS} ids."),
            ));
        }
    }
}

pub fn ids<T>(raw: Vec<String>, make: fn(String) -> T) -> Vec<T> {
    raw.into_iter().map(make).collect()
}

/// The caller's accounts, narrowed to those AccountIds names (all of them when it is empty).
pub fn scope(caller: &Principal, account_ids: Vec<String>) -> AccountScope {
    caller
        .scope()
        .narrowed_to(&ids(account_ids, AccountId::from_string))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem_messages(problems: Problems) -> Vec<String> {
        match problems.finish() {
            Ok(()) => Vec::new(),
            Err(crate::error::Error::Validation(errors)) => {
                errors.into_iter().map(|e| e.message).collect()
            }
            Err(other) => panic!("{other:?}"),
        }
    }

    #[test]
    fn sort_field_is_date_or_id_without_case() {
        let mut problems = Problems::default();
        assert_eq!(sort_field(None, &mut problems), SortField::Date);
        assert_eq!(sort_field(Some("DATE"), &mut problems), SortField::Date);
        assert_eq!(sort_field(Some("Id"), &mut problems), SortField::Id);
        assert!(problem_messages(problems).is_empty());
        let mut problems = Problems::default();
        assert_eq!(sort_field(Some("Text"), &mut problems), SortField::Date);
        assert_eq!(
            problem_messages(problems),
            ["'SortField' must be 'date' or 'id', not 'Text'."]
        );
    }
}
