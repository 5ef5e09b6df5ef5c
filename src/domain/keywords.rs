//! The carrier-standard SMS keywords (CTIA; Twilio's Advanced Opt-Out defaults): the whole
//! message, trimmed, in any case.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyword {
    OptOut,
    OptIn,
    Help,
}

/// Longest help text an endpoint may set: a HELP reply stays within three GSM-7 segments.
pub const MAX_HELP_TEXT_CHARS: usize = 320;

const OPT_OUT: [&str; 6] = ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"];
const OPT_IN: [&str; 3] = ["START", "UNSTOP", "YES"];
const HELP: [&str; 2] = ["HELP", "INFO"];

/// What HELP and INFO are answered with when the endpoint has no help text of its own.
pub fn default_help_text(endpoint_name: &str) -> String {
    format!("{endpoint_name}: reply STOP to opt out, START to opt back in.")
}

/// The endpoint's own help text, unless it is blank; else the default.
pub fn help_reply(help_text: Option<&str>, endpoint_name: &str) -> String {
    help_text
        .filter(|h| !h.trim().is_empty())
        .map_or_else(|| default_help_text(endpoint_name), str::to_owned)
}

pub fn keyword(body: &str) -> Option<Keyword> {
    let word = body.trim();
    let is = |list: &[&str]| list.iter().any(|k| k.eq_ignore_ascii_case(word));
    if is(&OPT_OUT) {
        Some(Keyword::OptOut)
    } else if is(&OPT_IN) {
        Some(Keyword::OptIn)
    } else if is(&HELP) {
        Some(Keyword::Help)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_whole_trimmed_message_in_any_case_is_the_keyword() {
        assert_eq!(keyword("STOP"), Some(Keyword::OptOut));
        assert_eq!(keyword("  stop \n"), Some(Keyword::OptOut));
        assert_eq!(keyword("Unsubscribe"), Some(Keyword::OptOut));
        assert_eq!(keyword("quit"), Some(Keyword::OptOut));
        assert_eq!(keyword("start"), Some(Keyword::OptIn));
        assert_eq!(keyword("YES"), Some(Keyword::OptIn));
        assert_eq!(keyword("info"), Some(Keyword::Help));
        assert_eq!(keyword("please stop"), None);
        assert_eq!(keyword("STOP!"), None);
        assert_eq!(keyword(""), None);
    }
}
