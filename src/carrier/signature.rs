//! Twilio's `X-Twilio-Signature` (CARRIERS.md 1b): base64(HMAC-SHA1(auth token, URL + each POST
//! parameter name followed by its values, names sorted, values sorted)). Twilio signs the URL
//! either with or without the default port, so both are tried. The comparison is constant-time.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

/// Whether `signature` is Twilio's for this request.
pub fn is_valid(auth_token: &str, url: &str, params: &[(String, String)], signature: &str) -> bool {
    let Ok(expected) = STANDARD.decode(signature.trim()) else {
        return false;
    };
    url_variants(url)
        .iter()
        .any(|u| mac(auth_token, u, params).is_some_and(|m| m.verify_slice(&expected).is_ok()))
}

/// The signature evo would expect (also used by the carrier simulator to sign callbacks).
pub fn sign(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    mac(auth_token, url, params)
        .map(|m| STANDARD.encode(m.finalize().into_bytes()))
        .unwrap_or_default()
}

/// `None` only if the key were refused, which HMAC never does (it takes any key length).
fn mac(auth_token: &str, url: &str, params: &[(String, String)]) -> Option<Hmac<Sha1>> {
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(auth_token.as_bytes()).ok()?;
    mac.update(url.as_bytes());
    let mut names: Vec<&str> = params.iter().map(|(k, _)| k.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    for name in names {
        let mut values: Vec<&str> = params
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect();
        values.sort_unstable();
        values.dedup();
        for value in values {
            mac.update(name.as_bytes());
            mac.update(value.as_bytes());
        }
    }
    Some(mac)
}

/// The URL as given, without its default port, and with it.
fn url_variants(url: &str) -> Vec<String> {
    let mut variants = vec![url.to_owned()];
    let (scheme, default_port) = if url.starts_with("https://") {
        ("https://", "443")
    } else if url.starts_with("http://") {
        ("http://", "80")
    } else {
        return variants;
    };
    let rest = &url[scheme.len()..];
    let (authority, tail) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    let with_port = format!(":{default_port}");
    if let Some(host) = authority.strip_suffix(&with_port) {
        variants.push(format!("{scheme}{host}{tail}"));
    } else if !authority.contains(':') {
        variants.push(format!("{scheme}{authority}{with_port}{tail}"));
    }
    variants
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(caller: &str) -> Vec<(String, String)> {
        [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", caller),
            ("Digits", "1234"),
            ("From", caller),
            ("To", "+18005551212"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .to_vec()
    }

    const URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";

    #[test]
    fn twilio_test_vectors() {
        assert_eq!(
            sign("12345", URL, &params("+14158675309")),
            "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        );
        assert!(is_valid(
            "12345",
            URL,
            &params("+14158675309"),
            "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        ));
        assert!(is_valid(
            "12345",
            URL,
            &params("+12349013030"),
            "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
        ));
    }

    #[test]
    fn wrong_token_params_or_signature_fail() {
        let p = params("+14158675309");
        assert!(!is_valid("54321", URL, &p, "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
        assert!(!is_valid(
            "12345",
            URL,
            &params("+10000000000"),
            "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        ));
        assert!(!is_valid("12345", URL, &p, "not base64!"));
        assert!(!is_valid("12345", URL, &p, ""));
    }

    #[test]
    fn the_default_port_may_or_may_not_be_signed() {
        let p = params("+14158675309");
        let with_port = "https://mycompany.com:443/myapp.php?foo=1&bar=2";
        let signed_with_port = sign("12345", with_port, &p);
        assert!(is_valid("12345", URL, &p, &signed_with_port));
        assert!(is_valid(
            "12345",
            with_port,
            &p,
            "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        ));
        assert!(!is_valid(
            "12345",
            "https://mycompany.com:8443/myapp.php?foo=1&bar=2",
            &p,
            "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        ));
    }

    #[test]
    fn parameter_order_does_not_matter() {
        let mut p = params("+14158675309");
        p.reverse();
        assert!(is_valid("12345", URL, &p, "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
    }
}
