//! A local emulator of the Revolut Business webhooks API, for examples and tests
//! that need no Revolut account.
//!
//! [`Emulator`] serves, on `127.0.0.1`, the seven webhook endpoints of `api/2.0` and
//! the token endpoint of `api/1.0`, stateful and strict: the same status codes,
//! error codes and messages as Revolut documents them. It also delivers events:
//! [`Emulator::emit`] POSTs a realistic, signed event to every webhook subscribed to
//! its type, retries a failed delivery three more times, and lists what still failed
//! under `failed-events`. Its clock can be a [`ManualClock`](crate::ManualClock), so
//! token expiry, secret expiry and the 21-day window are testable without waiting.
//!
//! ```
//! use std::time::Duration;
//! use revolut_webhooks::blocking::Client;
//! use revolut_webhooks::emulator::{Emulator, Event};
//! use revolut_webhooks::{CreateWebhook, EventType};
//! use revolut_webhooks::auth::StaticToken;
//!
//! let emulator = Emulator::builder()
//!     .retry_interval(Duration::from_millis(10))
//!     .start()?;
//! let client = Client::builder()
//!     .environment(emulator.environment())
//!     .token_provider(StaticToken::new(emulator.access_token().expose_secret()))
//!     .build()?;
//!
//! // Nothing listens on port 1: every delivery to this webhook fails.
//! let hook = client.webhooks().create(
//!     &CreateWebhook::new("https://127.0.0.1:1/hooks/revolut")?
//!         .with_events([EventType::TransactionCreated])?,
//! )?;
//! assert!(hook.signing_secret.expose_secret().starts_with("wsk_"));
//! assert_eq!(client.webhooks().list()?.len(), 1);
//!
//! // The delivery fails four times and is then listed among the failed events.
//! let report = emulator.emit_and_wait(Event::transaction_created());
//! assert_eq!(report.deliveries[0].attempts.len(), 4);
//! let failed = client.webhooks().failed_events(hook.id, &Default::default())?;
//! assert_eq!(failed.len(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Run it on its own, for receivers written in any language:
//! `cargo run --features emulator --example emulator -- --port 8080`.
//!
//! # Differences from Revolut
//!
//! - The initial [`access_token`](Emulator::access_token) never expires (tokens from
//!   the token endpoint expire after 40 minutes, as Revolut's do). Tokens carry every
//!   scope; scopes, IP allow-lists and the rate limit are not emulated.
//! - The client assertion JWT is required but its signature is not checked.
//! - With [`allow_loopback_http`](EmulatorBuilder::allow_loopback_http), `http://`
//!   webhook URLs to loopback hosts are accepted, and loopback `https://` URLs are
//!   delivered over plain http.
//! - Extra, non-Revolut endpoints under `/_emulator/` drive it over HTTP (see the
//!   `emulator` example).
//! - Its own errors, which Revolut does not document (unknown paths, wrong methods,
//!   malformed HTTP), have the API's `{code, message}` shape with the HTTP status as
//!   the code.

mod api;
mod delivery;
mod event;
mod http;

use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, mpsc};
use std::time::{Duration, Instant};

use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::models::{FailedEventId, WebhookId};

pub use event::Event;

use crate::auth::AccessToken;
use crate::clock::{Clock, SystemClock};
use crate::config::Environment;
use crate::models::{EventType, SigningSecret};
use api::State;
use http::{Request, Response, Server};

/// Revolut's documented interval between delivery retries: 10 minutes.
pub const DEFAULT_RETRY_INTERVAL: Duration = Duration::from_secs(600);
/// How long the emulator waits for a receiver's answer by default (Revolut does not
/// document its own timeout).
pub const DEFAULT_DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a connection may take to send a complete request head by default:
/// 5 seconds (see [`EmulatorBuilder::head_timeout`]).
pub const DEFAULT_HEAD_TIMEOUT: Duration = http::DEFAULT_HEAD_TIMEOUT;
/// How long an access token from the token endpoint is valid: 40 minutes.
pub const ACCESS_TOKEN_LIFETIME: Duration = Duration::from_secs(40 * 60);

pub(crate) struct Config {
    pub allow_loopback_http: bool,
    pub retry_interval: Duration,
    pub business_id: Uuid,
    pub client_id: Option<String>,
}

