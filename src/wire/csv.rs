//! CSV (R50, R53, Q19): a header row of PascalCase property names, then one row for a single DTO
//! or one row per item of a list response's list. Every property is a column (nulls empty);
//! nested values are JSV inside the cell; quoting is RFC 4180 (the `csv` crate's).

use super::fields::Fields;
use super::jsv;
use super::value::{Object, Value};
use crate::error::Error;

pub fn encode(obj: &Object) -> Vec<u8> {
    let own_columns: Vec<&'static str>;
    let (rows, header): (&[Object], &[&'static str]) = match obj.row_items() {
        Some(list) => list,
        None => {
            own_columns = obj.fields.iter().map(|(name, _)| *name).collect();
            (std::slice::from_ref(obj), &own_columns)
        }
    };
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::with_capacity(512));
    // The header comes from the type, so an empty list still names its columns.
    let _ = writer.write_record(header);
    for row in rows {
        let _ = writer.write_record(row.fields.iter().map(|(_, v)| cell(v)));
    }
    writer.into_inner().unwrap_or_default()
}

fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::Str(s) => s.clone(),
        Value::Enum(s) => (*s).to_owned(),
        other => {
            let mut out = String::new();
            jsv::write_value(&mut out, other);
            out
        }
    }
}

/// A `text/csv` request body: a header row and one data row.
pub fn decode_fields(body: &[u8]) -> Result<Fields, Error> {
    let invalid = |why: &str| {
        Error::bad_request("SerializationException", format!("Invalid CSV body: {why}"))
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(body);
    let header = reader
        .headers()
        .map_err(|e| invalid(&e.to_string()))?
        .clone();
    let mut records = reader.records();
    let row = match records.next() {
        Some(row) => row.map_err(|e| invalid(&e.to_string()))?,
        None => return Err(invalid("a header row and one data row are expected")),
    };
    let mut fields = Fields::default();
    fields.merge_pairs(
        header
            .iter()
            .zip(row.iter())
            .map(|(k, v)| (k.trim(), v.to_owned())),
    );
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::value::ns;

    #[test]
    fn r50_single_object_is_header_plus_row_with_quoting_and_jsv_cells() {
        let obj = Object::new("T", ns::API)
            .field("Id", "a")
            .field("Text", "x, \"y\"\nz")
            .field("CustomerId", Value::Null)
            .field("IsUnread", false)
            .field("Roles", vec!["A".to_owned(), "B".to_owned()]);
        assert_eq!(
            String::from_utf8(encode(&obj)).unwrap(),
            "Id,Text,CustomerId,IsUnread,Roles\r\na,\"x, \"\"y\"\"\nz\",,False,\"[A,B]\"\r\n"
        );
    }

    #[test]
    fn q19_list_responses_write_one_row_per_item() {
        let item = |id: &str| {
            Object::new("M", ns::MESSAGING)
                .field("Id", id)
                .field("N", 1i64)
        };
        static ITEM: crate::wire::schema::DtoDef = crate::wire::schema::DtoDef {
            name: "M",
            namespace: ns::MESSAGING,
            description: "",
            fields: &[
                crate::wire::schema::FieldDef::new(
                    "Id",
                    crate::wire::schema::Ty::String,
                    crate::wire::schema::Source::Form,
                ),
                crate::wire::schema::FieldDef::new(
                    "N",
                    crate::wire::schema::Ty::Int,
                    crate::wire::schema::Source::Form,
                ),
            ],
        };
        let list = Object::new("L", ns::API)
            .field("Items", vec![item("a"), item("b")])
            .field("TotalCount", 2i64)
            .list_of("Items", &ITEM);
        assert_eq!(
            String::from_utf8(encode(&list)).unwrap(),
            "Id,N\r\na,1\r\nb,1\r\n"
        );
        let empty = Object::new("L", ns::API)
            .field("Items", Vec::<Object>::new())
            .list_of("Items", &ITEM);
        assert_eq!(String::from_utf8(encode(&empty)).unwrap(), "Id,N\r\n");
    }

    #[test]
    fn r53_request_bodies_bind_from_header_and_row() {
        let f = decode_fields(b"Body,ToAddress,Ids\r\n\"hi, there\",+15556667777,\"[a,b]\"\r\n")
            .unwrap();
        assert_eq!(f.text("body"), Some("hi, there"));
        assert_eq!(f.list("ids"), vec!["a", "b"]);
        assert!(decode_fields(b"Body\r\n").is_err());
        assert!(decode_fields(b"A,B\r\n1\r\n").is_err());
    }
}
