//! The status-callback gate must never panic, whatever the URL, form and header: it reads the
//! bytes as a form (as the webhook does) and checks a signature over them.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(3, |b| *b == 0);
    let url = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let form = parts.next().unwrap_or_default();
    let signature = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let Ok(params) = evo::wire::parse_urlencoded(form, "the callback body") else {
        return;
    };
    let signed = evo::carrier::signature::sign("token", &url, &params);
    assert!(evo::carrier::signature::is_valid("token", &url, &params, &signed));
    let _ = evo::carrier::signature::is_valid("token", &url, &params, &signature);
});
