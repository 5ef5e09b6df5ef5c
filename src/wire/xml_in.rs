//! Reading a DataContract XML request body into fields, leniently (R47): any root name, any
//! member order, namespaces and prefixes ignored. DTDs are refused, so no entity can expand, and
//! nesting is bounded.

use super::fields::{Fields, Raw};
use crate::error::Error;
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

const MAX_DEPTH: usize = 32;

pub fn decode(body: &[u8]) -> Result<Fields, Error> {
    let text = std::str::from_utf8(body).map_err(|_| invalid("the body is not valid UTF-8"))?;
    let mut reader = Reader::from_str(text);
    let mut fields = Fields::default();
    // Stack of open elements below the root: (local name, text, child texts, nil).
    let mut stack: Vec<Member> = Vec::new();
    let mut seen_root = false;
    let mut root_closed = false;
    loop {
        match reader.read_event().map_err(|e| invalid(&e.to_string()))? {
            Event::Start(e) => {
                if root_closed {
                    return Err(invalid("content after the root element"));
                }
                if !seen_root {
                    seen_root = true;
                    continue;
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(invalid("elements nested too deeply"));
                }
                stack.push(Member::open(&e)?);
            }
            Event::Empty(e) => {
                if root_closed {
                    return Err(invalid("content after the root element"));
                }
                if !seen_root {
                    seen_root = true;
                    root_closed = true;
                    continue;
                }
                let member = Member::open(&e)?;
                close(&mut stack, member, &mut fields);
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                let Some(top) = stack.last_mut() else {
                    continue;
                };
                let resolved = r
                    .resolve_char_ref()
                    .map_err(|e| invalid(&e.to_string()))?
                    .map(String::from)
                    .or_else(|| predefined_entity(&r))
                    .ok_or_else(|| invalid("unknown entity reference"))?;
                top.text.push_str(&resolved);
            }
            Event::CData(c) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(c.as_ref());
                }
            }
            Event::End(_) => match stack.pop() {
                Some(member) => close(&mut stack, member, &mut fields),
                None => root_closed = true,
            },
            Event::DocType(_) => return Err(invalid("DTDs are not allowed")),
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
        }
    }
    if !seen_root || !root_closed {
        return Err(invalid("the document has no complete root element"));
    }
    Ok(fields)
}

struct Member {
    name: String,
    text: String,
    children: Vec<String>,
    has_children: bool,
    nil: bool,
}

impl Member {
    fn open(e: &BytesStart<'_>) -> Result<Self, Error> {
        let name = e.local_name().as_ref().to_owned();
        let mut nil = false;
        for attr in e.attributes() {
            let attr = attr.map_err(|e| invalid(&e.to_string()))?;
            if attr.key.local_name().as_ref() == "nil" && attr.value.as_ref() == "true" {
                nil = true;
            }
        }
        Ok(Self {
            name,
            text: String::new(),
            children: Vec::new(),
            has_children: false,
            nil,
        })
    }
}

/// A closed member becomes a field (depth 1) or an item of its parent's list (depth 2).
fn close(stack: &mut [Member], member: Member, fields: &mut Fields) {
    match stack.last_mut() {
        Some(parent) => {
            parent.has_children = true;
            if !member.nil {
                parent.children.push(member.text.trim().to_owned());
            }
        }
        None if member.nil => fields.set(&member.name, Raw::Text(String::new())),
        None if member.has_children => fields.set(&member.name, Raw::List(member.children)),
        None => fields.set(&member.name, Raw::Text(member.text)),
    }
}

fn predefined_entity(r: &quick_xml::events::BytesRef<'_>) -> Option<String> {
    let name: &str = r.as_ref();
    let s = match name {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        _ => return None,
    };
    Some(s.to_owned())
}

fn invalid(why: &str) -> Error {
    Error::bad_request("SerializationException", format!("Invalid XML body: {why}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_members_in_any_order_and_namespace() {
        let f = decode(
            br#"<x:SendMessage xmlns:x="urn:other" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">
                <x:ToAddress>+15556667777</x:ToAddress><Body>a &amp; b &#x263A;</Body>
                <SessionId i:nil="true" /></x:SendMessage>"#,
        )
        .unwrap();
        assert_eq!(f.text("toAddress"), Some("+15556667777"));
        assert_eq!(f.text("Body"), Some("a & b \u{263A}"));
        assert_eq!(f.text("SessionId"), None);
    }

    #[test]
    fn nested_items_become_lists() {
        let f = decode(b"<R><Ids><string>a</string><string>b</string></Ids></R>").unwrap();
        assert_eq!(f.list("ids"), vec!["a", "b"]);
    }

    #[test]
    fn refuses_dtds_broken_and_truncated_documents() {
        for bad in [
            &b"<!DOCTYPE x [<!ENTITY a \"b\">]><R><Body>&a;</Body></R>"[..],
            b"<R><Body>x</R>",
            b"<R><Body>x</Body>",
            b"",
            b"not xml",
            b"<R><Body>&unknown;</Body></R>",
            b"<R/><R/>",
        ] {
            assert!(decode(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
    }
}
