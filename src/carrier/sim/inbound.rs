//! Inbound messages: the simulator plays Twilio calling a messaging webhook, so that a receiver
//! (evo's `POST /webhooks/twilio/sms`) can be exercised without Twilio. One POST, no retry:
//! Twilio does not retry a messaging webhook either.

use super::json::API_VERSION;
use crate::carrier::signature;
use crate::domain::segments;

/// A message "from a handset" to one of the account's numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inbound {
    /// The account's number (E.164).
    pub to: String,
    /// The remote party.
    pub from: String,
    pub body: String,
    /// Attachments as (URL, content type), posted as `MediaUrlN` / `MediaContentTypeN`.
    pub media: Vec<(String, String)>,
    /// `None` picks a fresh `SM` + 32 hex digits; give one to replay a delivery.
    pub message_sid: Option<String>,
}

/// What the receiver made of one delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundResult {
    pub message_sid: String,
    /// The receiver's HTTP status, whatever it was.
    pub status: u16,
    /// The receiver's response body (TwiML, usually).
    pub body: String,
}

impl InboundResult {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// POSTs `inbound` to `target_url` as Twilio's messaging webhook does, signed with
/// `auth_token` over exactly `target_url`. A non-2xx answer is a result, not an error; only a
/// receiver that cannot be reached (or times out, per `client`) is an error.
pub async fn deliver_inbound(
    client: &reqwest::Client,
    target_url: &str,
    account_sid: &str,
    auth_token: &str,
    inbound: &Inbound,
) -> anyhow::Result<InboundResult> {
    let message_sid = inbound
        .message_sid
        .clone()
        .unwrap_or_else(super::new_message_sid);
    let params = params(account_sid, &message_sid, inbound);
    let signature = signature::sign(auth_token, target_url, &params);
    let response = client
        .post(target_url)
        .header("X-Twilio-Signature", signature)
        .form(&params)
        .send()
        .await
        .map_err(|e| anyhow::Error::new(e).context(format!("cannot deliver to {target_url}")))?;
    let status = response.status().as_u16();
    let body = response.text().await.map_err(|e| {
        anyhow::Error::new(e).context(format!("{target_url} answered {status}, then broke off"))
    })?;
    Ok(InboundResult {
        message_sid,
        status,
        body,
    })
}

/// Twilio's inbound-SMS parameters, in the order Twilio sends them. Twilio fills the geo fields
/// from its number database; the simulator has none, so it says "US" for +1 numbers and leaves
/// the rest empty (a receiver should not rely on them anyway). `MessagingServiceSid` is left
/// out, as Twilio does for a number outside a messaging service.
fn params(account_sid: &str, message_sid: &str, m: &Inbound) -> Vec<(String, String)> {
    let num_media = m.media.len().to_string();
    let num_segments = segments(&m.body).count.to_string();
    let mut params: Vec<(String, String)> = [
        ("ToCountry", country(&m.to)),
        ("ToState", ""),
        ("SmsMessageSid", message_sid),
        ("NumMedia", &num_media),
        ("ToCity", ""),
        ("FromZip", ""),
        ("SmsSid", message_sid),
        ("FromState", ""),
        ("SmsStatus", "received"),
        ("FromCity", ""),
        ("Body", &m.body),
        ("FromCountry", country(&m.from)),
        ("To", &m.to),
        ("ToZip", ""),
        ("NumSegments", &num_segments),
        ("MessageSid", message_sid),
        ("AccountSid", account_sid),
        ("From", &m.from),
        ("ApiVersion", API_VERSION),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    for (i, (url, content_type)) in m.media.iter().enumerate() {
        params.push((format!("MediaContentType{i}"), content_type.clone()));
        params.push((format!("MediaUrl{i}"), url.clone()));
    }
    params
}

fn country(number: &str) -> &'static str {
    if number.starts_with("+1") { "US" } else { "" }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn params_carry_the_message_and_its_media() {
        let inbound = Inbound {
            to: "+15550001111".into(),
            from: "+445550002222".into(),
            body: "a picture".into(),
            media: vec![
                ("https://m.example/1".into(), "image/jpeg".into()),
                ("https://m.example/2".into(), "image/png".into()),
            ],
            message_sid: None,
        };
        let p = params("ACx", "SMy", &inbound);
        assert_eq!(get(&p, "MessageSid"), Some("SMy"));
        assert_eq!(get(&p, "SmsSid"), Some("SMy"));
        assert_eq!(get(&p, "SmsMessageSid"), Some("SMy"));
        assert_eq!(get(&p, "NumMedia"), Some("2"));
        assert_eq!(get(&p, "MediaUrl1"), Some("https://m.example/2"));
        assert_eq!(get(&p, "MediaContentType0"), Some("image/jpeg"));
        assert_eq!(get(&p, "MediaUrl2"), None);
        assert_eq!(get(&p, "ToCountry"), Some("US"));
        assert_eq!(get(&p, "FromCountry"), Some(""));
        assert_eq!(get(&p, "NumSegments"), Some("1"));
        assert_eq!(get(&p, "MessagingServiceSid"), None);
    }

    #[test]
    fn a_long_body_counts_its_segments() {
        let inbound = Inbound {
            body: "x".repeat(161),
            ..Inbound::default()
        };
        assert_eq!(get(&params("AC", "SM", &inbound), "NumSegments"), Some("2"));
    }
}
