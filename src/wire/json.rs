//! JSON as ServiceStack.Text writes it: camelCase keys (R20), declaration order (R30), nulls
//! omitted while `false`, `0` and enums stay (R22), empty lists as `[]`. JSON Lines (R52) writes
//! a list response's items one per line.

use super::value::{Object, Value};

pub fn encode(obj: &Object) -> Vec<u8> {
    let mut out = String::with_capacity(512);
    write_object(&mut out, obj);
    out.into_bytes()
}

/// JSON Lines: each item of a list response on its own line; any other object is one line.
pub fn encode_lines(obj: &Object) -> Vec<u8> {
    let mut out = String::with_capacity(512);
    match obj.row_items() {
        Some((items, _)) => {
            for item in items {
                write_object(&mut out, item);
                out.push('\n');
            }
        }
        None => {
            write_object(&mut out, obj);
            out.push('\n');
        }
    }
    out.into_bytes()
}

/// `IsUnread` → `isUnread` (R20).
pub fn camel_case_into(out: &mut String, pascal: &str) {
    let mut chars = pascal.chars();
    if let Some(c) = chars.next() {
        out.extend(c.to_lowercase());
    }
    out.push_str(chars.as_str());
}

fn write_object(out: &mut String, obj: &Object) {
    out.push('{');
    for (i, (name, value)) in obj.present_fields().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('"');
        camel_case_into(out, name);
        out.push_str("\":");
        write_value(out, value);
    }
    out.push('}');
}

fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Str(s) => write_str(out, s),
        Value::Enum(s) => write_str(out, s),
        Value::Strings(items) => {
            out.push('[');
            for (i, s) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(out, s);
            }
            out.push(']');
        }
        Value::Objects(items) => {
            out.push('[');
            for (i, o) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_object(out, o);
            }
            out.push(']');
        }
        Value::Object(o) => write_object(out, o),
    }
}

fn write_str(out: &mut String, s: &str) {
    // serde_json's escaping is exact JSON; it cannot fail for a string.
    if let Ok(quoted) = serde_json::to_string(s) {
        out.push_str(&quoted);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::value::ns;

    #[test]
    fn camel_cases_keys_omits_nulls_and_keeps_order() {
        let obj = Object::new("T", "ns")
            .field("Id", "x\"y")
            .field("CustomerId", Value::Null)
            .field("IsUnread", false)
            .field("Count", 0i64)
            .field("Tags", Vec::<String>::new());
        assert_eq!(
            String::from_utf8(encode(&obj)).unwrap(),
            r#"{"id":"x\"y","isUnread":false,"count":0,"tags":[]}"#
        );
    }

    #[test]
    fn r52_json_lines_write_one_item_per_line() {
        let item = |id: &str| Object::new("M", ns::MESSAGING).field("Id", id);
        let list = Object::new("L", ns::API)
            .field("Items", vec![item("a"), item("b")])
            .field("TotalCount", 2i64)
            .list_of("Items", &crate::wire::dto::defs::MESSAGE_INFO);
        assert_eq!(
            String::from_utf8(encode_lines(&list)).unwrap(),
            "{\"id\":\"a\"}\n{\"id\":\"b\"}\n"
        );
        let empty = Object::new("L", ns::API)
            .field("Items", Vec::<Object>::new())
            .list_of("Items", &crate::wire::dto::defs::MESSAGE_INFO);
        assert_eq!(String::from_utf8(encode_lines(&empty)).unwrap(), "");
        // A DTO with a list member that is not a list response stays one line.
        let single = Object::new("S", ns::API).field("Items", vec![item("a")]);
        assert_eq!(
            String::from_utf8(encode_lines(&single)).unwrap(),
            "{\"items\":[{\"id\":\"a\"}]}\n"
        );
        assert_eq!(
            String::from_utf8(encode_lines(&item("c"))).unwrap(),
            "{\"id\":\"c\"}\n"
        );
    }
}
