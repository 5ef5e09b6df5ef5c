//! JSV, ServiceStack's JSON-like text format without quotes (R51): `{key:value,list:[a,b]}`.
//! A string is quoted when it contains one of ServiceStack.Text's escape characters
//! (`JsWriter.EscapeChars`: `"` `:` `,` `{` `}` `[` `]` CR LF; R51 lists only some of them)
//! or, as R51 adds, starts or ends with whitespace; an inner `"` is doubled; an empty string is
//! written as nothing. Unquoted values are read
//! as they are (spaces kept). No crate implements JSV, so it is written here.

use super::fields::{Fields, Raw};
use super::value::{Object, Value};
use crate::error::Error;

/// Deepest nesting the reader accepts; deeper input is refused rather than recursed into.
const MAX_DEPTH: usize = 64;

pub fn encode(obj: &Object) -> Vec<u8> {
    let mut out = String::with_capacity(512);
    write_object(&mut out, obj);
    out.into_bytes()
}

pub fn write_object(out: &mut String, obj: &Object) {
    out.push('{');
    for (i, (name, value)) in obj.present_fields().enumerate() {
        if i > 0 {
            out.push(',');
        }
        super::json::camel_case_into(out, name);
        out.push(':');
        write_value(out, value);
    }
    out.push('}');
}

/// A value as JSV text (also used for nested values in CSV cells, R50).
pub fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => {}
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Str(s) => write_str(out, s),
        Value::Enum(s) => write_str(out, s),
        Value::Strings(items) => write_list(out, items.iter(), |out, s| write_str(out, s)),
        Value::Objects(items) => write_list(out, items.iter(), write_object),
        Value::Object(o) => write_object(out, o),
    }
}

fn write_list<T>(
    out: &mut String,
    items: impl Iterator<Item = T>,
    mut write: impl FnMut(&mut String, T),
) {
    out.push('[');
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push(',');
        }
        write(out, item);
    }
    out.push(']');
}

pub fn needs_quotes(s: &str) -> bool {
    s.contains(['"', ':', ',', '{', '}', '[', ']', '\r', '\n'])
        // R51: whitespace at either end is quoted too, so readers that treat it as layout (list
        // items, pretty-printed JSV) keep it.
        || s.starts_with(char::is_whitespace)
        || s.ends_with(char::is_whitespace)
}

pub fn write_str(out: &mut String, s: &str) {
    if needs_quotes(s) {
        out.push('"');
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(s);
    }
}

/// A parsed JSV value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Jsv {
    Str(String),
    List(Vec<Jsv>),
    Map(Vec<(String, Jsv)>),
}

impl Jsv {
    /// The value as a field: maps and lists nested below the top level keep their JSV text.
    fn into_text(self) -> String {
        match self {
            Jsv::Str(s) => s,
            other => {
                let mut out = String::new();
                other.write(&mut out);
                out
            }
        }
    }

    fn write(&self, out: &mut String) {
        match self {
            Jsv::Str(s) => write_str(out, s),
            Jsv::List(items) => write_list(out, items.iter(), |out, v| v.write(out)),
            Jsv::Map(pairs) => {
                out.push('{');
                for (i, (k, v)) in pairs.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_str(out, k);
                    out.push(':');
                    v.write(out);
                }
                out.push('}');
            }
        }
    }
}

/// Parses one complete JSV value; trailing input other than whitespace is an error.
pub fn parse(text: &str) -> Result<Jsv, String> {
    let mut p = Parser {
        s: text.as_bytes(),
        text,
        at: 0,
    };
    p.skip_ws();
    let value = p.value(0, true)?;
    p.skip_ws();
    if p.at != p.s.len() {
        return Err(format!(
            "unexpected '{}' at byte {}",
            p.rest_preview(),
            p.at
        ));
    }
    Ok(value)
}

/// Items of a list written as `[a,b]` or as bare `a,b` (query strings, CSV cells, R28).
pub fn parse_list(text: &str) -> Vec<String> {
    let t = text.trim();
    let wrapped;
    let list = if t.starts_with('[') {
        t
    } else {
        wrapped = format!("[{t}]");
        &wrapped
    };
    match parse(list) {
        Ok(Jsv::List(items)) => items.into_iter().map(Jsv::into_text).collect(),
        _ => t.split(',').map(|s| s.trim().to_owned()).collect(),
    }
}

