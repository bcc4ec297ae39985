//! `ClientBuilder`: a client's configuration.

// Part of the I/O shell, included once per mode: see the header of `client.rs`.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::budget::Budget;
use super::client::{Client, Inner, TokenProvider};
use super::refreshing_builder::RefreshingTokenProviderBuilder;
use super::transport::Transport;
use crate::clock::{Clock, SystemClock};
use crate::config::{Environment, HttpConfig, MAX_TIMEOUT, Proxy};
use crate::error::{Result, ValidationError};
use crate::rate_limit::RateLimiter;
use crate::retry::RetryPolicy;
use crate::shared_state::SharedState;

impl Client {
    /// Starts configuring a client. It talks to [`Environment::Production`] unless told otherwise.
    pub fn builder() -> ClientBuilder {
        ClientBuilder {
            environment: Environment::Production,
            tokens: None,
            clock: Arc::new(SystemClock),
            http: HttpConfig::default(),
            retry: RetryPolicy::default(),
            rate_limiter: None,
            shared: None,
        }
    }
}

/// Where a client gets its tokens.
enum Tokens {
    Provider(Arc<dyn TokenProvider>),
    /// Built with the client, sharing its environment and connection pool.
    Refreshing(Box<RefreshingTokenProviderBuilder>),
}

/// Configures a [`Client`].
#[must_use]
pub struct ClientBuilder {
    environment: Environment,
    tokens: Option<Tokens>,
    clock: Arc<dyn Clock>,
    http: HttpConfig,
    retry: RetryPolicy,
    rate_limiter: Option<RateLimiter>,
    shared: Option<SharedState>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("environment", &self.environment)
            .field("has_token_provider", &self.tokens.is_some())
            .field("http", &self.http)
            .field("retry", &self.retry)
            .field("rate_limiter", &self.rate_limiter)
            .field("shared_state", &self.shared)
            .finish()
    }
}