pub(crate) struct Shared {
    clock: Arc<dyn Clock>,
    state: Mutex<State>,
    pub config: Config,
    agent: ureq::Agent,
    stopped: Mutex<bool>,
    stop_signal: Condvar,
    in_flight: Mutex<usize>,
    idle_signal: Condvar,
    pool: delivery::Pool,
    observer: Option<Observer>,
}

/// What [`EmulatorBuilder::on_attempt`] calls.
type Observer = Box<dyn Fn(&AttemptLog) + Send + Sync>;

impl Shared {
    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    pub fn lock(&self) -> MutexGuard<'_, State> {
        // State changes are single assignments; a panic elsewhere cannot tear them.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
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

    fn stop(&self) {
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
}

/// Marks one delivery finished when dropped, even if it panicked.
struct InFlight(Arc<Shared>);

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut n = self.0.in_flight();
        *n = n.saturating_sub(1);
        self.0.idle_signal.notify_all();
    }
}

/// Queues `event` for every webhook subscribed to its type (only `only` if given),
/// on the delivery pool.
fn emit(shared: &Arc<Shared>, event: &Event, only: Option<Uuid>) -> Delivery {
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
        let job = delivery::Job {
            index,
            body: body.clone(),
            created_at: now,
            report: cancelled(webhook_id),
            event_type: event.event_type().clone(),
            first: Some(first.clone()),
            done: done.clone(),
            _in_flight: InFlight(shared.clone()),
        };
        delivery::enqueue(shared, job);
    }
    Delivery {
        event_type: event.event_type().clone(),
        body: body.to_string(),
        targets,
        reports,
        firsts,
    }
}

/// A delivery that made no attempt (yet).
fn cancelled(webhook_id: Uuid) -> WebhookDelivery {
    WebhookDelivery {
        webhook_id: webhook_id.into(),
        url: String::new(),
        attempts: Vec::new(),
        outcome: Outcome::Cancelled,
    }
}

/// The deliveries of one emitted event, under way. [`wait`](Delivery::wait) for
/// the report; dropping it lets the deliveries go on in the background.
#[must_use = "call .wait() to know how the delivery went"]
pub struct Delivery {
    event_type: EventType,
    body: String,
    targets: Vec<Uuid>,
    /// Each job's report, by its index in `targets`.
    reports: mpsc::Receiver<(usize, WebhookDelivery)>,
    /// Each job's report after its first attempt, by index.
    firsts: mpsc::Receiver<(usize, WebhookDelivery)>,
}

impl fmt::Debug for Delivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Delivery")
            .field("event_type", &self.event_type)
            .field("webhooks", &self.targets.len())
            .finish()
    }
}

impl Delivery {
    /// How many webhooks the event is being delivered to.
    pub fn webhook_count(&self) -> usize {
        self.targets.len()
    }

    /// The exact body being delivered (and signed).
    pub fn body(&self) -> &str {
        &self.body
    }

    /// Waits for the first attempt to every webhook: the reports then hold one
    /// attempt each (none for a webhook deleted meanwhile). Retries go on.
    fn first_attempts(&self) -> Vec<WebhookDelivery> {
        collect(&self.firsts, &self.targets)
    }

    /// Waits until every webhook's delivery has succeeded, failed for good (after
    /// all retries) or been cancelled, and reports how each went.
    pub fn wait(self) -> DeliveryReport {
        let deliveries = collect(&self.reports, &self.targets);
        DeliveryReport {
            event_type: self.event_type,
            body: self.body,
            deliveries,
        }
    }
}

/// One report per target, in order, from jobs that send `(index, report)`.
fn collect(
    reports: &mpsc::Receiver<(usize, WebhookDelivery)>,
    targets: &[Uuid],
) -> Vec<WebhookDelivery> {
    let mut slots: Vec<Option<WebhookDelivery>> = vec![None; targets.len()];
    // Ends when every job reported or was dropped unreported (say by a panic),
    // which closes the channel.
    while !slots.iter().all(Option::is_some) {
        let Ok((index, report)) = reports.recv() else {
            break;
        };
        if let Some(slot) = slots.get_mut(index) {
            *slot = Some(report);
        }
    }
    slots
        .into_iter()
        .zip(targets)
        .map(|(slot, &id)| slot.unwrap_or_else(|| cancelled(id)))
        .collect()
}

/// How an emitted event's deliveries went.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeliveryReport {
    /// The event's type.
    pub event_type: EventType,
    /// The exact body that was delivered and signed.
    pub body: String,
    /// One entry per webhook subscribed to the type, in creation order.
    pub deliveries: Vec<WebhookDelivery>,
}

