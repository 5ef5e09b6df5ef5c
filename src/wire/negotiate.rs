//! Picking the response format (R12-R17): a format fixed by the route (a `.ext` suffix or a
//! predefined `/{format}/…` route) first, then `?format=`, then the Accept header, then JSON.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
    Jsv,
    Csv,
    Jsonl,
}

/// A format fixed by the route itself: the `.ext` suffix (R14) or a predefined route (R9, R10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteFormat(pub Format);

/// ServiceStack's own preference order when several accepted types are on offer (R16).
const PREFERRED: [Format; 5] = [
    Format::Json,
    Format::Xml,
    Format::Jsv,
    Format::Csv,
    Format::Jsonl,
];

/// Media types read on input (Content-Type and Accept).
const MEDIA_TYPES: [(&str, Format); 8] = [
    ("application/json", Format::Json),
    ("text/json", Format::Json),
    ("application/xml", Format::Xml),
    ("text/xml", Format::Xml),
    ("text/jsv", Format::Jsv),
    ("text/csv", Format::Csv),
    ("text/jsonl", Format::Jsonl),
    ("application/jsonl", Format::Jsonl),
];

impl Format {
    /// R15.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json; charset=utf-8",
            Format::Xml => "application/xml",
            Format::Jsv => "text/jsv",
            Format::Csv => "text/csv",
            Format::Jsonl => "text/jsonl",
        }
    }

    /// A format's name in `?format=`, route suffixes and predefined routes; anything after a
    /// `.` is ignored (R13).
    pub fn from_name(name: &str) -> Option<Self> {
        match name.split('.').next()?.trim().to_ascii_lowercase().as_str() {
            "json" => Some(Format::Json),
            "xml" => Some(Format::Xml),
            "jsv" => Some(Format::Jsv),
            "csv" => Some(Format::Csv),
            "jsonl" => Some(Format::Jsonl),
            _ => None,
        }
    }

    /// A media type such as `application/json; charset=utf-8`.
    pub fn from_media_type(media: &str) -> Option<Self> {
        let essence = media.split(';').next()?.trim();
        MEDIA_TYPES
            .iter()
            .find(|(m, _)| m.eq_ignore_ascii_case(essence))
            .map(|(_, f)| *f)
    }
}

/// The format to answer in.
pub fn negotiate(
    route: Option<Format>,
    query: Option<&str>,
    accept: Option<&str>,
    content_type: Option<&str>,
) -> Format {
    if let Some(f) = route.or_else(|| query.and_then(format_param)) {
        return f;
    }
    let Some(accept) = accept else {
        // R17: no Accept header at all means the default, even for an XML POST.
        return Format::Json;
    };
    let request_format = content_type.and_then(Format::from_media_type);
    let accepted = || accept.split(',').map(str::trim);
    let accepts = |f: Format| accepted().any(|m| Format::from_media_type(m) == Some(f));
    if let Some(f) = request_format.filter(|f| accepts(*f)) {
        return f;
    }
    if let Some(f) = PREFERRED.into_iter().find(|f| accepts(*f)) {
        return f;
    }
    let any = accepted().any(|m| m.split(';').next().map(str::trim) == Some("*/*"));
    if any {
        return request_format.unwrap_or(Format::Json);
    }
    Format::Json
}

/// A query parameter by case-insensitive name.
pub fn query_param(query: &str, name: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.into_owned())
}

fn format_param(query: &str) -> Option<Format> {
    query_param(query, "format").and_then(|v| Format::from_name(&v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r12_r13_route_format_then_query_format_ignoring_suffix_after_dot() {
        assert_eq!(
            negotiate(None, Some("format=xml"), Some("application/json"), None),
            Format::Xml
        );
        assert_eq!(
            negotiate(None, Some("format=json.x"), None, None),
            Format::Json
        );
        assert_eq!(
            negotiate(None, Some("format=nope"), Some("application/xml"), None),
            Format::Xml
        );
        assert_eq!(
            negotiate(Some(Format::Csv), Some("format=xml"), None, None),
            Format::Csv
        );
        assert_eq!(
            negotiate(None, Some("format=jsonl"), None, None),
            Format::Jsonl
        );
    }

    #[test]
    fn r17_star_echoes_the_request_content_type() {
        assert_eq!(
            negotiate(None, None, Some("*/*"), Some("application/xml")),
            Format::Xml
        );
        assert_eq!(
            negotiate(None, None, Some("*/*"), Some("text/csv")),
            Format::Csv
        );
        assert_eq!(
            negotiate(
                None,
                None,
                Some("*/*"),
                Some("application/x-www-form-urlencoded")
            ),
            Format::Json
        );
        assert_eq!(
            negotiate(None, None, None, Some("application/xml")),
            Format::Json
        );
    }

    #[test]
    fn r16_q_values_are_ignored_and_request_type_wins() {
        assert_eq!(
            negotiate(
                None,
                None,
                Some("application/json;q=0.1, application/xml"),
                None
            ),
            Format::Json
        );
        assert_eq!(
            negotiate(
                None,
                None,
                Some("application/json, application/xml"),
                Some("application/xml")
            ),
            Format::Xml
        );
        assert_eq!(negotiate(None, None, Some("text/xml"), None), Format::Xml);
        assert_eq!(negotiate(None, None, Some("text/jsv"), None), Format::Jsv);
        assert_eq!(
            negotiate(None, None, Some("text/csv, text/jsv"), None),
            Format::Jsv
        );
    }
}
