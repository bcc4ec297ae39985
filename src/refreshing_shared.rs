// The refreshing token provider, written once and compiled once per mode, exactly
// like `client_shared.rs`: `blocking.rs` includes it under `must_be_sync` (the
// refresh lock a `std::sync::Mutex`), `nonblocking.rs` under `must_be_async` (a
// `tokio::sync::Mutex`). Requests and answers come from the sans-IO `auth` module;
// this file only sends them and keeps the cache.
//
// Single flight: a caller that finds no usable token notes how many refreshes have
// finished (`attempts`), then takes the refresh lock, held across the whole refresh.
// Once it has the lock it looks again: a usable token means another caller refreshed
// while it waited; a finished attempt that failed is reported to it as well (the
// error is shared, not cached: the next caller to arrive tries again).
//
// The mode's `flight` module runs that locked part: in place when blocking; as a
// spawned task when async, so a caller whose future is dropped mid-refresh does not
// cancel the token request (the refresh completes and the callers after it use
// its answer). The assertion signer and `on_refresh` are user code that may block:
// `flight::off_runtime` runs them on tokio's blocking pool when async.
//
// A token request is retried under the provider's `RetryPolicy`, like an API call:
// a refresh as an idempotent request (sending the same refresh token twice gets
// two access tokens and leaves the refresh token valid), a code exchange as a POST
// (a code works once, so only failures that show nothing was used are retried).

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use time::OffsetDateTime;

use super::flight::{self, FlightLock};
use super::maybe_io;
use super::shared::{TokenProvider, random};
use super::transport::{Transport, sleep};
use crate::auth::{
    AccessToken, ClientAssertion, Grant, RefreshToken, TokenCall, TokenSet,
    authorization_code_request, refresh_token_request,
};
use crate::clock::{Clock, SystemClock};
use crate::config::{Environment, HttpConfig, Proxy};
use crate::error::{AuthError, AuthErrorKind, Error, Result, TransportError};
use crate::request::Method;
use crate::retry::{RetryDecision, RetryPolicy};
use crate::trace::{self, Span, Stopwatch, trace_event, trace_span};

/// The span of one token request: the grant's outcome, status, attempts and
/// duration; never a token, the assertion or the server's text.
macro_rules! token_span {
    ($name:literal) => {
        trace_span!(
            $name,
            outcome = ::tracing::field::Empty,
            status = ::tracing::field::Empty,
            attempts = ::tracing::field::Empty,
            error = ::tracing::field::Empty,
            duration_ms = ::tracing::field::Empty,
        )
    };
}

type OnRefresh = Arc<dyn Fn(&TokenSet) + Send + Sync>;

/// A [`TokenProvider`] that renews the access token from a refresh token.
///
/// It caches the access token and refreshes it ahead of expiry (60 s before by
/// default), with exactly one request to the token endpoint however many threads or
/// tasks ask at once; the others wait for that answer. A refresh that fails is
/// reported to every caller that waited for it, and the next call tries again.
/// After a 401 "token expired" the client calls [`invalidate`](TokenProvider::invalidate),
/// and the request is replayed once with a new token.
///
/// It never writes anything to disk: to keep the latest token set (a job that
/// restarts), pass [`on_refresh`](RefreshingTokenProviderBuilder::on_refresh).
///
/// Clones share the cache. `Debug` shows no secret.
#[derive(Clone)]
pub struct RefreshingTokenProvider {
    inner: Arc<Inner>,
}

struct Inner {
    transport: Transport,
    environment: Environment,
    assertion: ClientAssertion,
    clock: Arc<dyn Clock>,
    margin: time::Duration,
    on_refresh: Option<OnRefresh>,
    retry: RetryPolicy,
    timeout: Duration,
    state: Mutex<State>,
    flight: FlightLock,
}

struct State {
    refresh_token: RefreshToken,
    current: Option<Current>,
    /// Finished refresh attempts, successful or not.
    attempts: u64,
    /// The error of the last attempt, if it failed.
    failure: Option<AuthError>,
}

struct Current {
    tokens: TokenSet,
    refresh_at: OffsetDateTime,
}

