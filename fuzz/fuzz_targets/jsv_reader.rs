//! The JSV reader must never panic, whatever the input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = evo::wire::parse_jsv(text);
    }
    let _ = evo::wire::decode_body(Some("text/jsv"), None, data);
});