impl DeliveryReport {
    /// Whether every subscribed webhook acknowledged the event (true when none was subscribed).
    pub fn all_delivered(&self) -> bool {
        self.deliveries
            .iter()
            .all(|d| d.outcome == Outcome::Delivered)
    }

    /// The delivery to one webhook, if it was subscribed.
    pub fn for_webhook(&self, id: WebhookId) -> Option<&WebhookDelivery> {
        self.deliveries.iter().find(|d| d.webhook_id == id)
    }
}

/// The delivery of one event to one webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WebhookDelivery {
    /// The webhook.
    pub webhook_id: WebhookId,
    /// Its URL at the last attempt.
    pub url: String,
    /// Every attempt, first to last: at most four (one and three retries).
    pub attempts: Vec<Attempt>,
    /// How it ended.
    pub outcome: Outcome,
}

/// How the delivery to one webhook ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// An attempt got a 2xx answer.
    Delivered,
    /// Every attempt failed; the event is listed in the webhook's failed events.
    Failed {
        /// The `id` of the failed event.
        failed_event_id: FailedEventId,
    },
    /// Stopped early: the webhook was deleted or the emulator shut down.
    Cancelled,
}

/// One POST to a receiver.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Attempt {
    /// When it was sent, on the emulator's clock.
    pub sent_at: OffsetDateTime,
    /// The `Revolut-Request-Timestamp` header: `sent_at` in Unix milliseconds.
    pub timestamp_ms: u64,
    /// The `Revolut-Signature` header: a `v1=<hex>` per active signing secret,
    /// current secret first, separated by commas.
    pub signature: String,
    /// What came back.
    pub result: AttemptResult,
    /// From sending the request to its answer's status (or the error), in real time.
    pub latency: Duration,
}

impl Attempt {
    /// How many signatures the `Revolut-Signature` header carried: one per active secret.
    pub fn signature_count(&self) -> usize {
        self.signature
            .split(',')
            .filter(|s| s.starts_with("v1="))
            .count()
    }
}

/// One delivery attempt, as [`EmulatorBuilder::on_attempt`] sees it just after it
/// was made: a live log of what the emulator sends.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AttemptLog {
    /// The event's type.
    pub event_type: EventType,
    /// The webhook delivered to.
    pub webhook_id: WebhookId,
    /// The URL it was POSTed to.
    pub url: String,
    /// Which attempt this was, from 1.
    pub attempt: usize,
    /// How many attempts a delivery gets at most: 4 (one and three retries).
    pub max_attempts: usize,
    /// When it was sent, on the emulator's clock.
    pub sent_at: OffsetDateTime,
    /// From sending the request to its answer's status (or the error), in real time.
    pub latency: Duration,
    /// What came back.
    pub result: AttemptResult,
    /// How many signatures the `Revolut-Signature` header carried.
    pub signatures: usize,
    /// Set after the last attempt failed: the id under which the event is now listed
    /// among the webhook's failed events.
    pub recorded_as_failed: Option<FailedEventId>,
}

/// What a receiver answered.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AttemptResult {
    /// An HTTP status; 2xx counts as delivered.
    Status(u16),
    /// No answer: connection refused, timeout, TLS error, refused target…
    Error(String),
}

impl fmt::Display for AttemptResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttemptResult::Status(status) => write!(f, "HTTP {status}"),
            AttemptResult::Error(error) => f.write_str(error),
        }
    }
}

impl AttemptResult {
    /// Whether the receiver answered with a 2xx status.
    pub fn is_success(&self) -> bool {
        matches!(self, AttemptResult::Status(s) if (200..300).contains(s))
    }
}

/// Configures an [`Emulator`]; get one from [`Emulator::builder`].
pub struct EmulatorBuilder {
    port: u16,
    clock: Arc<dyn Clock>,
    retry_interval: Duration,
    delivery_timeout: Duration,
    head_timeout: Duration,
    allow_loopback_http: bool,
    access_token: Option<String>,
    authorization_code: Option<String>,
    client_id: Option<String>,
    observer: Option<Observer>,
}

impl fmt::Debug for EmulatorBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorBuilder")
            .field("port", &self.port)
            .field("clock", &self.clock)
            .field("retry_interval", &self.retry_interval)
            .field("delivery_timeout", &self.delivery_timeout)
            .field("head_timeout", &self.head_timeout)
            .field("allow_loopback_http", &self.allow_loopback_http)
            .finish_non_exhaustive()
    }
}