impl State {
    fn usable(&self, now: OffsetDateTime) -> Option<AccessToken> {
        self.usable_set(now).map(|set| set.access_token.clone())
    }

    fn usable_set(&self, now: OffsetDateTime) -> Option<&TokenSet> {
        self.current
            .as_ref()
            .filter(|c| now < c.refresh_at)
            .map(|c| &c.tokens)
    }

    fn install(&mut self, tokens: TokenSet, now: OffsetDateTime, margin: time::Duration) {
        // Refresh `margin` ahead, but never more than half-way through a short-lived token.
        let ahead = margin
            .min((tokens.expires_at - now) / 2)
            .max(time::Duration::ZERO);
        self.refresh_token = tokens.refresh_token.clone();
        self.current = Some(Current {
            refresh_at: tokens.expires_at - ahead,
            tokens,
        });
    }
}

impl fmt::Debug for RefreshingTokenProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state();
        f.debug_struct("RefreshingTokenProvider")
            .field("environment", &self.inner.environment)
            .field("assertion", &self.inner.assertion)
            .field("refresh_margin", &self.inner.margin)
            .field(
                "expires_at",
                &state.current.as_ref().map(|c| c.tokens.expires_at),
            )
            .finish_non_exhaustive()
    }
}

impl RefreshingTokenProvider {
    /// Starts configuring a provider from a refresh token and the client assertion.
    /// The first call refreshes, unless [`tokens`](RefreshingTokenProviderBuilder::tokens)
    /// gives a stored access token that is still valid.
    pub fn builder(
        refresh_token: RefreshToken,
        assertion: ClientAssertion,
    ) -> RefreshingTokenProviderBuilder {
        RefreshingTokenProviderBuilder {
            refresh_token,
            assertion,
            tokens: None,
            environment: None,
            margin: Duration::from_secs(60),
            clock: Arc::new(SystemClock),
            on_refresh: None,
            http: HttpConfig::default(),
            retry: None,
        }
    }

    /// The latest token set, if an access token is cached.
    pub fn token_set(&self) -> Option<TokenSet> {
        self.state().current.as_ref().map(|c| c.tokens.clone())
    }

    /// The refresh token the next refresh will use.
    pub fn refresh_token(&self) -> RefreshToken {
        self.state().refresh_token.clone()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // Every write to the state is a single assignment: a panic cannot leave it torn.
        self.inner.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn now(&self) -> OffsetDateTime {
        self.inner.clock.now()
    }
}

#[maybe_io]
impl RefreshingTokenProvider {
    /// Refreshes now, whatever the cache holds, and returns the new token set.
    /// Waits for a refresh already in flight first.
    pub async fn refresh(&self) -> Result<TokenSet> {
        flight::runtime()?;
        Ok(flight::detached(self, None).await?)
    }

    /// Takes the refresh lock and refreshes, unless (`seen` given: the number of
    /// finished refreshes when the caller found no usable token) another refresh
    /// answered while this caller waited: then that answer is this caller's too.
    pub(super) async fn refresh_in_flight(&self, seen: Option<u64>) -> Result<TokenSet, AuthError> {
        let _flight = self.inner.flight.lock().await;
        let refresh_token = {
            let state = self.state();
            if let Some(seen) = seen {
                if let Some(tokens) = state.usable_set(self.now()) {
                    return Ok(tokens.clone());
                }
                if state.attempts != seen
                    && let Some(failure) = &state.failure
                {
                    return Err(failure.clone());
                }
            }
            state.refresh_token.clone()
        };
        self.refresh_locked(refresh_token).await
    }

    /// One refresh, with the refresh lock held: sign, send, record, tell `on_refresh`.
    async fn refresh_locked(&self, refresh_token: RefreshToken) -> Result<TokenSet, AuthError> {
        let span = token_span!("token_refresh");
        let watch = Stopwatch::start();
        let result = within!(span, self.refresh_traced(refresh_token, &span)).await;
        finish_token_span(&span, &watch, &result);
        result
    }

