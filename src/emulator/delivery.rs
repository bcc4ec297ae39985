// Delivering an event: one job per subscribed webhook, which signs, POSTs, retries
// and records the failure, one attempt at a time on the pool (see `pool`).

mod pool;

pub(crate) use pool::Pool;

use std::sync::Arc;
use std::sync::mpsc::{self, Sender};
use std::time::{Duration, Instant};

use time::OffsetDateTime;
use uuid::Uuid;

use super::report::{self, Delivery};
use super::{
    Attempt, AttemptLog, AttemptResult, Event, InFlight, Outcome, Shared, WebhookDelivery,
};
use crate::config::{Scheme, UrlRules, check_url};
use crate::models::EventType;
use crate::models::{FailedEventId, SigningSecret};
use crate::signature::{sign_delivery_all, timestamp_ms};
use pool::enqueue;

/// Retries after the first attempt, as Revolut documents for webhooks v2.
pub(crate) const RETRIES: usize = 3;

/// The `Revolut-Signature` value: one `v1=` per secret, current secret first.
pub(crate) fn signature_header(secrets: &[String], timestamp_ms: u64, body: &[u8]) -> String {
    let secrets: Vec<SigningSecret> = secrets
        .iter()
        .map(|s| SigningSecret::from(s.as_str()))
        .collect();
    sign_delivery_all(&secrets, timestamp_ms, body)
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
        .proxy(delivery_proxy())
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

/// The deliveries' proxy, by the crate's one rule (`Proxy::for_url`, as the clients
/// and the CLI): plain http, which `target` sends to loopback hosts only, goes
/// direct; https goes through `HTTPS_PROXY`/`ALL_PROXY` unless `NO_PROXY` lists the
/// host. ureq's own default would send loopback http to `HTTP_PROXY`. One agent
/// serves every receiver, so the rule reaches ureq as a proxy with a no-proxy list:
/// the loopback hosts, then `NO_PROXY`'s entries, each also as a domain suffix (as
/// the library reads them). A variable that is not a usable proxy: no proxy.
fn delivery_proxy() -> Option<ureq::Proxy> {
    // Any https host NO_PROXY does not list gets this answer; `.invalid` is none.
    let url = crate::config::Proxy::from_env()
        .for_url("https://receiver.invalid/")
        .ok()??;
    let parsed = ureq::Proxy::new(&url).ok()?;
    let mut builder = ureq::Proxy::builder(parsed.protocol())
        .host(parsed.host())
        .port(parsed.port());
    if let Some(user) = parsed.username() {
        builder = builder.username(user);
    }
    if let Some(password) = parsed.password() {
        builder = builder.password(password);
    }
    for host in ["localhost", "127.", "[::1]", "::1"] {
        builder = builder.no_proxy(host);
    }
    let listed = ["NO_PROXY", "no_proxy"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
        .unwrap_or_default();
    for entry in listed.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let domain = entry.trim_start_matches("*.").trim_start_matches('.');
        builder = builder.no_proxy(domain).no_proxy(&format!(".{domain}"));
        if entry == "*" {
            return None;
        }
    }
    builder.build().ok()
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

/// The delivery of one event to one webhook: up to 1 + [`RETRIES`] attempts,
/// `retry_interval` apart. Each attempt reads the webhook's current URL and active
/// secrets, and stamps its own timestamp.
pub(crate) struct Job {
    /// Its place in the emitted event's report.
    pub index: usize,
    pub body: Arc<str>,
    pub created_at: OffsetDateTime,
    pub report: WebhookDelivery,
    /// The emitted event's type, for the attempt log.
    pub event_type: EventType,
    /// Where the report goes after the first attempt, once (the control endpoint's answer).
    pub first: Option<Sender<(usize, WebhookDelivery)>>,
    /// Where the finished report goes; dropping the job unsent reports it cancelled.
    pub done: Sender<(usize, WebhookDelivery)>,
    /// Held for its `Drop`: the job counts as in flight until it ends, however.
    pub _in_flight: InFlight,
}

/// What is left of a job after an attempt.
enum Next {
    Retry(Job),
    Finished,
}

impl Job {
    /// Makes the next attempt; finishes the job (sends its report) unless a retry is due.
    fn attempt(mut self, shared: &Shared) -> Next {
        let now = shared.now();
        let webhook_id = self.report.webhook_id;
        let Some((url, secrets)) = shared
            .lock()
            .hook(*webhook_id.as_uuid())
            .map(|h| (h.url.clone(), h.active_secrets(now)))
        else {
            return self.finish(); // the webhook was deleted: cancelled
        };
        let timestamp_ms = timestamp_ms(now);
        let signature = signature_header(&secrets, timestamp_ms, self.body.as_bytes());
        let started = Instant::now();
        let result = post(shared, &url, timestamp_ms, &signature, &self.body);
        let latency = started.elapsed();
        let success = result.is_success();
        self.report.url = url;
        self.report.attempts.push(Attempt {
            sent_at: now,
            timestamp_ms,
            signature,
            result,
            latency,
        });
        if success {
            self.report.outcome = Outcome::Delivered;
        } else if self.report.attempts.len() <= RETRIES {
            self.observe(shared, None);
            return Next::Retry(self);
        } else {
            self.record_failure(shared);
        }
        let failed = match self.report.outcome {
            Outcome::Failed { failed_event_id } => Some(failed_event_id),
            _ => None,
        };
        self.observe(shared, failed);
        self.finish()
    }

    /// Tells the observer and the control endpoint about the attempt just made.
    fn observe(&mut self, shared: &Shared, recorded_as_failed: Option<FailedEventId>) {
        if let (Some(observer), Some(attempt)) = (&shared.observer, self.report.attempts.last()) {
            let log = AttemptLog {
                event_type: self.event_type.clone(),
                webhook_id: self.report.webhook_id,
                url: self.report.url.clone(),
                attempt: self.report.attempts.len(),
                max_attempts: RETRIES + 1,
                sent_at: attempt.sent_at,
                latency: attempt.latency,
                result: attempt.result.clone(),
                signatures: attempt.signature_count(),
                recorded_as_failed,
            };
            // A panicking observer loses its line, never the delivery: the job and
            // the worker thread go on.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| observer(&log)));
        }
        // After the observer, so a log line is out before the control endpoint answers.
        if let Some(first) = self.first.take() {
            let _ = first.send((self.index, self.report.clone()));
        }
    }

    /// After the last failed attempt: lists the event among the webhook's failed events.
    fn record_failure(&mut self, shared: &Shared) {
        let webhook_id = self.report.webhook_id;
        let last_sent = self
            .report
            .attempts
            .last()
            .map_or(self.created_at, |a| a.sent_at);
        if let Some(id) = super::api::record_failure(
            shared,
            *webhook_id.as_uuid(),
            &self.report.url,
            &self.body,
            self.created_at,
            last_sent,
        ) {
            self.report.outcome = Outcome::Failed {
                failed_event_id: id.into(),
            };
        }
    }

    fn finish(self) -> Next {
        // The emitter may have dropped its `Delivery`: nobody to tell, nothing lost.
        let _ = self.done.send((self.index, self.report));
        Next::Finished
    }

    /// Whether it has not been tried yet: a first attempt is made even while the
    /// emulator stops, only retries are cancelled.
    fn untried(&self) -> bool {
        self.report.attempts.is_empty()
    }
}

/// Queues `event` for every webhook subscribed to its type (only `only` if given),
/// on the delivery pool.
pub(crate) fn emit(shared: &Arc<Shared>, event: &Event, only: Option<Uuid>) -> Delivery {
    let now = shared.now();
    let body: Arc<str> = event.body_at(now).into();
    let targets: Vec<Uuid> = shared
        .lock()
        .webhooks
        .iter()
        .filter(|h| h.events.contains(event.event_type()))
        .filter(|h| only.is_none_or(|id| id == h.id))
        .map(|h| h.id)
        .collect();
    *shared.in_flight() += targets.len();
    let (done, reports) = mpsc::channel();
    let (first, firsts) = mpsc::channel();
    for (index, &webhook_id) in targets.iter().enumerate() {
        let job = Job {
            index,
            body: body.clone(),
            created_at: now,
            report: report::cancelled(webhook_id),
            event_type: event.event_type().clone(),
            first: Some(first.clone()),
            done: done.clone(),
            _in_flight: InFlight(shared.clone()),
        };
        enqueue(shared, job);
    }
    Delivery {
        event_type: event.event_type().clone(),
        body: body.to_string(),
        targets,
        reports,
        firsts,
    }
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
