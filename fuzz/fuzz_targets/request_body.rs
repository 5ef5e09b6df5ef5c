//! Every request-body decoder (JSON, XML, JSV, CSV, JSON Lines, form) must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

const TYPES: [&str; 7] = [
    "application/json",
    "application/xml",
    "text/jsv",
    "text/csv",
    "text/jsonl",
    "application/x-www-form-urlencoded",
    "image/png",
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let content_type = TYPES[usize::from(selector) % TYPES.len()];
    let _ = evo::wire::decode_body(Some(content_type), None, body);
    let _ = evo::wire::decode_body(None, None, body);
});
