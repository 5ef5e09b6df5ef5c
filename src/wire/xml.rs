//! DataContract XML output (R40-R46): the root named after the DTO with `xmlns:i` and the
//! contract namespace, members alphabetical unless the type declares DataMember orders, nulls as
//! `i:nil="true"`, `List<string>` items as `d2p1:string` in the Arrays namespace. A member whose
//! type lives in another namespace gets a `dNp1` prefix, as DataContractSerializer writes it.

use super::value::{Object, Value, XmlOrder, ns};
use quick_xml::escape::escape;
use std::fmt::Write;

pub fn encode(obj: &Object) -> Vec<u8> {
    let mut out = String::with_capacity(1024);
    let _ = write!(
        out,
        "<{name} xmlns:i=\"{xsi}\" xmlns=\"{ns}\">",
        name = obj.name,
        xsi = ns::XSI,
        ns = obj.namespace
    );
    write_members(&mut out, obj, "", 1);
    let _ = write!(out, "</{}>", obj.name);
    out.into_bytes()
}

/// Writes `obj`'s members, each element name carrying `prefix` (empty for the default namespace).
fn write_members(out: &mut String, obj: &Object, prefix: &str, depth: usize) {
    let mut members: Vec<&(&'static str, Value)> = obj.fields.iter().collect();
    if obj.xml_order == XmlOrder::Alphabetical {
        members.sort_by(|a, b| a.0.cmp(b.0));
    }
    for (name, value) in members {
        write_member(out, prefix, name, value, obj.namespace, depth);
    }
}

fn write_member(
    out: &mut String,
    prefix: &str,
    name: &str,
    value: &Value,
    parent_ns: &str,
    depth: usize,
) {
    let tag = format!("{prefix}{name}");
    match value {
        Value::Null => {
            let _ = write!(out, "<{tag} i:nil=\"true\" />");
        }
        Value::Bool(b) => {
            let _ = write!(out, "<{tag}>{b}</{tag}>");
        }
        Value::Int(i) => {
            let _ = write!(out, "<{tag}>{i}</{tag}>");
        }
        Value::Str(s) => {
            let _ = write!(out, "<{tag}>{}</{tag}>", text(s));
        }
        Value::Enum(s) => {
            let _ = write!(out, "<{tag}>{s}</{tag}>");
        }
        Value::Strings(items) => {
            let p = format!("d{}p1", depth + 1);
            let _ = write!(out, "<{tag} xmlns:{p}=\"{}\">", ns::ARRAYS);
            for s in items {
                let _ = write!(out, "<{p}:string>{}</{p}:string>", text(s));
            }
            let _ = write!(out, "</{tag}>");
        }
        Value::Objects(items) => {
            let item_ns = items.first().map_or(parent_ns, |o| o.namespace);
            let item_prefix = child_prefix(out, &tag, item_ns, parent_ns, prefix, depth);
            for item in items {
                let _ = write!(out, "<{item_prefix}{}>", item.name);
                write_members(out, item, &item_prefix, depth + 1);
                let _ = write!(out, "</{item_prefix}{}>", item.name);
            }
            let _ = write!(out, "</{tag}>");
        }
        Value::Object(obj) => {
            let child = child_prefix(out, &tag, obj.namespace, parent_ns, prefix, depth);
            write_members(out, obj, &child, depth + 1);
            let _ = write!(out, "</{tag}>");
        }
    }
}

/// Escaped element text. Characters XML 1.0 cannot carry at all become U+FFFD, so one odd
/// string can never make a whole document unreadable.
fn text(s: &str) -> std::borrow::Cow<'_, str> {
    if crate::domain::is_plain_text(s) {
        escape(s)
    } else {
        let cleaned: String = s
            .chars()
            .map(|c| {
                if crate::domain::is_plain_text(c.encode_utf8(&mut [0; 4])) {
                    c
                } else {
                    '\u{FFFD}'
                }
            })
            .collect();
        escape(cleaned.as_str()).into_owned().into()
    }
}

/// Opens `<tag>` and returns the prefix its children use: the parent's when the namespace is the
/// same, else a fresh `dNp1` declared on the element.
fn child_prefix(
    out: &mut String,
    tag: &str,
    child_ns: &str,
    parent_ns: &str,
    prefix: &str,
    depth: usize,
) -> String {
    if child_ns == parent_ns {
        let _ = write!(out, "<{tag}>");
        prefix.to_owned()
    } else {
        let p = format!("d{}p1", depth + 1);
        let _ = write!(out, "<{tag} xmlns:{p}=\"{child_ns}\">");
        format!("{p}:")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_are_alphabetical_and_nulls_nil() {
        let obj = Object::new("MessageInfo", ns::MESSAGING)
            .field("Id", "m1")
            .field("CustomerId", Value::Null)
            .field("EndpointId", "e1")
            .field("EndpointDisplayName", "Main & <1>");
        let xml = String::from_utf8(encode(&obj)).unwrap();
        assert_eq!(
            xml,
            format!(
                "<MessageInfo xmlns:i=\"{}\" xmlns=\"{}\"><CustomerId i:nil=\"true\" />\
                 <EndpointDisplayName>Main &amp; &lt;1&gt;</EndpointDisplayName>\
                 <EndpointId>e1</EndpointId><Id>m1</Id></MessageInfo>",
                ns::XSI,
                ns::MESSAGING
            )
        );
    }

    #[test]
    fn characters_xml_cannot_carry_are_replaced() {
        let obj = Object::new("M", ns::MESSAGING).field("Text", "a\u{1}b\u{FFFE}");
        let xml = String::from_utf8(encode(&obj)).unwrap();
        assert!(xml.contains("<Text>a\u{FFFD}b\u{FFFD}</Text>"), "{xml}");
    }

    #[test]
    fn carriage_returns_survive_a_round_trip() {
        let obj = Object::new("M", ns::MESSAGING).field("Text", "a\r\nb");
        let xml = String::from_utf8(encode(&obj)).unwrap();
        // quick-xml writes a carriage return as a character reference, so readers keep it.
        assert!(xml.contains("<Text>a&#13;\nb</Text>"), "{xml}");
        let fields = crate::wire::xml_in::decode(xml.as_bytes()).unwrap();
        assert_eq!(fields.text("Text"), Some("a\r\nb"));
    }

    #[test]
    fn items_of_another_namespace_get_a_prefix() {
        let item = Object::new("MessageInfo", ns::MESSAGING).field("Id", "m1");
        let list = Object::new("ListResponseOfMessageInfo", ns::API)
            .field("Items", vec![item])
            .field("Roles", vec!["User".to_owned()]);
        let xml = String::from_utf8(encode(&list)).unwrap();
        assert!(xml.contains(&format!(
            "<Items xmlns:d2p1=\"{}\"><d2p1:MessageInfo><d2p1:Id>m1</d2p1:Id></d2p1:MessageInfo></Items>",
            ns::MESSAGING
        )));
        assert!(xml.contains("<d2p1:string>User</d2p1:string>"));
    }
}
