//! `RefreshingTokenProviderBuilder`: a refreshing token provider's configuration.

// Part of the I/O shell, included once per mode: see the header of `client.rs`.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::flight::FlightLock;
use super::refreshing::{Inner, OnRefresh, RefreshingTokenProvider, State};
use super::transport::Transport;
use crate::auth::{ClientAssertion, RefreshToken, TokenSet};
use crate::clock::{Clock, SystemClock};
use crate::config::{Environment, HttpConfig, Proxy};
use crate::error::Result;
use crate::retry::RetryPolicy;
use crate::shared_state::{SharedState, StoredTokens};

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
            shared: None,
        }
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
    shared: Option<SharedState>,
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
            .field("shared_state", &self.shared)
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

    /// Shares the token set with every process of the business through `store` (a
    /// file on one machine, PostgreSQL across machines): one refresh per expiry in
    /// all, by whichever process holds the store's lock, while the others wait and
    /// read what it stored. Each call reads the store, so a token another process
    /// replaced is never sent; a 401 is answered by reading the store again, and by a
    /// refresh only if the store still holds the rejected token.
    ///
    /// The store's refresh token wins over the one given to
    /// [`builder`](RefreshingTokenProvider::builder), which (like
    /// [`tokens`](Self::tokens)) only starts an empty store. `on_refresh` still runs
    /// after each refresh this process makes. A [`ClientBuilder::shared_state`](super::ClientBuilder::shared_state)
    /// passes its store here unless this builder has one.
    pub fn shared_state(mut self, store: SharedState) -> Self {
        self.shared = Some(store);
        self
    }

    /// Whether a store was given (the client passes its own otherwise).
    pub(super) fn has_shared_state(&self) -> bool {
        self.shared.is_some()
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
            rejected: None,
        };
        let now = self.clock.now();
        let seed = self
            .tokens
            .as_ref()
            .filter(|_| self.shared.is_some())
            .map(|tokens| StoredTokens::after(None, tokens, now));
        if let Some(tokens) = self.tokens {
            state.install(tokens, now, margin);
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
                shared: self.shared,
                seed,
            }),
        })
    }
}
