//! Sample values for metadata pages: every string `String`, every bool `false`, every number 0,
//! every enum its first member, one item per list — rendered by the real encoders.

use super::schema::{DtoDef, Ty};
use super::value::{Object, Value};

/// Nested DTOs deeper than this are left null, so self-referencing types stay finite.
const MAX_DEPTH: usize = 3;

pub fn sample(def: &DtoDef) -> Object {
    sample_at(def, 0)
}

fn sample_at(def: &DtoDef, depth: usize) -> Object {
    let mut obj = Object::new(def.name, def.namespace);
    if def.namespace == super::value::ns::SERVICESTACK {
        obj = obj.declared_order();
    }
    for field in def.fields {
        obj = obj.field(field.name, value(&field.ty, depth));
    }
    obj
}

fn value(ty: &Ty, depth: usize) -> Value {
    match ty {
        Ty::String => Value::Str("String".to_owned()),
        Ty::Int => Value::Int(0),
        Ty::Bool => Value::Bool(false),
        Ty::Enum(e) => Value::Enum(e.members.first().copied().unwrap_or("")),
        Ty::Dto(d) if depth < MAX_DEPTH => Value::Object(sample_at(d, depth + 1)),
        Ty::Dto(_) => Value::Null,
        Ty::List(inner) => match inner {
            Ty::Dto(d) if depth < MAX_DEPTH => Value::Objects(vec![sample_at(d, depth + 1)]),
            Ty::Dto(_) => Value::Objects(Vec::new()),
            _ => Value::Strings(vec!["String".to_owned()]),
        },
    }
}

/// Indents compact XML one element per line (two spaces a level), as metadata pages show it.
pub fn pretty_xml(compact: &str) -> String {
    let mut out = String::with_capacity(compact.len() * 2);
    let mut depth = 0usize;
    let mut rest = compact;
    while let Some(start) = rest.find('<') {
        let Some(end) = rest[start..].find('>').map(|e| start + e + 1) else {
            break;
        };
        let tag = &rest[start..end];
        rest = &rest[end..];
        if tag.starts_with("</") {
            depth = depth.saturating_sub(1);
            push_line(&mut out, depth, tag);
        } else if tag.ends_with("/>") {
            push_line(&mut out, depth, tag);
        } else if let Some(close) = rest.find('<').filter(|i| rest[*i..].starts_with("</")) {
            // An element with text: one line.
            let text = &rest[..close];
            let close_end = rest[close..]
                .find('>')
                .map_or(rest.len(), |e| close + e + 1);
            push_line(
                &mut out,
                depth,
                &format!("{tag}{text}{}", &rest[close..close_end]),
            );
            rest = &rest[close_end..];
        } else {
            push_line(&mut out, depth, tag);
            depth += 1;
        }
    }
    out
}

fn push_line(out: &mut String, depth: usize, line: &str) {
    for _ in 0..depth {
        out.push_str("  ");
    }
    out.push_str(line);
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pretty_xml_puts_one_element_per_line() {
        let xml = "<A x=\"1\"><B>t</B><C i:nil=\"true\" /><D><E>u</E></D></A>";
        assert_eq!(
            pretty_xml(xml),
            "<A x=\"1\">\n  <B>t</B>\n  <C i:nil=\"true\" />\n  <D>\n    <E>u</E>\n  </D>\n</A>\n"
        );
    }
}
