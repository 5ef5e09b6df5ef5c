//! The ServiceStack surface: response shapes and their codecs, content negotiation, request
//! binding and error bodies. Handlers hand back a `Reply` or an `Error`; the `encode_replies`
//! middleware writes either in the negotiated format, so no handler picks a format itself.

mod bind;
mod error;
mod fields;
mod json;
mod negotiate;
mod reply;
mod value;
mod xml;
mod xml_in;

pub mod dto;

pub use bind::{Bound, MAX_BODY_BYTES};
pub use error::error_object;
pub use fields::{Fields, FromFields, Problems, Raw};
pub use negotiate::{Format, negotiate};
pub use reply::{Reply, encode_replies};
pub use value::{Dto, Object, Value, XmlOrder, ns};

/// Encodes a response object in `format`.
pub fn encode(format: Format, obj: &Object) -> Vec<u8> {
    match format {
        Format::Json => json::encode(obj),
        Format::Xml => xml::encode(obj),
    }
}
