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
//! **Versioned with the crate's minor version, not semver.** The emulator is a tool
//! for tests, and it follows Revolut's API as that changes: its Rust API (this module)
//! may change in any minor release, 0.1.x to 0.2.0 and, after 1.0, 1.1 to 1.2, and the
//! changelog says how. Pin the minor version (`revolut-webhooks = "~0.1"`) where a
//! change would break your tests. The rest of the crate is covered by semver.
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
mod builder;
mod control;
mod delivery;
mod event;
mod http;
mod report;

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use time::OffsetDateTime;
use uuid::Uuid;

pub use builder::EmulatorBuilder;
pub use event::Event;
pub use report::{
    Attempt, AttemptLog, AttemptResult, Delivery, DeliveryReport, Outcome, WebhookDelivery,
};

use crate::auth::AccessToken;
use crate::clock::Clock;
use crate::config::Environment;
use crate::models::{SigningSecret, WebhookId};
use api::State;
use http::Server;

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
    pub(crate) fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
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
        EmulatorBuilder::new()
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
        delivery::emit(&self.shared, &event, None)
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
