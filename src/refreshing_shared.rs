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

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use time::OffsetDateTime;

use super::flight::FlightLock;
use super::maybe_io;
use super::shared::TokenProvider;
use super::transport::Transport;
use crate::auth::{
    AccessToken, ClientAssertion, RefreshToken, TokenCall, TokenSet, authorization_code_request,
    refresh_token_request,
};
use crate::clock::{Clock, SystemClock};
use crate::config::{Environment, HttpConfig, Proxy};
use crate::error::{AuthError, AuthErrorKind, Result};

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
        self.current
            .as_ref()
            .filter(|c| now < c.refresh_at)
            .map(|c| c.tokens.access_token.clone())
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

impl fmt::Display for RefreshingTokenProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "refreshing token provider for {} (<redacted>)",
            self.inner.environment
        )
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
            environment: Environment::Production,
            margin: Duration::from_secs(60),
            clock: Arc::new(SystemClock),
            on_refresh: None,
            http: HttpConfig::default(),
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
        let _flight = self.inner.flight.lock().await;
        let refresh_token = self.state().refresh_token.clone();
        self.refresh_locked(refresh_token).await
    }

    /// One refresh, with the refresh lock held: send, record, tell `on_refresh`.
    async fn refresh_locked(&self, refresh_token: RefreshToken) -> Result<TokenSet> {
        let now = self.now();
        let result = match self.inner.assertion.assertion(now) {
            Ok(assertion) => {
                let call = refresh_token_request(&refresh_token, &assertion);
                send(&self.inner.transport, &self.inner.environment, &call, now).await
            }
            Err(e) => Err(e),
        };
        let mut state = self.state();
        state.attempts += 1;
        match result {
            Ok(tokens) => {
                state.failure = None;
                state.install(tokens.clone(), now, self.inner.margin);
                drop(state);
                if let Some(on_refresh) = &self.inner.on_refresh {
                    on_refresh(&tokens);
                }
                Ok(tokens)
            }
            Err(e) => {
                state.failure = Some(e.clone());
                Err(e.into())
            }
        }
    }
}

#[maybe_io]
impl TokenProvider for RefreshingTokenProvider {
    async fn access_token(&self) -> Result<AccessToken> {
        let seen = {
            let state = self.state();
            if let Some(token) = state.usable(self.now()) {
                return Ok(token);
            }
            state.attempts
        };
        let _flight = self.inner.flight.lock().await;
        let refresh_token = {
            let state = self.state();
            if let Some(token) = state.usable(self.now()) {
                return Ok(token);
            }
            if state.attempts != seen
                && let Some(failure) = &state.failure
            {
                // The refresh this caller waited for failed: it gets the same answer.
                return Err(failure.clone().into());
            }
            state.refresh_token.clone()
        };
        Ok(self.refresh_locked(refresh_token).await?.access_token)
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
    environment: Environment,
    margin: Duration,
    clock: Arc<dyn Clock>,
    on_refresh: Option<OnRefresh>,
    http: HttpConfig,
}

impl fmt::Debug for RefreshingTokenProviderBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshingTokenProviderBuilder")
            .field("environment", &self.environment)
            .field("assertion", &self.assertion)
            .field("refresh_margin", &self.margin)
            .field("has_tokens", &self.tokens.is_some())
            .field("has_on_refresh", &self.on_refresh.is_some())
            .finish_non_exhaustive()
    }
}

impl RefreshingTokenProviderBuilder {
    /// The environment whose token endpoint to call (default Production). Use the
    /// client's environment: a sandbox token does not work in production.
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = environment;
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
    /// callers waiting for a token wait for it too.
    pub fn on_refresh(mut self, on_refresh: impl Fn(&TokenSet) + Send + Sync + 'static) -> Self {
        self.on_refresh = Some(Arc::new(on_refresh));
        self
    }

    /// The clock that decides when a token nears expiry (default: the system clock).
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// How long one call to the token endpoint may take (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.http.timeout = timeout;
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
                transport: Transport::new(&self.http, &self.environment)?,
                environment: self.environment,
                assertion: self.assertion,
                clock: self.clock,
                margin,
                on_refresh: self.on_refresh,
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
#[maybe_io]
pub async fn exchange_authorization_code(
    environment: &Environment,
    code: &str,
    assertion: &ClientAssertion,
) -> Result<TokenSet> {
    let transport = Transport::new(&HttpConfig::default(), environment)?;
    let now = OffsetDateTime::now_utc();
    let call = authorization_code_request(code, &assertion.assertion(now)?);
    Ok(send(&transport, environment, &call, now).await?)
}

/// Sends a token call (no bearer header) and reads its answer. The expiry counts
/// from `now`, taken before sending, so it errs on the early side.
#[maybe_io]
async fn send(
    transport: &Transport,
    environment: &Environment,
    call: &TokenCall,
    now: OffsetDateTime,
) -> Result<TokenSet, AuthError> {
    let response = transport
        .send(call.request(), environment, None, None)
        .await
        .map_err(|e| {
            AuthError::with_kind(
                AuthErrorKind::Unavailable,
                format!(
                    "could not reach the token endpoint ({e}); the next request will try again"
                ),
            )
            .with_source(e)
        })?;
    call.parse(&response, now)
}