    /// [`refresh_locked`](Self::refresh_locked), inside its span.
    async fn refresh_traced(
        &self,
        refresh_token: RefreshToken,
        span: &Span,
    ) -> Result<TokenSet, AuthError> {
        let now = self.now();
        let inner = self.inner.clone();
        let signed = flight::off_runtime(move || inner.assertion.assertion(now))
            .await
            .unwrap_or_else(|| Err(shutting_down()));
        let result = match signed {
            Ok(assertion) => {
                let call = refresh_token_request(&refresh_token, &assertion);
                send(
                    &self.inner.transport,
                    &self.inner.environment,
                    &call,
                    &self.inner.retry,
                    self.inner.timeout,
                    &*self.inner.clock,
                    span,
                )
                .await
            }
            Err(e) => Err(e),
        };
        {
            let mut state = self.state();
            state.attempts += 1;
            match &result {
                Ok(tokens) => {
                    state.failure = None;
                    state.install(tokens.clone(), now, self.inner.margin);
                }
                Err(e) => state.failure = Some(e.clone()),
            }
        }
        if let (Ok(tokens), Some(on_refresh)) = (&result, self.inner.on_refresh.clone()) {
            let stored = tokens.clone();
            // Still under the refresh lock, so calls never overlap.
            flight::off_runtime(move || on_refresh(&stored)).await;
        }
        result
    }
}

#[maybe_io]
impl TokenProvider for RefreshingTokenProvider {
    async fn access_token(&self) -> Result<AccessToken> {
        flight::runtime()?;
        let seen = {
            let state = self.state();
            if let Some(token) = state.usable(self.now()) {
                return Ok(token);
            }
            state.attempts
        };
        Ok(flight::detached(self, Some(seen)).await?.access_token)
    }

    fn invalidate(&self, rejected: &AccessToken) -> bool {
        let mut state = self.state();
        if state
            .current
            .as_ref()
            .is_some_and(|c| &c.tokens.access_token == rejected)
        {
            state.current = None;
        }
        // Either it was dropped, or another caller has already replaced it.
        true
    }
}

/// Configures a [`RefreshingTokenProvider`].
#[must_use]
pub struct RefreshingTokenProviderBuilder {
    refresh_token: RefreshToken,
    assertion: ClientAssertion,
    tokens: Option<TokenSet>,
    /// `None`: Production, or the client's environment when a client builds it.
    environment: Option<Environment>,
    margin: Duration,
    clock: Arc<dyn Clock>,
    on_refresh: Option<OnRefresh>,
    http: HttpConfig,
    /// `None`: the default policy, or the client's when a client builds it.
    retry: Option<RetryPolicy>,
}

impl fmt::Debug for RefreshingTokenProviderBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshingTokenProviderBuilder")
            .field("environment", &self.environment)
            .field("assertion", &self.assertion)
            .field("refresh_margin", &self.margin)
            .field("has_tokens", &self.tokens.is_some())
            .field("has_on_refresh", &self.on_refresh.is_some())
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl RefreshingTokenProviderBuilder {
    /// The environment whose token endpoint to call (default Production). Use the
    /// client's environment: a sandbox token does not work in production. When the
    /// client builds the provider ([`ClientBuilder::refreshing`](super::ClientBuilder::refreshing)),
    /// leave this unset: it takes the client's.
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = Some(environment);
        self
    }

    /// How long before expiry to refresh (default 60 s). For a token that lives
    /// less than twice this, it refreshes half-way through instead.
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// Starts from a stored token set: its access token is used until it nears
    /// expiry, and its refresh token replaces the one given to the builder.
    pub fn tokens(mut self, tokens: TokenSet) -> Self {
        self.tokens = Some(tokens);
        self
    }

    /// Called after every successful refresh with the new token set, so it can be
    /// stored; refreshes are one at a time, so calls never overlap. Keep it quick:
    /// callers waiting for a token wait for it too. In async mode it runs on
    /// tokio's blocking pool (`spawn_blocking`), so it may block (write a file)
    /// without stalling the runtime.
    pub fn on_refresh(mut self, on_refresh: impl Fn(&TokenSet) + Send + Sync + 'static) -> Self {
        self.on_refresh = Some(Arc::new(on_refresh));
        self
    }

