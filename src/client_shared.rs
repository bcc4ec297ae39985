// The I/O shell, written once and compiled once per mode.
//
// `blocking.rs` includes this file under `maybe_async::must_be_sync` and
// `nonblocking.rs` under `maybe_async::must_be_async`; each provides `maybe_io`
// (the attribute) and `transport` (ureq or reqwest). Everything that can be
// decided without I/O lives in the sans-IO core (`request`, `pagination`);
// this file only sends, authenticates and walks pages.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::maybe_io;
use super::refreshing::RefreshingTokenProviderBuilder;
use super::transport::{Transport, sleep};
use crate::auth::{AccessToken, StaticToken};
use crate::clock::{Clock, SystemClock};
use crate::config::{Environment, HttpConfig, MAX_TIMEOUT, Proxy};
use crate::error::{Error, Result, Unconfirmed, ValidationError};
use crate::models::{
    CreateWebhook, FailedEvent, FailedEventsQuery, SecretExpiration, UpdateWebhook, Webhook,
    WebhookId, WebhookWithSecret,
};
use crate::pagination::{FailedEventsCursor, TiedEventsOverflow, WalkError};
use crate::rate_limit::{RateLimitPermit, RateLimiter};
use crate::request::{self, Call, Method};
use crate::retry::{RetryDecision, RetryPolicy};
use crate::trace::{self, Span, Stopwatch, trace_event, trace_span};

/// Supplies the access token for each request.
///
/// The client asks for a token before every request, so a provider can cache it and
/// refresh it when it nears expiry. Object safe: a client holds it as `Arc<dyn TokenProvider>`.
#[maybe_io]
pub trait TokenProvider: Send + Sync {
    /// A currently valid access token.
    async fn access_token(&self) -> Result<AccessToken>;

    /// The API rejected `rejected` as invalid or expired (401, code 1000).
    ///
    /// Return `true` if a different token may now be available, and the client
    /// will ask for one and replay the request once. The default returns `false`:
    /// the token cannot change, so the 401 is returned as it is.
    fn invalidate(&self, rejected: &AccessToken) -> bool {
        let _ = rejected;
        false
    }
}

#[maybe_io]
impl TokenProvider for StaticToken {
    async fn access_token(&self) -> Result<AccessToken> {
        Ok(self.token().clone())
    }
}

#[maybe_io]
impl<P: TokenProvider + ?Sized> TokenProvider for Arc<P> {
    async fn access_token(&self) -> Result<AccessToken> {
        (**self).access_token().await
    }

    fn invalidate(&self, rejected: &AccessToken) -> bool {
        (**self).invalidate(rejected)
    }
}

/// A Revolut Business webhooks client.
///
/// Cheap to clone: clones share one connection pool, token provider and clock.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    transport: Transport,
    environment: Environment,
    tokens: Arc<dyn TokenProvider>,
    clock: Arc<dyn Clock>,
    retry: RetryPolicy,
    rate_limiter: Option<RateLimiter>,
    timeout: Duration,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("environment", &self.inner.environment)
            .finish_non_exhaustive()
    }
}

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
        }
    }

    /// The webhook endpoints.
    pub fn webhooks(&self) -> Webhooks<'_> {
        Webhooks { client: self }
    }

    /// The environment this client talks to.
    pub fn environment(&self) -> &Environment {
        &self.inner.environment
    }

    fn now(&self) -> time::OffsetDateTime {
        self.inner.clock.now()
    }
}

#[maybe_io]
impl Client {
    /// Sends one call: adds the token, takes a rate-limiter slot, maps the answer,
    /// retries as the policy says, and replays once with a fresh token if the
    /// provider can supply one after a 401 "token expired".
    ///
    /// Nothing is sent once the call's budget is spent: when the limiter's next slot
    /// or the budget's end comes first, the last attempt's error is returned, or a
    /// local error if no attempt was sent.
    async fn execute<T>(&self, call: Call<T>) -> Result<T> {
        // The template, not the path: a path holds the webhook's id.
        let span = trace_span!(
            "api_call",
            method = call.request().method.as_str(),
            path = call.template(),
            status = ::tracing::field::Empty,
            code = ::tracing::field::Empty,
            error_id = ::tracing::field::Empty,
            attempts = ::tracing::field::Empty,
            error = ::tracing::field::Empty,
            duration_ms = ::tracing::field::Empty,
        );
        let watch = Stopwatch::start();
        let result = within!(span, self.attempt(call, &span)).await;
        if let Err(error) = &result {
            trace::record_error(&span, error);
        }
        watch.record(&span);
        result
    }

