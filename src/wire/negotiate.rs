//! Picking the response format (R12, R13, R15-R17): `?format=` first, then the Accept header,
//! then JSON.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
}

/// ServiceStack's own preference order when several accepted types are on offer (R16).
const PREFERRED: [Format; 2] = [Format::Json, Format::Xml];

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json; charset=utf-8",
            Format::Xml => "application/xml",
        }
    }

    /// `?format=` value; anything after a `.` is ignored (R13).
    pub fn from_name(name: &str) -> Option<Self> {
        match name.split('.').next()?.trim().to_ascii_lowercase().as_str() {
            "json" => Some(Format::Json),
            "xml" => Some(Format::Xml),
            _ => None,
        }
    }

    /// A media type such as `application/json; charset=utf-8`.
    pub fn from_media_type(media: &str) -> Option<Self> {
        let essence = media.split(';').next()?.trim().to_ascii_lowercase();
        match essence.as_str() {
            "application/json" | "text/json" => Some(Format::Json),
            "application/xml" | "text/xml" => Some(Format::Xml),
            _ => None,
        }
    }
}

/// The format to answer in, from the query string, the Accept header and the request's
/// Content-Type.
pub fn negotiate(query: Option<&str>, accept: Option<&str>, content_type: Option<&str>) -> Format {
    if let Some(f) = query.and_then(format_param) {
        return f;
    }
    let Some(accept) = accept else {
        // R17: no Accept header at all means the default, even for an XML POST.
        return Format::Json;
    };
    let request_format = content_type.and_then(Format::from_media_type);
    let accepted: Vec<&str> = accept.split(',').map(str::trim).collect();
    let accepts = |f: Format| {
        accepted
            .iter()
            .any(|m| Format::from_media_type(m) == Some(f))
    };
    if let Some(f) = request_format.filter(|f| accepts(*f)) {
        return f;
    }
    if let Some(f) = PREFERRED.into_iter().find(|f| accepts(*f)) {
        return f;
    }
    let any = accepted
        .iter()
        .any(|m| m.split(';').next().map(str::trim) == Some("*/*"));
    if any {
        return request_format.unwrap_or(Format::Json);
    }
    Format::Json
}

fn format_param(query: &str) -> Option<Format> {
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k.eq_ignore_ascii_case("format"))
        .and_then(|(_, v)| Format::from_name(&v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r12_r13_query_format_wins_and_ignores_suffix_after_dot() {
        assert_eq!(
            negotiate(Some("format=xml"), Some("application/json"), None),
            Format::Xml
        );
        assert_eq!(negotiate(Some("format=json.x"), None, None), Format::Json);
        assert_eq!(
            negotiate(Some("format=nope"), Some("application/xml"), None),
            Format::Xml
        );
    }

    #[test]
    fn r17_star_echoes_the_request_content_type() {
        assert_eq!(
            negotiate(None, Some("*/*"), Some("application/xml")),
            Format::Xml
        );
        assert_eq!(
            negotiate(None, Some("*/*"), Some("application/x-www-form-urlencoded")),
            Format::Json
        );
        assert_eq!(negotiate(None, None, Some("application/xml")), Format::Json);
    }

    #[test]
    fn r16_q_values_are_ignored_and_request_type_wins() {
        assert_eq!(
            negotiate(None, Some("application/json;q=0.1, application/xml"), None),
            Format::Json
        );
        assert_eq!(
            negotiate(
                None,
                Some("application/json, application/xml"),
                Some("application/xml")
            ),
            Format::Xml
        );
        assert_eq!(negotiate(None, Some("text/xml"), None), Format::Xml);
    }
}