    /// The clock that decides when a token nears expiry (default: the system clock).
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// How long one call to the token endpoint may take (default 30 s; more than
    /// 24 h counts as 24 h).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.http.timeout = timeout.min(crate::config::MAX_TIMEOUT);
        self
    }

    /// When to retry the token endpoint (default: [`RetryPolicy::default`], the
    /// client's default; give it the client's policy if you changed that one).
    ///
    /// A refresh is retried like an idempotent request: after a 429 or 503 (its
    /// `Retry-After` honoured up to the cap), a 500, 502 or 504, a refused
    /// connection, a timeout or a reset. Sending a refresh token twice is
    /// harmless: it stays valid, and the second answer is simply the token used.
    /// The policy's total budget counts from the refresh's start, and each
    /// attempt's timeout is cut to what is left of it.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Whether and through which proxy to reach the token endpoint over https
    /// (default [`Proxy::from_env`]), as for the client.
    pub fn proxy(mut self, proxy: Proxy) -> Self {
        self.http.proxy = proxy;
        self
    }

    /// Trusts the root certificates in `pem` besides the Mozilla bundle, as
    /// for the client.
    pub fn add_root_certificates_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.http.extra_roots_pem.push(pem.as_ref().to_vec());
        self
    }

    /// Builds the provider. It makes no request yet.
    pub fn build(self) -> Result<RefreshingTokenProvider> {
        let environment = self.environment.clone().unwrap_or(Environment::Production);
        let transport = Transport::new(&self.http, &environment)?;
        let retry = self.retry.clone().unwrap_or_default();
        self.build_on(transport, environment, retry)
    }

    /// Builds the provider for a client: on the client's connection pool, with the
    /// client's environment (refusing another one set on this builder) and, unless
    /// this builder set its own, the client's retry policy.
    pub(super) fn build_for_client(
        self,
        transport: Transport,
        environment: &Environment,
        retry: &RetryPolicy,
    ) -> Result<RefreshingTokenProvider> {
        if let Some(own) = &self.environment
            && own != environment
        {
            return Err(crate::error::ValidationError::new(
                "environment",
                format!(
                    "the refreshing token provider was given {own} but the client talks to \
                     {environment}: leave the provider's environment unset, and it takes the client's"
                ),
            )
            .into());
        }
        let retry = self.retry.clone().unwrap_or_else(|| retry.clone());
        self.build_on(transport, environment.clone(), retry)
    }

    fn build_on(
        self,
        transport: Transport,
        environment: Environment,
        retry: RetryPolicy,
    ) -> Result<RefreshingTokenProvider> {
        let margin = time::Duration::try_from(self.margin).map_err(|_| {
            crate::error::ValidationError::new("refresh_margin", "the margin is too large")
        })?;
        if self.http.timeout.is_zero() {
            return Err(crate::error::ValidationError::new(
                "timeout",
                "timeouts must be greater than zero",
            )
            .into());
        }
        let mut state = State {
            refresh_token: self.refresh_token,
            current: None,
            attempts: 0,
            failure: None,
        };
        if let Some(tokens) = self.tokens {
            state.install(tokens, self.clock.now(), margin);
        }
        Ok(RefreshingTokenProvider {
            inner: Arc::new(Inner {
                transport,
                environment,
                assertion: self.assertion,
                clock: self.clock,
                margin,
                on_refresh: self.on_refresh,
                retry,
                timeout: self.http.timeout,
                state: Mutex::new(state),
                flight: FlightLock::new(),
            }),
        })
    }
}

