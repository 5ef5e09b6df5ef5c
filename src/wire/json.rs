//! JSON as ServiceStack.Text writes it: camelCase keys (R20), declaration order (R30), nulls
//! omitted while `false`, `0` and enums stay (R22), empty lists as `[]`.

use super::value::{Object, Value};

pub fn encode(obj: &Object) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    write_object(&mut out, obj);
    out
}

fn write_object(out: &mut Vec<u8>, obj: &Object) {
    out.push(b'{');
    let mut first = true;
    for (name, value) in &obj.fields {
        if matches!(value, Value::Null) {
            continue;
        }
        if !first {
            out.push(b',');
        }
        first = false;
        write_key(out, name);
        write_value(out, value);
    }
    out.push(b'}');
}

fn write_key(out: &mut Vec<u8>, pascal: &str) {
    out.push(b'"');
    let mut chars = pascal.chars();
    if let Some(c) = chars.next() {
        out.extend(c.to_lowercase().to_string().as_bytes());
    }
    out.extend(chars.as_str().as_bytes());
    out.extend(b"\":");
}

fn write_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.extend(b"null"),
        Value::Bool(b) => out.extend(if *b { &b"true"[..] } else { &b"false"[..] }),
        Value::Int(i) => out.extend(i.to_string().as_bytes()),
        Value::Str(s) => write_str(out, s),
        Value::Enum(s) => write_str(out, s),
        Value::Strings(items) => {
            out.push(b'[');
            for (i, s) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_str(out, s);
            }
            out.push(b']');
        }
        Value::Objects(items) => {
            out.push(b'[');
            for (i, o) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_object(out, o);
            }
            out.push(b']');
        }
        Value::Object(o) => write_object(out, o),
    }
}

fn write_str(out: &mut Vec<u8>, s: &str) {
    // serde_json's escaping is exact JSON; writing into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