impl EmulatorBuilder {
    /// The port on 127.0.0.1 (default 0: any free port).
    #[must_use]
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The clock for every time-dependent rule: token and secret expiry, the 21-day
    /// window, event timestamps. Pass a [`ManualClock`](crate::ManualClock) (and keep a
    /// clone) to move time in tests. Default: [`SystemClock`].
    #[must_use]
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The real time between delivery attempts (default [`DEFAULT_RETRY_INTERVAL`],
    /// 10 minutes as Revolut documents; set a few milliseconds in tests).
    #[must_use]
    pub fn retry_interval(mut self, interval: Duration) -> Self {
        self.retry_interval = interval;
        self
    }

    /// How long to wait for a receiver's answer before the attempt counts as failed
    /// (default [`DEFAULT_DELIVERY_TIMEOUT`]).
    #[must_use]
    pub fn delivery_timeout(mut self, timeout: Duration) -> Self {
        self.delivery_timeout = timeout;
        self
    }

    /// How long a connection may take to send a complete request head (default
    /// [`DEFAULT_HEAD_TIMEOUT`]), counted from when the emulator starts waiting for
    /// it: from the connection's opening, or from the previous answer on a
    /// keep-alive connection. An idle connection is then closed, a partial head
    /// answered 408, so idle and slow clients cannot hold the server's connections.
    #[must_use]
    pub fn head_timeout(mut self, timeout: Duration) -> Self {
        self.head_timeout = timeout;
        self
    }

    /// Accept `http://` webhook URLs to loopback hosts (`127.0.0.0/8`, `localhost`,
    /// `[::1]`), and deliver to loopback `https://` URLs over plain http. Off by
    /// default: like Revolut, the emulator then accepts `https` URLs only.
    #[must_use]
    pub fn allow_loopback_http(mut self, allow: bool) -> Self {
        self.allow_loopback_http = allow;
        self
    }

    /// The initial access token, which never expires (default: a random one).
    #[must_use]
    pub fn access_token(mut self, token: impl Into<String>) -> Self {
        self.access_token = Some(token.into());
        self
    }

    /// An authorization code the token endpoint accepts once (in addition to those
    /// from [`Emulator::authorization_code`]).
    #[must_use]
    pub fn authorization_code(mut self, code: impl Into<String>) -> Self {
        self.authorization_code = Some(code.into());
        self
    }

    /// The client id: the token endpoint then refuses a request whose `client_id`
    /// differs (requests without one are accepted).
    #[must_use]
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// Calls `observer` after every delivery attempt, on the delivery thread that
    /// made it (so it should return quickly: send to a channel, print a line). It
    /// sees each attempt exactly once, first attempts and retries alike. If it
    /// panics, that attempt's log is lost but the delivery goes on.
    #[must_use]
    pub fn on_attempt(mut self, observer: impl Fn(&AttemptLog) + Send + Sync + 'static) -> Self {
        self.observer = Some(Box::new(observer));
        self
    }

    /// Binds 127.0.0.1 and starts serving.
    pub fn start(self) -> io::Result<Emulator> {
        let mut state = State::default();
        let token = self
            .access_token
            .unwrap_or_else(|| format!("oa_emu_{}", random_string(40)));
        state.tokens.insert(token.clone(), None);
        if let Some(code) = self.authorization_code {
            state.codes.insert(code);
        }
        let shared = Arc::new(Shared {
            clock: self.clock,
            state: Mutex::new(state),
            config: Config {
                allow_loopback_http: self.allow_loopback_http,
                retry_interval: self.retry_interval,
                business_id: Uuid::new_v4(),
                client_id: self.client_id,
            },
            agent: delivery::new_agent(self.delivery_timeout),
            stopped: Mutex::new(false),
            stop_signal: Condvar::new(),
            in_flight: Mutex::new(0),
            idle_signal: Condvar::new(),
            pool: delivery::Pool::default(),
            observer: self.observer,
        });
        let handler_shared = shared.clone();
        let server = Server::bind(
            SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, self.port)),
            Arc::new(move |request| api::handle(&handler_shared, request)),
            http::Limits {
                head_timeout: self.head_timeout,
            },
        )?;
        Ok(Emulator {
            base_url: format!("http://{}", server.addr()),
            shared,
            server,
            access_token: AccessToken::new(token),
        })
    }
}