/// Exchanges the authorization code from the consent redirect for the first token
/// set (access token, refresh token, expiry): the last step of first-time setup.
///
/// The code works once, within about 2 minutes of consent. Store the refresh token
/// somewhere safe; it is what a [`RefreshingTokenProvider`] needs.
///
/// Retried under [`RetryPolicy::default`] as a POST: a 429 or 503 and a refused
/// connection are retried; a timeout or a 500 is not, since the code may have
/// been used.
#[maybe_io]
pub async fn exchange_authorization_code(
    environment: &Environment,
    code: &str,
    assertion: &ClientAssertion,
) -> Result<TokenSet> {
    flight::runtime()?;
    let http = HttpConfig::default();
    let transport = Transport::new(&http, environment)?;
    let clock = SystemClock;
    let owned = assertion.clone();
    let now = clock.now();
    let signed = flight::off_runtime(move || owned.assertion(now))
        .await
        .unwrap_or_else(|| Err(shutting_down()))?;
    let call = authorization_code_request(code, &signed);
    let span = token_span!("token_exchange");
    let watch = Stopwatch::start();
    let policy = RetryPolicy::default();
    let result = within!(
        span,
        send(
            &transport,
            environment,
            &call,
            &policy,
            http.timeout,
            &clock,
            &span,
        )
    )
    .await;
    finish_token_span(&span, &watch, &result);
    Ok(result?)
}

/// Records a token request's outcome and duration on its span.
fn finish_token_span(span: &Span, watch: &Stopwatch, result: &Result<TokenSet, AuthError>) {
    match result {
        Ok(_) => {
            span.record("outcome", "ok");
        }
        Err(error) => trace::record_auth_error(span, error),
    }
    watch.record(span);
}

pub(super) fn shutting_down() -> AuthError {
    AuthError::new(
        "the token refresh was cancelled because the tokio runtime is shutting down; \
         the next call on a running runtime tries again",
    )
}

/// Sends a token call (no bearer header) and reads its answer, retrying as
/// `retry` says. The expiry counts from the clock's time taken before each attempt,
/// so it errs on the early side. The error counts the attempts made.
#[maybe_io]
async fn send(
    transport: &Transport,
    environment: &Environment,
    call: &TokenCall,
    retry: &RetryPolicy,
    timeout: Duration,
    clock: &dyn Clock,
    span: &Span,
) -> Result<TokenSet, AuthError> {
    // The retry decision only asks whether a repeat is harmless: for a refresh it
    // is (see the notes at the top), for a code exchange it is not.
    let retry_as = match call.grant() {
        Grant::RefreshToken => Method::Patch,
        Grant::AuthorizationCode => Method::Post,
    };
    let started = std::time::Instant::now();
    let mut attempts = 0;
    loop {
        attempts += 1;
        let remaining = retry.total_budget().saturating_sub(started.elapsed());
        let cut = (remaining < timeout).then_some(remaining);
        let now = clock.now();
        let (mut error, cause) = match transport.send(call.request(), environment, None, cut).await
        {
            Ok(response) => match call.parse(&response, now) {
                Ok(tokens) => {
                    span.record("status", response.status);
                    span.record("attempts", attempts);
                    return Ok(tokens);
                }
                Err(error) => {
                    // The decision reads the answer as it would an API error's.
                    let cause = (response.status == 429 || response.status >= 500)
                        .then(|| Error::Api(crate::request::api_error(&response, now)));
                    (error, cause)
                }
            },
            Err(e) => {
                // What the decision reads: the kind of failure, nothing else.
                let cause = TransportError::new(e.kind, e.method, &e.path, "", None);
                let message = crate::error::scrub(&e.to_string(), &[]);
                let error = AuthError::with_kind(
                    AuthErrorKind::Unavailable,
                    format!(
                        "could not reach the token endpoint ({message}); the next request will try again"
                    ),
                )
                .with_source(e);
                (error, Some(Error::Transport(cause)))
            }
        };
        error.attempts = attempts;
        let decision = match &cause {
            Some(cause) => retry.decide(attempts, retry_as, cause, started.elapsed(), random()),
            None => RetryDecision::GiveUp,
        };
        match decision {
            RetryDecision::RetryAfter(wait) => {
                trace_event!(
                    info,
                    attempt = attempts,
                    status = error.status,
                    wait_ms = trace::millis(wait),
                    "retrying the token request after a wait"
                );
                sleep(wait).await;
            }
            RetryDecision::GiveUp => return Err(error),
        }
    }
}