/// A `text/jsv` request body: a map whose entries become fields.
pub fn decode_fields(body: &[u8]) -> Result<Fields, Error> {
    let invalid = |why: String| {
        Error::bad_request("SerializationException", format!("Invalid JSV body: {why}"))
    };
    let text =
        std::str::from_utf8(body).map_err(|_| invalid("the body is not valid UTF-8".into()))?;
    let Jsv::Map(pairs) = parse(text).map_err(invalid)? else {
        return Err(invalid("the body must be an object: {key:value,…}".into()));
    };
    let mut fields = Fields::default();
    for (key, value) in pairs {
        let raw = match value {
            Jsv::List(items) => Raw::List(items.into_iter().map(Jsv::into_text).collect()),
            other => Raw::Text(other.into_text()),
        };
        fields.set(&key, raw);
    }
    Ok(fields)
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    at: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.at).copied()
    }

    /// Skips layout (line breaks and tabs of pretty-printed JSV). Spaces are content: an
    /// unquoted ` x` is the string ` x`.
    fn skip_ws(&mut self) {
        while self
            .peek()
            .is_some_and(|b| matches!(b, b'\r' | b'\n' | b'\t'))
        {
            self.at += 1;
        }
    }

    fn skip_spaces(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_whitespace()) {
            self.at += 1;
        }
    }

    fn rest_preview(&self) -> String {
        self.text
            .get(self.at..)
            .unwrap_or("")
            .chars()
            .take(10)
            .collect()
    }

    fn value(&mut self, depth: usize, top: bool) -> Result<Jsv, String> {
        if depth > MAX_DEPTH {
            return Err("nested too deeply".into());
        }
        match self.peek() {
            Some(b'{') => self.map(depth),
            Some(b'[') => self.list(depth),
            Some(b'"') => self.quoted().map(Jsv::Str),
            _ => Ok(Jsv::Str(self.bare(top))),
        }
    }

    fn map(&mut self, depth: usize) -> Result<Jsv, String> {
        self.at += 1;
        let mut pairs = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Ok(Jsv::Map(pairs));
        }
        loop {
            self.skip_ws();
            let key = match self.peek() {
                Some(b'"') => self.quoted()?,
                _ => self.until(b":")?.trim().to_owned(),
            };
            if self.peek() != Some(b':') {
                return Err(format!("expected ':' after key '{key}'"));
            }
            self.at += 1;
            self.skip_ws();
            let value = self.value(depth + 1, false)?;
            pairs.push((key, value));
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b'}') => {
                    self.at += 1;
                    return Ok(Jsv::Map(pairs));
                }
                _ => return Err("expected ',' or '}' in an object".into()),
            }
        }
    }

    fn list(&mut self, depth: usize) -> Result<Jsv, String> {
        self.at += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.at += 1;
            return Ok(Jsv::List(items));
        }
        loop {
            // Spaces around list items are layout (`[a, b]` in a query string).
            self.skip_spaces();
            items.push(self.value(depth + 1, false)?);
            self.skip_spaces();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b']') => {
                    self.at += 1;
                    return Ok(Jsv::List(items));
                }
                _ => return Err("expected ',' or ']' in a list".into()),
            }
        }
    }

    /// `"…"` with `""` as an escaped quote.
    fn quoted(&mut self) -> Result<String, String> {
        self.at += 1;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None => return Err("unterminated quoted string".into()),
                Some(b'"') if self.s.get(self.at + 1) == Some(&b'"') => {
                    out.push(b'"');
                    self.at += 2;
                }
                Some(b'"') => {
                    self.at += 1;
                    return String::from_utf8(out).map_err(|_| "invalid UTF-8".into());
                }
                Some(b) => {
                    out.push(b);
                    self.at += 1;
                }
            }
        }
    }

    /// An unquoted scalar: up to the next delimiter (the whole rest at the top level).
    fn bare(&mut self, top: bool) -> String {
        let start = self.at;
        if !top {
            while self
                .peek()
                .is_some_and(|b| !matches!(b, b',' | b'}' | b']'))
            {
                self.at += 1;
            }
        } else {
            self.at = self.s.len();
        }
        self.text
            .get(start..self.at)
            .unwrap_or("")
            .trim_end_matches(['\r', '\n', '\t'])
            .to_owned()
    }

    fn until(&mut self, stops: &[u8]) -> Result<&str, String> {
        let start = self.at;
        while let Some(b) = self.peek() {
            if stops.contains(&b) {
                return Ok(self.text.get(start..self.at).unwrap_or(""));
            }
            if matches!(b, b',' | b'{' | b'}' | b'[' | b']') {
                break;
            }
            self.at += 1;
        }
        Err("expected ':' in an object".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::value::ns;
    use proptest::prelude::*;

    #[test]
    fn r51_quotes_only_when_needed() {
        let obj = Object::new("T", ns::API)
            .field("Id", "abc")
            .field("Text", "a, \"b\"")
            .field("Pad", " x ")
            .field("Empty", "")
            .field("Date", "2026-11-30T12:00:00.000Z")
            .field("Lines", "a\r\nb")
            .field("Missing", Value::Null)
            .field("IsUnread", false)
            .field("Count", 3i64)
            .field(
                "Tags",
                vec!["a".to_owned(), "b c".to_owned(), "[x]".to_owned()],
            );
        assert_eq!(
            String::from_utf8(encode(&obj)).unwrap(),
            "{id:abc,text:\"a, \"\"b\"\"\",pad:\" x \",empty:,date:\"2026-11-30T12:00:00.000Z\",lines:\"a\r\nb\",isUnread:False,count:3,tags:[a,b c,\"[x]\"]}"
        );
    }

    #[test]
    fn reads_maps_lists_and_quoted_strings() {
        let v = parse(r#"{a:1,b:"x, ""y""",c:[p,"q,r"],d:{e:f}}"#).unwrap();
        assert_eq!(
            v,
            Jsv::Map(vec![
                ("a".into(), Jsv::Str("1".into())),
                ("b".into(), Jsv::Str("x, \"y\"".into())),
                (
                    "c".into(),
                    Jsv::List(vec![Jsv::Str("p".into()), Jsv::Str("q,r".into())])
                ),
                (
                    "d".into(),
                    Jsv::Map(vec![("e".into(), Jsv::Str("f".into()))])
                ),
            ])
        );
        assert_eq!(
            parse("{\n\tbody: padded ,\n\tx:\"q\"\n}").unwrap(),
            Jsv::Map(vec![
                ("body".into(), Jsv::Str(" padded ".into())),
                ("x".into(), Jsv::Str("q".into())),
            ])
        );
        assert_eq!(parse_list("a,b"), vec!["a", "b"]);
        assert_eq!(parse_list(r#"["a,b",c]"#), vec!["a,b", "c"]);
        assert_eq!(parse_list("[]"), Vec::<String>::new());
    }

    #[test]
    fn refuses_broken_and_deep_input() {
        for bad in [
            "{a",
            "{a:1",
            "[1,",
            "{a:1}x",
            "\"open",
            "{:}x",
            &"[".repeat(200),
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    fn text() -> impl Strategy<Value = String> {
        proptest::string::string_regex("[ -~é😀\r\n\t]{0,12}").unwrap()
    }

    proptest! {
        #[test]
        fn strings_round_trip(items in proptest::collection::vec(text(), 0..6), s in text()) {
            let obj = Object::new("T", ns::API)
                .field("S", s.clone())
                .field("L", items.clone());
            let encoded = String::from_utf8(encode(&obj)).unwrap();
            let fields = decode_fields(encoded.as_bytes()).unwrap();
            let expected_s = (!s.is_empty()).then(|| s.clone());
            prop_assert_eq!(fields.text("s").map(str::to_owned), expected_s);
            let expected_items: Vec<String> = items.iter().filter(|i| !i.is_empty()).cloned().collect();
            prop_assert_eq!(fields.list("l"), expected_items);
        }

        #[test]
        fn the_reader_never_panics(input in ".{0,64}") {
            let _ = parse(&input);
            let _ = parse_list(&input);
            let _ = decode_fields(input.as_bytes());
        }
    }
}
