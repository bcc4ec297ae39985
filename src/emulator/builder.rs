//! The emulator's configuration: [`EmulatorBuilder`] and what `start` sets up from it.

use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::sync::Arc;
use std::time::Duration;

use uuid::Uuid;

use super::api;
use super::delivery::{self, Deliverer, Observer};
use super::http::{self, Server};
use super::random::random_string;
use super::report::AttemptLog;
use super::routes::{self, App};
use super::running::Emulator;
use super::state::{Limit, REVOLUT_LIMIT, State, Store};
use crate::auth::AccessToken;
use crate::clock::{Clock, SystemClock};

/// Revolut's documented interval between delivery retries: 10 minutes.
pub const DEFAULT_RETRY_INTERVAL: Duration = Duration::from_secs(600);
/// How long the emulator waits for a receiver's answer by default (Revolut does not
/// document its own timeout).
pub const DEFAULT_DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a connection may take to send a complete request head by default:
/// 5 seconds (see [`EmulatorBuilder::head_timeout`]).
pub const DEFAULT_HEAD_TIMEOUT: Duration = http::DEFAULT_HEAD_TIMEOUT;

impl Emulator {
    /// Starts an emulator with the defaults on a free port.
    pub fn start() -> io::Result<Emulator> {
        Emulator::builder().start()
    }

    /// Configures an emulator.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::new()
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
    /// Whether `clock` was set: retries then also fall due on it.
    custom_clock: bool,
    duplicate_every: u32,
    reorder_every: u32,
    rate_limit: Option<Limit>,
    keep_tokens_on_refresh: bool,
    token_lifetime: Option<Duration>,
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
            .field("duplicate_every", &self.duplicate_every)
            .field("reorder_every", &self.reorder_every)
            .field("rate_limit", &self.rate_limit)
            .field("keep_tokens_on_refresh", &self.keep_tokens_on_refresh)
            .finish_non_exhaustive()
    }
}