    /// [`execute`](Self::execute)'s attempts, inside its span.
    async fn attempt<T>(&self, call: Call<T>, span: &Span) -> Result<T> {
        super::flight::runtime()?;
        let started = std::time::Instant::now();
        let budget = self.inner.retry.total_budget();
        let method = call.request().method;
        let unconfirmed = (method == Method::Post).then(|| {
            if call.request().path.ends_with("/rotate-signing-secret") {
                Unconfirmed::Rotate
            } else {
                Unconfirmed::Create
            }
        });
        let mut attempts = 0;
        let mut failures = 0;
        let mut refreshed = false;
        // The last attempt's error: the honest answer when no further attempt can go out.
        let mut last: Option<Error> = None;
        let finish = |mut error: Error, attempts: u32| {
            error.set_attempts(attempts);
            if let Some(call) = unconfirmed {
                error.mark_unconfirmed(call);
            }
            error
        };
        loop {
            let token =
                (self.inner.tokens.access_token().await).map_err(|e| e.after_attempts(attempts))?;
            // Taken after the token, so a slow refresh holds no slot.
            let permit = match self.slot(started, budget).await {
                Ok(permit) => permit,
                Err(local) => return Err(finish(last.unwrap_or(local), attempts)),
            };
            // No attempt may run past the call's total budget, nor start with so
            // little of it left that it could only time out after sending (which
            // would make a create ambiguous for nothing).
            let remaining = budget.saturating_sub(started.elapsed());
            if remaining < self.min_attempt_time() {
                let spent = Error::BudgetExhausted { budget };
                return Err(finish(last.unwrap_or(spent), attempts));
            }
            let timeout = (remaining < self.inner.timeout).then_some(remaining);
            attempts += 1;
            let sent = self
                .inner
                .transport
                .send(
                    call.request(),
                    &self.inner.environment,
                    Some(&token),
                    timeout,
                )
                .await;
            if let Some(permit) = permit {
                permit.release_at(std::time::Instant::now());
            }
            let outcome = match sent {
                Ok(response) => {
                    span.record("status", response.status);
                    call.parse_scrubbing(&response, self.now(), &[token.expose_secret()])
                }
                Err(e) => Err(Error::Transport(e)),
            };
            let error = match outcome {
                Ok(value) => {
                    span.record("attempts", attempts);
                    return Ok(value);
                }
                Err(error) => error,
            };
            trace::attempt_failed(attempts, &error);
            if let Error::Api(e) = &error
                && e.is_token_expired()
                && !refreshed
                && self.inner.tokens.invalidate(&token)
            {
                trace_event!(
                    info,
                    attempt = attempts,
                    "token rejected (401, code 1000): replaying once with a new token"
                );
                refreshed = true;
                last = Some(error);
                continue;
            }
            failures += 1;
            let decision =
                self.inner
                    .retry
                    .decide(failures, method, &error, started.elapsed(), random());
            match decision {
                RetryDecision::RetryAfter(wait) => {
                    trace_event!(
                        info,
                        attempt = attempts,
                        wait_ms = trace::millis(wait),
                        "retrying after a wait"
                    );
                    sleep(wait).await;
                    last = Some(error);
                }
                RetryDecision::GiveUp => return Err(finish(error, attempts)),
            }
        }
    }

    /// Waits for a slot of the rate limiter, if there is one, but never past the
    /// call's budget: when the next slot lies beyond it, returns at once.
    async fn slot(
        &self,
        started: std::time::Instant,
        budget: Duration,
    ) -> Result<Option<RateLimitPermit>> {
        let Some(limiter) = &self.inner.rate_limiter else {
            return Ok(None);
        };
        let floor = self.min_attempt_time();
        // Each turn waits at least a millisecond, or ends the loop: the budget bounds it.
        loop {
            let remaining = budget.saturating_sub(started.elapsed());
            let wait = match limiter.try_acquire() {
                Ok(permit) if remaining >= floor => return Ok(Some(permit)),
                // Woken too late to send: the slot goes back unused.
                Ok(permit) => {
                    permit.cancel();
                    Duration::ZERO
                }
                Err(wait) => wait,
            };
            if wait.saturating_add(floor) > remaining {
                trace_event!(
                    info,
                    wait_ms = trace::millis(wait),
                    "the rate limiter's next slot is past the call's budget"
                );
                return Err(Error::RateLimitedLocally { retry_in: wait });
            }
            trace_event!(
                debug,
                wait_ms = trace::millis(wait),
                "waiting for the rate limiter"
            );
            sleep(wait).await;
        }
    }
}

impl Client {
    /// The least time an attempt is started with: less could only time out.
    fn min_attempt_time(&self) -> Duration {
        MIN_ATTEMPT_TIME.min(self.inner.timeout)
    }
}

/// See [`Client::min_attempt_time`]; 100 ms is about one round trip to Revolut.
const MIN_ATTEMPT_TIME: Duration = Duration::from_millis(100);

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
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("environment", &self.environment)
            .field("has_token_provider", &self.tokens.is_some())
            .field("http", &self.http)
            .field("retry", &self.retry)
            .field("rate_limiter", &self.rate_limiter)
            .finish()
    }
}

impl ClientBuilder {
    /// Production, Sandbox, or a custom host (an emulator, a mock server).
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = environment;
        self
    }

    /// Where access tokens come from: a [`StaticToken`], or any [`TokenProvider`].
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
            Tokens::Refreshing(builder) => Arc::new(builder.build_for_client(
                transport.clone(),
                &self.environment,
                &self.retry,
            )?),
        };
        Ok(Client {
            inner: Arc::new(Inner {
                transport,
                environment: self.environment,
                tokens,
                clock: self.clock,
                retry: self.retry,
                rate_limiter: self.rate_limiter,
                timeout: self.http.timeout,
            }),
        })
    }
}

