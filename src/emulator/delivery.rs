// Delivering one event to one webhook: sign, POST, retry, record the failure.

use std::time::Duration;

use time::OffsetDateTime;
use uuid::Uuid;

use super::{Attempt, AttemptResult, Outcome, Shared, WebhookDelivery};
use crate::config::{Scheme, UrlRules, check_url};
use crate::models::SigningSecret;
use crate::signature::{sign_all, timestamp_ms};

/// Retries after the first attempt, as Revolut documents for webhooks v2.
pub(crate) const RETRIES: usize = 3;

/// The `Revolut-Signature` value: one `v1=` per secret, current secret first.
pub(crate) fn signature_header(secrets: &[String], timestamp_ms: u64, body: &[u8]) -> String {
    let secrets: Vec<SigningSecret> = secrets
        .iter()
        .map(|s| SigningSecret::from(s.as_str()))
        .collect();
    sign_all(&secrets, timestamp_ms, body)
}

/// Where to POST: the webhook's URL, except that with loopback http allowed a
/// loopback `https` URL is reached over plain http (a local test receiver rarely has
/// a certificate, and the client only lets you register https URLs).
pub(crate) fn target(allow_loopback_http: bool, url: &str) -> Result<String, String> {
    let checked = check_url(url, "url", UrlRules::Webhook).map_err(|e| e.reason)?;
    let loopback = checked.host.is_loopback();
    match checked.scheme {
        Scheme::Https if allow_loopback_http && loopback => {
            Ok(format!("http://{}", checked.after_scheme))
        }
        Scheme::Https => Ok(url.to_owned()),
        Scheme::Http if allow_loopback_http && loopback => Ok(url.to_owned()),
        _ => Err("plain http delivery is allowed only to loopback hosts, and only when the emulator allows it".to_owned()),
    }
}

pub(crate) fn new_agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        // A receiver's redirect is not followed: it counts as a failed attempt.
        .max_redirects(0)
        .max_redirects_will_error(false)
        .timeout_global(Some(timeout))
        .user_agent(concat!(
            "revolut-webhooks-emulator/",
            env!("CARGO_PKG_VERSION")
        ))
        .build()
        .into()
}

fn post(
    shared: &Shared,
    url: &str,
    timestamp_ms: u64,
    signature: &str,
    body: &str,
) -> AttemptResult {
    let target = match target(shared.config.allow_loopback_http, url) {
        Ok(target) => target,
        Err(why) => return AttemptResult::Error(why),
    };
    let result = shared
        .agent
        .post(&target)
        .header("content-type", "application/json")
        .header("Revolut-Request-Timestamp", timestamp_ms.to_string())
        .header("Revolut-Signature", signature)
        .send(body.as_bytes());
    match result {
        Ok(mut response) => {
            // Drain a little of the body so the connection can be reused.
            let _ = response
                .body_mut()
                .with_config()
                .limit(64 * 1024)
                .read_to_vec();
            AttemptResult::Status(response.status().as_u16())
        }
        Err(ureq::Error::Timeout(_)) => AttemptResult::Error("timed out".to_owned()),
        Err(e) => AttemptResult::Error(e.to_string()),
    }
}

/// Delivers `body` to the webhook `webhook_id`: up to 1 + [`RETRIES`] attempts,
/// `retry_interval` apart. Each attempt reads the webhook's current URL and active
/// secrets, and stamps its own timestamp.
pub(crate) fn deliver(
    shared: &Shared,
    webhook_id: Uuid,
    body: &str,
    created_at: OffsetDateTime,
) -> WebhookDelivery {
    let mut report = WebhookDelivery {
        webhook_id,
        url: String::new(),
        attempts: Vec::new(),
        outcome: Outcome::Cancelled,
    };
    for attempt in 0..=RETRIES {
        if attempt > 0 && !shared.sleep(shared.config.retry_interval) {
            return report; // the emulator stopped
        }
        let now = shared.now();
        let Some((url, secrets)) = shared
            .lock()
            .hook(webhook_id)
            .map(|h| (h.url.clone(), h.active_secrets(now)))
        else {
            return report; // the webhook was deleted
        };
        let timestamp_ms = timestamp_ms(now);
        let signature = signature_header(&secrets, timestamp_ms, body.as_bytes());
        let result = post(shared, &url, timestamp_ms, &signature, body);
        let success = result.is_success();
        report.url = url;
        report.attempts.push(Attempt {
            sent_at: now,
            timestamp_ms,
            signature,
            result,
        });
        if success {
            report.outcome = Outcome::Delivered;
            return report;
        }
    }
    let last_sent = report.attempts.last().map_or(created_at, |a| a.sent_at);
    if let Some(id) =
        super::api::record_failure(shared, webhook_id, &report.url, body, created_at, last_sent)
    {
        report.outcome = Outcome::Failed {
            failed_event_id: id,
        };
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_the_official_vector() {
        let body = br#"{"data":{"id":"645a7696-22f3-aa47-9c74-cbae0449cc46","new_state":"completed","old_state":"pending","request_id":"app_charges-9f5d5eb3-1e06-46c5-b1c0-3914763e0bcb"},"event":"TransactionStateChanged","timestamp":"2023-05-09T16:36:38.028960Z"}"#;
        let secret = "wsk_r59a4HfWVAKycbCaNO1RvgCJec02gRd8".to_owned();
        let expected = "v1=bca326fb378d0da7f7c490ad584a8106bab9723d8d9cdd0d50b4c5b3be3837c0";
        assert_eq!(
            signature_header(std::slice::from_ref(&secret), 1683650202360, body),
            expected
        );
        let both = signature_header(&["wsk_other".into(), secret], 1683650202360, body);
        assert!(both.ends_with(&format!(",{expected}")));
        assert_eq!(both.matches("v1=").count(), 2);
    }

    #[test]
    fn targets() {
        assert_eq!(
            target(false, "https://example.com/h").unwrap(),
            "https://example.com/h"
        );
        assert_eq!(
            target(false, "https://127.0.0.1:9/h").unwrap(),
            "https://127.0.0.1:9/h"
        );
        assert_eq!(
            target(true, "https://127.0.0.1:9/h").unwrap(),
            "http://127.0.0.1:9/h"
        );
        assert_eq!(
            target(true, "http://localhost:9/h").unwrap(),
            "http://localhost:9/h"
        );
        assert_eq!(
            target(true, "https://example.com/h").unwrap(),
            "https://example.com/h"
        );
        assert!(target(false, "http://127.0.0.1:9/h").is_err());
        assert!(target(true, "http://example.com/h").is_err());
        assert!(target(true, "ftp://127.0.0.1/h").is_err());
    }
}
