//! JSV's syntax (R51): when a scalar is quoted, how a list is written, and the reader from text
//! to a `Jsv` tree. It knows nothing of `Fields`, so the field bag can read R28 lists (`a,b` or
//! `[a,b]`) with it while `jsv.rs` builds the response writer and the body decoder on it.
//! A string is quoted when it contains one of ServiceStack.Text's escape characters
//! (`JsWriter.EscapeChars`: `"` `:` `,` `{` `}` `[` `]` CR LF; R51 lists only some of them)
//! or, as R51 adds, starts or ends with whitespace; an inner `"` is doubled; an empty string is
//! written as nothing. Unquoted values are read as they are (spaces kept).

/// Deepest nesting the reader accepts; deeper input is refused rather than recursed into.
const MAX_DEPTH: usize = 64;

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

pub fn write_list<T>(
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

/// A parsed JSV value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Jsv {
    Str(String),
    List(Vec<Jsv>),
    Map(Vec<(String, Jsv)>),
}

impl Jsv {
    /// The value as a field: maps and lists nested below the top level keep their JSV text.
    pub fn into_text(self) -> String {
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
}
