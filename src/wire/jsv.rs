//! JSV, ServiceStack's JSON-like text format without quotes (R51): `{key:value,list:[a,b]}`,
//! as responses are written in it and request bodies read from it. The syntax itself (quoting,
//! the reader) is in `jsv_syntax.rs`. No crate implements JSV, so it is written here.

use super::fields::{Fields, Raw};
use super::jsv_syntax::{Jsv, parse, write_list, write_str};
use super::value::{Object, Value};
use crate::error::Error;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::jsv_syntax::parse_list;
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
