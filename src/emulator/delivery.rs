// Delivering an event: one job per subscribed webhook, which signs, POSTs, retries
// and records the failure, one attempt at a time on the pool (see `pool`).
//
// Below the routes, beside nothing: it reads and changes the state (`Store`) and
// imports no route.

mod job;
mod pool;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use uuid::Uuid;

use super::event::Event;
use super::report::{self, AttemptLog, AttemptResult, Delivery};
use super::state::Store;
use super::times::{after, truncate_micros};
use crate::config::{Scheme, UrlRules, check_url};
use crate::models::{EventType, SigningSecret};
use crate::signature::sign_delivery_all;
use job::Job;
use pool::{Pool, enqueue};

/// What [`EmulatorBuilder::on_attempt`](super::EmulatorBuilder::on_attempt) calls.
pub(crate) type Observer = Box<dyn Fn(&AttemptLog) + Send + Sync>;

/// How deliveries are made.
pub(crate) struct Settings {
    pub allow_loopback_http: bool,
    pub retry_interval: Duration,
    /// Whether a retry also falls due when the emulator's clock (a test's
    /// `ManualClock`) has moved by the retry interval, not only real time.
    pub retry_on_clock: bool,
    pub faults: Faults,
}

/// The unreliable sender's switches: each picks every Nth delivery (one event to
/// one webhook, numbered from 1 in the order they are queued); 0 is off.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Faults {
    pub duplicate_every: u32,
    pub reorder_every: u32,
}

/// Whether delivery number `number` (from 1) is picked by a switch set to `every`.
pub(crate) fn every_nth(number: u64, every: u32) -> bool {
    every != 0 && number.is_multiple_of(u64::from(every))
}

/// The deliveries of one emulator: its HTTP agent, its pool of workers, and the
/// count of deliveries under way.
pub(crate) struct Deliverer {
    store: Arc<Store>,
    settings: Settings,
    agent: ureq::Agent,
    stopped: Mutex<bool>,
    stop_signal: Condvar,
    in_flight: Mutex<usize>,
    idle_signal: Condvar,
    pool: Pool,
    observer: Option<Observer>,
    /// How many deliveries were queued, for the every-Nth switches.
    numbered: AtomicU64,
}

impl Deliverer {
    pub(crate) fn new(
        store: Arc<Store>,
        settings: Settings,
        agent: ureq::Agent,
        observer: Option<Observer>,
    ) -> Deliverer {
        Deliverer {
            store,
            settings,
            agent,
            stopped: Mutex::new(false),
            stop_signal: Condvar::new(),
            in_flight: Mutex::new(0),
            idle_signal: Condvar::new(),
            pool: Pool::default(),
            observer,
            numbered: AtomicU64::new(0),
        }
    }

    /// Sleeps `d` of real time; `false` if the emulator stopped meanwhile.
    fn sleep(&self, d: Duration) -> bool {
        let deadline = after(d);
        let mut stopped = self.stopped.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if *stopped {
                return false;
            }
            let now = Instant::now();
            if now >= deadline {
                return true;
            }
            stopped = self
                .stop_signal
                .wait_timeout(stopped, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// Cancels pending retries; first attempts still go out.
    pub(crate) fn stop(&self) {
        *self.stopped.lock().unwrap_or_else(|e| e.into_inner()) = true;
        self.stop_signal.notify_all();
        self.pool.wake_all();
    }

    fn is_stopped(&self) -> bool {
        *self.stopped.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn in_flight(&self) -> MutexGuard<'_, usize> {
        self.in_flight.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until no delivery is under way, at most `timeout`; `true` if none is.
    pub(crate) fn wait_idle(&self, timeout: Duration) -> bool {
        let deadline = after(timeout);
        let mut n = self.in_flight();
        while *n > 0 {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            n = self
                .idle_signal
                .wait_timeout(n, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        true
    }
}

/// Marks one delivery finished when dropped, even if it panicked.
pub(crate) struct InFlight(Arc<Deliverer>);

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut n = self.0.in_flight();
        *n = n.saturating_sub(1);
        self.0.idle_signal.notify_all();
    }
}

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
    deliverer: &Deliverer,
    url: &str,
    timestamp_ms: u64,
    signature: &str,
    body: &str,
) -> AttemptResult {
    let target = match target(deliverer.settings.allow_loopback_http, url) {
        Ok(target) => target,
        Err(why) => return AttemptResult::Error(why),
    };
    let result = deliverer
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

/// Queues `event` for every webhook subscribed to its type (only `only` if given),
/// on the delivery pool.
pub(crate) fn emit(deliverer: &Arc<Deliverer>, event: &Event, only: Option<Uuid>) -> Delivery {
    let now = deliverer.store.now();
    let body: Arc<str> = event.body_at(now).into();
    remember_transaction(&deliverer.store, event, now);
    let targets: Vec<Uuid> = deliverer
        .store
        .lock()
        .webhooks
        .iter()
        .filter(|h| h.events.contains(event.event_type()))
        .filter(|h| only.is_none_or(|id| id == h.id))
        .map(|h| h.id)
        .collect();
    let first_number = deliverer
        .numbered
        .fetch_add(targets.len() as u64, Ordering::Relaxed)
        + 1;
    *deliverer.in_flight() += targets.len();
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
            _in_flight: InFlight(deliverer.clone()),
            duplicate: false,
            then: None,
        };
        let number = first_number + index as u64;
        let faults = &deliverer.settings.faults;
        let job = Job {
            duplicate: every_nth(number, faults.duplicate_every),
            ..job
        };
        enqueue(deliverer, job, every_nth(number, faults.reorder_every));
    }
    Delivery {
        event_type: event.event_type().clone(),
        body: body.to_string(),
        targets,
        reports,
        firsts,
    }
}

/// Remembers the transaction a `TransactionCreated` event announces, so the sandbox
/// endpoints can change its state as Revolut's would.
fn remember_transaction(store: &Store, event: &Event, now: time::OffsetDateTime) {
    if *event.event_type() != EventType::TransactionCreated {
        return;
    }
    let data = event.data();
    let (Some(id), Some(state)) = (
        data["id"].as_str().and_then(|id| Uuid::parse_str(id).ok()),
        data["state"].as_str(),
    ) else {
        return;
    };
    let request_id = data["request_id"].as_str().map(str::to_owned);
    store
        .lock()
        .transactions
        .record(id, state, request_id, truncate_micros(now));
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
    fn every_nth_picks_multiples_of_n_and_zero_is_off() {
        let picked = |every| {
            (1..=12)
                .filter(|&n| every_nth(n, every))
                .collect::<Vec<_>>()
        };
        assert_eq!(picked(0), Vec::<u64>::new());
        assert_eq!(picked(1), (1..=12).collect::<Vec<_>>());
        assert_eq!(picked(5), vec![5, 10]);
        assert!(every_nth(u64::MAX, 1) && !every_nth(u64::MAX, 2));
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
