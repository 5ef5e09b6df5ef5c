//! `evo carrier-sim send`: one signed inbound webhook, straight from this process.

use crate::carrier::sim::{Inbound, deliver_inbound};
use clap::Args;
use std::io::Write;
use std::time::Duration;

/// Twilio gives up on a messaging webhook after 15 seconds; so does this.
const TIMEOUT: Duration = Duration::from_secs(15);

/// How much of a refusing target's body the error line quotes.
const QUOTED_BODY_CHARS: usize = 200;

#[derive(Debug, Args)]
pub struct SendArgs {
    /// The number the message is sent to: one of the receiver's numbers (E.164).
    #[arg(long)]
    pub to: String,

    /// The remote party sending it (E.164).
    #[arg(long)]
    pub from: String,

    /// The text; may be empty for a media-only message.
    #[arg(long)]
    pub body: String,

    /// The webhook URL, e.g. http://127.0.0.1:8080/webhooks/twilio/sms. The signature covers
    /// it exactly as written, so write it as the receiver will see it.
    #[arg(long)]
    pub target: String,

    /// The account SID posted as AccountSid.
    #[arg(long, env = "EVO_SIM_ACCOUNT_SID")]
    pub account_sid: String,

    /// The auth token that signs the request (the one the receiver checks against).
    #[arg(long, env = "EVO_SIM_AUTH_TOKEN", hide_env_values = true)]
    pub auth_token: String,

    /// An attachment URL; repeat it, each with its --media-type, in the same order.
    #[arg(long = "media-url")]
    pub media_urls: Vec<String>,

    /// The content type of the --media-url in the same position (e.g. image/jpeg).
    #[arg(long = "media-type")]
    pub media_types: Vec<String>,

    /// Reuse a MessageSid (to replay a delivery); a fresh SM… one by default.
    #[arg(long)]
    pub message_sid: Option<String>,
}

pub async fn run(args: SendArgs) -> anyhow::Result<()> {
    if args.media_urls.len() != args.media_types.len() {
        anyhow::bail!(
            "--media-url and --media-type go in pairs (got {} and {})",
            args.media_urls.len(),
            args.media_types.len()
        );
    }
    let inbound = Inbound {
        to: args.to,
        from: args.from,
        body: args.body,
        media: args.media_urls.into_iter().zip(args.media_types).collect(),
        message_sid: args.message_sid,
    };
    // reqwest is built without a default TLS provider; an https target needs one.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .user_agent("TwilioProxy/1.1")
        .build()?;
    let result = deliver_inbound(
        &client,
        &args.target,
        &args.account_sid,
        &args.auth_token,
        &inbound,
    )
    .await?;
    if !result.is_success() {
        anyhow::bail!(
            "{} answered {} to {}: {}",
            args.target,
            result.status,
            result.message_sid,
            one_line(&result.body)
        );
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "{} {}", result.message_sid, result.status)?;
    out.flush()?;
    Ok(())
}

/// The error must stay one line whatever the target sent back.
fn one_line(body: &str) -> String {
    let flat = body.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(QUOTED_BODY_CHARS) {
        Some((cut, _)) => format!("{}…", &flat[..cut]),
        None if flat.is_empty() => "(empty body)".to_owned(),
        None => flat,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_are_flattened_and_cut() {
        assert_eq!(one_line("<a>\n  oops\r\n</a>"), "<a> oops </a>");
        assert_eq!(one_line(""), "(empty body)");
        let long = one_line(&"é".repeat(500));
        assert_eq!(long.chars().count(), QUOTED_BODY_CHARS + 1);
    }
}
