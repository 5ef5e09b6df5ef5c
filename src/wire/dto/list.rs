//! `ListRequest<T>` paging fields and the `ListResponse<T>` envelope (contract b.3).

use crate::error::FieldError;
use crate::wire::fields::{Fields, Problems};
use crate::wire::schema::DtoDef;
use crate::wire::value::{Dto, Object, ns};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortOrder {
    Ascend,
    Descend,
}

impl SortOrder {
    /// R23: names case-insensitively, or the numeric value.
    fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ascend" | "0" => Some(SortOrder::Ascend),
            "descend" | "1" => Some(SortOrder::Descend),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListRequest {
    pub page: Option<i64>,
    pub all: bool,
    pub count_per_page: Option<i64>,
    pub specific_ids: Vec<String>,
    pub sort_field: Option<String>,
    pub sort_order: Option<SortOrder>,
    pub simplified_paging: bool,
}

impl ListRequest {
    pub fn bind(f: &Fields, problems: &mut Problems) -> Self {
        let sort_order = f.text("SortOrder").and_then(|s| {
            let parsed = SortOrder::parse(s);
            if parsed.is_none() {
                problems.push(FieldError::new(
                    "InvalidEnum",
                    "SortOrder",
                    "'SortOrder' must be Ascend or Descend.",
                ));
            }
            parsed
        });
        Self {
            page: problems.take(f.int("Page")).flatten(),
            all: problems.take(f.bool("All")).flatten().unwrap_or(false),
            count_per_page: problems.take(f.int("CountPerPage")).flatten(),
            specific_ids: f.list("SpecificIds"),
            sort_field: f.text("SortField").map(str::to_owned),
            sort_order,
            simplified_paging: problems
                .take(f.bool("SimplifiedPaging"))
                .flatten()
                .unwrap_or(false),
        }
    }
}

/// `ListResponse<T>`; XML root `ListResponseOf{T}` in the Voice.Api namespace (R46, Q11).
pub struct ListResponse<T> {
    pub items: Vec<T>,
    pub total_count: i64,
    pub total_pages: i64,
    pub has_more_pages: bool,
    /// `ListResponseOf{T}`: its name is the XML root.
    pub def: &'static DtoDef,
    /// `T`, whose properties are the CSV columns.
    pub item: &'static DtoDef,
}

impl<T: Dto> Dto for ListResponse<T> {
    fn to_wire(&self) -> Object {
        Object::new(self.def.name, ns::API)
            .field(
                "Items",
                self.items.iter().map(Dto::to_wire).collect::<Vec<_>>(),
            )
            .field("TotalCount", self.total_count)
            .field("TotalPages", self.total_pages)
            .field("HasMorePages", self.has_more_pages)
            .list_of("Items", self.item)
    }
}