impl EmulatorBuilder {
    /// The defaults, as [`Emulator::builder`] gives them.
    fn new() -> EmulatorBuilder {
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
            custom_clock: false,
            duplicate_every: 0,
            reorder_every: 0,
            rate_limit: Some(REVOLUT_LIMIT),
            keep_tokens_on_refresh: false,
            token_lifetime: None,
        }
    }

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
        self.custom_clock = true;
        self
    }

    /// The time between delivery attempts (default [`DEFAULT_RETRY_INTERVAL`], 10
    /// minutes as Revolut documents; a few seconds for a local receiver, a few
    /// milliseconds in tests). A retry falls due when this much real time has
    /// passed, or, with a [`clock`](Self::clock) of your own, as soon as that clock
    /// has moved this far since the last attempt: a test can keep Revolut's 10
    /// minutes and [`advance`](crate::ManualClock::advance) a `ManualClock` past them
    /// (the workers look at the clock every 10 ms while a retry waits).
    #[must_use]
    pub fn retry_interval(mut self, interval: Duration) -> Self {
        self.retry_interval = interval;
        self
    }

    /// How long to wait for a receiver's answer before the attempt counts as failed
    /// (default [`DEFAULT_DELIVERY_TIMEOUT`]). As with Revolut, a slow answer is a
    /// failure even if the receiver did its work and answers 200 later: the event is
    /// retried, and a receiver that is not idempotent processes it twice. Set it
    /// below your receiver's latency to see that happen.
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
    /// from [`Emulator::authorization_code`]); unlike those, it does not expire.
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

    /// The unreliable sender: every `n`th delivery (one event to one webhook,
    /// numbered from 1 in the order they are queued) is delivered twice, the second
    /// time right after the first 2xx answer, with a fresh timestamp and signature
    /// as a retry has; its report then holds both attempts. `0` (the default) is
    /// off; `1` duplicates every delivery. Counting, not chance, so a test knows
    /// which event comes twice.
    #[must_use]
    pub fn duplicate_every(mut self, n: u32) -> Self {
        self.duplicate_every = n;
        self
    }

    /// The unreliable sender: every `n`th delivery (numbered as for
    /// [`duplicate_every`](Self::duplicate_every)) is held back and sent after the
    /// next delivery's first attempt, so the receiver sees the two out of order.
    /// With no next delivery within 2 seconds it goes out alone. `0` (the default)
    /// is off.
    #[must_use]
    pub fn reorder_every(mut self, n: u32) -> Self {
        self.reorder_every = n;
        self
    }

    /// The per-business rate limit: at most `requests` API requests (authenticated
    /// ones, on `api/2.0` and the sandbox endpoints; not the token endpoint nor
    /// `/_emulator`) in any window of `per` on the emulator's [clock](Self::clock).
    /// Beyond it the emulator answers as Revolut does: 429, code 3162 and a
    /// `Retry-After` header in whole seconds. Default: Revolut's 60 per 60 seconds.
    /// With a stopped `ManualClock` every request falls in one window: raise the
    /// limit, advance the clock, or turn it off with
    /// [`no_rate_limit`](Self::no_rate_limit).
    #[must_use]
    pub fn rate_limit(mut self, requests: u32, per: Duration) -> Self {
        self.rate_limit = Some(Limit {
            requests,
            window: time::Duration::try_from(per).unwrap_or(time::Duration::MAX),
        });
        self
    }

    /// No rate limit at all.
    #[must_use]
    pub fn no_rate_limit(mut self) -> Self {
        self.rate_limit = None;
        self
    }

    /// Whether access tokens issued before a refresh stay valid after it (until they
    /// expire). Default `false`: as Revolut does by two independent reports of
    /// production integrations, a refresh (`grant_type=refresh_token`) revokes every
    /// access token issued before it, so processes that each refresh log each other
    /// out. The initial [`access_token`](Self::access_token) is never revoked.
    #[must_use]
    pub fn keep_tokens_on_refresh(mut self, keep: bool) -> Self {
        self.keep_tokens_on_refresh = keep;
        self
    }

    /// How long the access tokens of the token endpoint live (default 40 minutes, as
    /// Revolut's; whole seconds, at least one). Short-lived tokens make refreshes
    /// frequent, for tests of what happens at expiry.
    #[must_use]
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = Some(lifetime);
        self
    }

    /// Binds 127.0.0.1 and starts serving.
    pub fn start(self) -> io::Result<Emulator> {
        let mut state = State::default();
        let token = self
            .access_token
            .unwrap_or_else(|| format!("oa_emu_{}", random_string(40)));
        state.tokens.add_permanent(token.clone());
        if let Some(lifetime) = self.token_lifetime {
            state
                .tokens
                .set_lifetime(time::Duration::try_from(lifetime).unwrap_or(time::Duration::MAX));
        }
        if let Some(code) = self.authorization_code {
            state.tokens.add_preset_code(code);
        }
        let store = Arc::new(Store::new(self.clock, state));
        let deliverer = Arc::new(Deliverer::new(
            store.clone(),
            delivery::Settings {
                allow_loopback_http: self.allow_loopback_http,
                retry_interval: self.retry_interval,
                retry_on_clock: self.custom_clock,
                faults: delivery::Faults {
                    duplicate_every: self.duplicate_every,
                    reorder_every: self.reorder_every,
                },
            },
            delivery::new_agent(self.delivery_timeout),
            self.observer,
        ));
        let app = Arc::new(App {
            store,
            deliverer,
            api: api::Config {
                allow_loopback_http: self.allow_loopback_http,
                business_id: Uuid::new_v4(),
                client_id: self.client_id,
                rate_limit: self.rate_limit,
                refresh_revokes: !self.keep_tokens_on_refresh,
            },
        });
        let handler_app = app.clone();
        let server = Server::bind(
            SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, self.port)),
            Arc::new(move |request| routes::handle(&handler_app, &request)),
            http::Limits {
                head_timeout: self.head_timeout,
            },
        )?;
        Ok(Emulator::new(app, server, AccessToken::new(token)))
    }
}