impl ClientBuilder {
    /// Production, Sandbox, or a custom host (an emulator, a mock server).
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = environment;
        self
    }

    /// Where access tokens come from: a [`StaticToken`](crate::auth::StaticToken), or any [`TokenProvider`].
    /// Pass an `Arc` to share one provider between clients.
    pub fn token_provider(mut self, provider: impl TokenProvider + 'static) -> Self {
        self.tokens = Some(Tokens::Provider(Arc::new(provider)));
        self
    }

    /// Tokens that refresh themselves, from a refresh token and the client assertion:
    /// the client builds the [`RefreshingTokenProvider`](super::RefreshingTokenProvider) with its own environment
    /// (so a Sandbox client cannot get Production tokens), its connection pool and,
    /// unless the provider's builder sets one, its retry policy.
    ///
    /// Configure the rest (`on_refresh`, stored `tokens`, `refresh_margin`) on the
    /// provider's builder, and leave its environment unset; an environment set there
    /// that differs from the client's is refused by [`build`](Self::build). To share one
    /// provider among several clients, build it yourself and pass it to
    /// [`token_provider`](Self::token_provider).
    pub fn refreshing(mut self, provider: RefreshingTokenProviderBuilder) -> Self {
        self.tokens = Some(Tokens::Refreshing(Box::new(provider)));
        self
    }

    /// How long to wait for a connection (default 10 s; more than 24 h counts as 24 h).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.http.connect_timeout = timeout.min(MAX_TIMEOUT);
        self
    }

    /// How long one request may take in all, body included (default 30 s; more than
    /// 24 h counts as 24 h). An attempt is also cut to what is left of the call's
    /// [`RetryPolicy::total_budget`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.http.timeout = timeout.min(MAX_TIMEOUT);
        self
    }

    /// The largest response body accepted (default 16 MiB); a larger one fails
    /// with a [`TransportErrorKind::BodyTooLarge`](crate::TransportErrorKind::BodyTooLarge) error.
    pub fn max_response_bytes(mut self, bytes: u64) -> Self {
        self.http.max_response_bytes = bytes;
        self
    }

    /// The `User-Agent` header (default `revolut-webhooks/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.http.user_agent = user_agent.into();
        self
    }

    /// When to retry a failed request (default: [`RetryPolicy::default`]; turn
    /// retries off with [`RetryPolicy::none`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Spaces requests out to stay under a rate limit (default: none). Pass the same
    /// [`RateLimiter`] to every client that uses one business's token; clones of a
    /// client share it anyway.
    pub fn rate_limiter(mut self, limiter: RateLimiter) -> Self {
        self.rate_limiter = Some(limiter);
        self
    }

    /// Shares the rate budget and the tokens with every process of the business
    /// through `store` (a file on one machine, PostgreSQL across machines; see
    /// [`SharedState`]):
    ///
    /// - the budget is the [`rate_limiter`](Self::rate_limiter)'s numbers (Revolut's
    ///   60 a minute if none is set), counted in the store: all processes together
    ///   never exceed it in any window. A slot is held from just before a request is
    ///   sent until one period after its answer; a process that dies holding one
    ///   frees it at most the client's timeout plus one period after taking it.
    /// - a refreshing provider built by this client ([`refreshing`](Self::refreshing))
    ///   uses the store too, unless its own builder was given one.
    pub fn shared_state(mut self, store: SharedState) -> Self {
        self.shared = Some(store);
        self
    }

    /// The clock for time-dependent checks (default: the system clock).
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Whether and through which proxy to reach an https API (default
    /// [`Proxy::from_env`]). Plain http to a loopback host never uses one.
    pub fn proxy(mut self, proxy: Proxy) -> Self {
        self.http.proxy = proxy;
        self
    }

    /// Trusts the root certificates in `pem` (one or more `BEGIN CERTIFICATE`
    /// blocks) besides the Mozilla bundle, such as a company's TLS-inspecting
    /// proxy's CA. May be called more than once; [`build`](Self::build) fails
    /// with a [`ValidationError`] if the text holds no certificate.
    pub fn add_root_certificates_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.http.extra_roots_pem.push(pem.as_ref().to_vec());
        self
    }

    /// Builds the client. Fails if no token provider was given, or if the HTTP
    /// library cannot start.
    pub fn build(self) -> Result<Client> {
        let tokens = self.tokens.ok_or_else(|| {
            ValidationError::new(
                "token_provider",
                "no token provider: call .token_provider(StaticToken::new(token)), \
                 .refreshing(RefreshingTokenProvider::builder(refresh_token, assertion)) \
                 or pass another provider",
            )
        })?;
        if self.http.timeout.is_zero() || self.http.connect_timeout.is_zero() {
            return Err(
                ValidationError::new("timeout", "timeouts must be greater than zero").into(),
            );
        }
        let transport = Transport::new(&self.http, &self.environment)?;
        let tokens: Arc<dyn TokenProvider> = match tokens {
            Tokens::Provider(provider) => provider,
            Tokens::Refreshing(mut builder) => {
                if let Some(store) = &self.shared
                    && !builder.has_shared_state()
                {
                    *builder = builder.shared_state(store.clone());
                }
                Arc::new(builder.build_for_client(
                    transport.clone(),
                    &self.environment,
                    &self.retry,
                )?)
            }
        };
        let rate_limiter = match (self.shared, self.rate_limiter) {
            (Some(store), limiter) => {
                let limiter = limiter.unwrap_or_else(RateLimiter::revolut_default);
                Some(Budget::Shared {
                    store,
                    requests: limiter.requests(),
                    per: limiter.per(),
                    flight: self.http.timeout,
                })
            }
            (None, limiter) => limiter.map(Budget::Local),
        };
        Ok(Client {
            inner: Arc::new(Inner {
                transport,
                environment: self.environment,
                tokens,
                clock: self.clock,
                retry: self.retry,
                rate_limiter,
                timeout: self.http.timeout,
            }),
        })
    }
}
