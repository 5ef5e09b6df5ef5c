//! The ServiceStack surface: response shapes and their codecs, content negotiation, request
//! binding and error bodies. Handlers hand back a `Reply` or an `Error`; the `encode_replies`
//! middleware writes either in the negotiated format, so no handler picks a format itself.

mod bind;
mod csv;
mod error;
mod fields;
mod json;
mod jsv;
mod jsv_syntax;
mod negotiate;
mod reply;
pub mod sample;
pub mod schema;
mod value;
mod xml;
mod xml_in;

pub mod dto;

pub use bind::{MAX_BODY_BYTES, decode_body, parse_urlencoded, read_body, read_fields};
pub use error::error_object;
pub use fields::{Fields, FromFields, Problems, Raw};
pub use json::camel_case_into;
pub use jsv_syntax::parse as parse_jsv;
pub use negotiate::{Format, RouteFormat, negotiate, query_param};
pub use reply::{Reply, encode_replies, render_error};
pub use value::{Dto, Object, Value, XmlOrder, ns};

/// Encodes a response object in `format`.
pub fn encode(format: Format, obj: &Object) -> Vec<u8> {
    match format {
        Format::Json => json::encode(obj),
        Format::Xml => xml::encode(obj),
        Format::Jsv => jsv::encode(obj),
        Format::Csv => csv::encode(obj),
        Format::Jsonl => json::encode_lines(obj),
    }
}