/// A running emulator; it stops when dropped (see [the module docs](self)).
pub struct Emulator {
    shared: Arc<Shared>,
    server: Server,
    base_url: String,
    access_token: AccessToken,
}

impl fmt::Debug for Emulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emulator")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl Emulator {
    /// Starts an emulator with the defaults on a free port.
    pub fn start() -> io::Result<Emulator> {
        Emulator::builder().start()
    }

    /// Configures an emulator.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder {
            port: 0,
            clock: Arc::new(SystemClock),
            retry_interval: DEFAULT_RETRY_INTERVAL,
            delivery_timeout: DEFAULT_DELIVERY_TIMEOUT,
            head_timeout: DEFAULT_HEAD_TIMEOUT,
            allow_loopback_http: false,
            access_token: None,
            authorization_code: None,
            client_id: None,
            observer: None,
        }
    }

    /// The host root, such as `http://127.0.0.1:38211` (webhooks under `/api/2.0`,
    /// the token endpoint at `/api/1.0/auth/token`).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// The environment to give a client.
    pub fn environment(&self) -> Environment {
        Environment::custom(&self.base_url).expect("a loopback http URL is a valid environment")
    }

    /// The initial access token; it never expires.
    pub fn access_token(&self) -> &AccessToken {
        &self.access_token
    }

    /// A new access token that expires 40 minutes from now on the emulator's clock,
    /// as one from the token endpoint would.
    pub fn issue_access_token(&self) -> AccessToken {
        let now = self.shared.now();
        AccessToken::new(self.shared.lock().issue_token(now))
    }

    /// A new authorization code, as the consent screen would give: the token
    /// endpoint exchanges it once for an access and a refresh token.
    pub fn authorization_code(&self) -> String {
        let code = format!("oa_emu_code_{}", random_string(24));
        self.shared.lock().codes.insert(code.clone());
        code
    }

    /// The emulator's current time.
    pub fn now(&self) -> OffsetDateTime {
        self.shared.now()
    }

    /// The signing secrets of a webhook that are valid now, current first (empty
    /// for an unknown webhook). Each delivery is signed with all of them.
    pub fn active_signing_secrets(&self, webhook_id: WebhookId) -> Vec<SigningSecret> {
        let now = self.shared.now();
        self.shared
            .lock()
            .hook(*webhook_id.as_uuid())
            .map(|h| h.active_secrets(now))
            .unwrap_or_default()
            .into_iter()
            .map(SigningSecret::from)
            .collect()
    }

    /// Delivers `event` to every webhook subscribed to its type, in the background:
    /// a POST with `Revolut-Request-Timestamp` and `Revolut-Signature`, retried three
    /// more times at the retry interval until a 2xx answer. [`Delivery::wait`] gives
    /// the report.
    pub fn emit(&self, event: Event) -> Delivery {
        emit(&self.shared, &event, None)
    }

    /// [`emit`](Self::emit) and [`wait`](Delivery::wait).
    pub fn emit_and_wait(&self, event: Event) -> DeliveryReport {
        self.emit(event).wait()
    }

    /// Waits until no delivery is under way, at most `timeout`; `true` if none is.
    pub fn wait_idle(&self, timeout: Duration) -> bool {
        let deadline = after(timeout);
        let mut n = self.shared.in_flight();
        while *n > 0 {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            n = self
                .shared
                .idle_signal
                .wait_timeout(n, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        true
    }

    /// Stops serving and cancels pending retries (dropping it does the same).
    pub fn shutdown(self) {}
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.shared.stop();
        self.server.shutdown();
    }
}