/// The webhook endpoints of a [`Client`], from [`Client::webhooks`].
#[derive(Debug, Clone, Copy)]
pub struct Webhooks<'a> {
    client: &'a Client,
}

impl Webhooks<'_> {
    /// Starts the walk behind `failed_events_all`, after checking the query.
    pub(super) fn walk(&self, id: WebhookId, query: &FailedEventsQuery) -> Result<Walk> {
        query.validate_at(self.client.now())?;
        Ok(Walk {
            client: self.client.clone(),
            cursor: FailedEventsCursor::new(id, query),
            page: Vec::new().into_iter(),
            pending: None,
            stopped: false,
        })
    }
}

#[maybe_io]
impl Webhooks<'_> {
    /// Lists every webhook of the business (without signing secrets).
    pub async fn list(&self) -> Result<Vec<Webhook>> {
        self.client.execute(request::list_webhooks()).await
    }

    /// Gets one webhook with its current signing secret.
    pub async fn get(&self, id: WebhookId) -> Result<WebhookWithSecret> {
        self.client.execute(request::get_webhook(id)).await
    }

    /// Creates a webhook (at most 10 per business). The answer holds its signing secret.
    ///
    /// Never retried after an ambiguous failure: a repeat could create a second webhook.
    pub async fn create(&self, webhook: &CreateWebhook) -> Result<WebhookWithSecret> {
        self.client.execute(request::create_webhook(webhook)).await
    }

    /// Changes a webhook's URL, events, or both (`PATCH`).
    pub async fn update(&self, id: WebhookId, update: &UpdateWebhook) -> Result<Webhook> {
        self.client
            .execute(request::update_webhook(id, update))
            .await
    }

    /// Deletes a webhook.
    pub async fn delete(&self, id: WebhookId) -> Result<()> {
        self.client.execute(request::delete_webhook(id)).await
    }

    /// Gives the webhook a new signing secret. With `expiration`, the old secret
    /// stays valid that long (at most 7 days) and deliveries carry both
    /// signatures; with `None` it stops working at once. At most 3 keys may be active.
    pub async fn rotate_signing_secret(
        &self,
        id: WebhookId,
        expiration: Option<SecretExpiration>,
    ) -> Result<WebhookWithSecret> {
        self.client
            .execute(request::rotate_signing_secret(id, expiration))
            .await
    }

    /// One page of the webhook's failed events, newest first.
    ///
    /// To read them all, use `failed_events_all`, which pages without losing
    /// events that share a timestamp (or drive
    /// [`FailedEventsCursor`](crate::pagination::FailedEventsCursor) yourself). Passing
    /// the last event's `created_at` as the next `created_before`, as the API's docs
    /// suggest, skips events that share that timestamp but did not fit on the page.
    pub async fn failed_events(
        &self,
        id: WebhookId,
        query: &FailedEventsQuery,
    ) -> Result<Vec<FailedEvent>> {
        let call = request::failed_events(id, query, self.client.now())?;
        self.client.execute(call).await
    }
}

/// A walk through every failed event of a webhook: one page in memory at a time.
/// After a request fails it yields that error and ends; after a
/// [`TiedEventsOverflow`] it goes on with older events.
pub(super) struct Walk {
    client: Client,
    cursor: FailedEventsCursor,
    page: std::vec::IntoIter<FailedEvent>,
    pending: Option<TiedEventsOverflow>,
    stopped: bool,
}

#[maybe_io]
impl Walk {
    pub(super) async fn next(&mut self) -> Option<Result<FailedEvent, WalkError>> {
        // Each turn either yields or moves the cursor, and the cursor always ends.
        loop {
            if let Some(event) = self.page.next() {
                return Some(Ok(event));
            }
            if let Some(overflow) = self.pending.take() {
                return Some(Err(overflow.into()));
            }
            if self.stopped {
                return None;
            }
            let call = self.cursor.next_call()?;
            let span = trace_span!(
                "failed_events_page",
                limit = call
                    .request()
                    .query
                    .iter()
                    .find(|(key, _)| *key == "limit")
                    .and_then(|(_, value)| value.parse::<u64>().ok()),
                received = ::tracing::field::Empty,
                events = ::tracing::field::Empty,
                overflow = ::tracing::field::Empty,
            );
            match within!(span, self.client.execute(call)).await {
                Ok(page) => {
                    span.record("received", page.len());
                    let outcome = self.cursor.accept(page);
                    span.record("events", outcome.events.len());
                    span.record("overflow", outcome.overflow.is_some());
                    self.page = outcome.events.into_iter();
                    self.pending = outcome.overflow;
                }
                Err(error) => {
                    self.stopped = true;
                    return Some(Err(error.into()));
                }
            }
        }
    }
}

/// A random number for backoff jitter, without a random-number crate: std's
/// `RandomState` is seeded randomly per thread and advanced on each call.
pub(super) fn random() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::UNIX_EPOCH
            .elapsed()
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.finish()
}