/// The non-Revolut endpoints under `/_emulator`, to drive a standalone emulator.
fn control(shared: &Arc<Shared>, request: &Request, rest: &str) -> Response {
    match (request.method.as_str(), rest) {
        ("GET", "/health") => Response::json(200, &json!({ "status": "ok" })),
        ("POST", "/authorization-code") => {
            let code = format!("oa_emu_code_{}", random_string(24));
            shared.lock().codes.insert(code.clone());
            Response::json(201, &json!({ "code": code }))
        }
        ("POST", "/events") => {
            let body: serde_json::Value = match serde_json::from_slice(&request.body) {
                Ok(v) => v,
                Err(_) if request.body.is_empty() => json!({}),
                Err(e) => {
                    return Response::refusal(400, format!("bad JSON: {e}"));
                }
            };
            let Some(name) = body.get("event").and_then(|v| v.as_str()) else {
                return Response::refusal(
                    400,
                    "give the event type: {\"event\":\"TransactionCreated\"}, optionally with \"data\"",
                );
            };
            let event_type = EventType::from(name);
            let mut event = Event::sample(&event_type);
            if let Some(data) = body.get("data") {
                event = event.with_data(data.clone());
            }
            let only = match body.get("webhook") {
                None | Some(serde_json::Value::Null) => None,
                Some(id) => match only_webhook(shared, id, &event_type) {
                    Ok(id) => Some(id),
                    Err(refusal) => return refusal,
                },
            };
            let delivery = emit(shared, &event, only);
            let deliveries: Vec<serde_json::Value> = delivery
                .first_attempts()
                .iter()
                .map(first_attempt_json)
                .collect();
            Response::json(
                202,
                &json!({
                    "event": name,
                    "webhooks": delivery.webhook_count(),
                    "body": delivery.body(),
                    "deliveries": deliveries,
                }),
            )
        }
        _ => Response::refusal(
            404,
            "emulator endpoints: GET /_emulator/health, POST /_emulator/events, POST /_emulator/authorization-code",
        ),
    }
}

/// The webhook a control request names in `"webhook"`: it must exist and be
/// subscribed to the event, as Revolut would deliver to no other.
fn only_webhook(
    shared: &Shared,
    id: &serde_json::Value,
    event_type: &EventType,
) -> Result<Uuid, Response> {
    let Some(id) = id.as_str().and_then(|s| Uuid::parse_str(s).ok()) else {
        return Err(Response::refusal(
            400,
            "\"webhook\" must be a webhook id (a UUID string)",
        ));
    };
    match shared.lock().hook(id) {
        None => Err(Response::refusal(404, format!("no webhook {id}"))),
        Some(hook) if !hook.events.contains(event_type) => Err(Response::refusal(
            422,
            format!(
                "webhook {id} is not subscribed to {event_type}; add it to the webhook's events first"
            ),
        )),
        Some(_) => Ok(id),
    }
}

/// The control endpoint's account of a first attempt: where it went, what came
/// back, how fast, signed how many times, and whether retries follow.
fn first_attempt_json(delivery: &WebhookDelivery) -> serde_json::Value {
    let attempt = delivery.attempts.first();
    let (status, error) = match attempt.map(|a| &a.result) {
        Some(AttemptResult::Status(status)) => (Some(*status), None),
        Some(AttemptResult::Error(error)) => (None, Some(error.as_str())),
        None => (None, Some("not attempted: the webhook was deleted")),
    };
    let delivered = attempt.is_some_and(|a| a.result.is_success());
    json!({
        "webhook_id": delivery.webhook_id,
        "url": delivery.url,
        "delivered": delivered,
        "status": status,
        "error": error,
        "latency_ms": attempt.map(|a| a.latency.as_secs_f64() * 1000.0),
        "signatures": attempt.map_or(0, Attempt::signature_count),
        "retrying": attempt.is_some() && !delivered,
    })
}

/// The instant `d` from now; a year from now for durations too large to add
/// (`Duration::MAX` from a caller), which is as good as never here.
pub(crate) fn after(d: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(d)
        .or_else(|| now.checked_add(Duration::from_secs(365 * 24 * 3600)))
        .unwrap_or(now)
}

/// `2026-11-25T12:00:00.123456Z`: UTC, microseconds, as Revolut writes times (the
/// client's own `created_before` format).
pub(crate) fn fmt_time(t: OffsetDateTime) -> String {
    crate::models::CreatedBefore::DateTime(t).to_string()
}

pub(crate) fn truncate_micros(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_nanosecond(t.nanosecond() / 1000 * 1000)
        .unwrap_or(t)
}

/// `len` random letters and digits, each drawn uniformly from the operating
/// system's random source.
pub(crate) fn random_string(len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::with_capacity(len);
    let mut bytes = [0u8; 64];
    while out.len() < len {
        // Like `Uuid::new_v4`, there is nothing sensible to do without an OS random
        // source; it is not reachable from any input.
        getrandom::fill(&mut bytes).expect("the operating system's random source failed");
        for &byte in &bytes {
            // 248 = 4 * 62: rejecting larger bytes keeps every character equally likely.
            if byte < 248 && out.len() < len {
                out.push(ALPHABET[usize::from(byte) % ALPHABET.len()] as char);
            }
        }
    }
    out
}
