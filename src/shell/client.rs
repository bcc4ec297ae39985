//! `TokenProvider` and `Client` with its send loop; below, the map of the I/O shell and
//! the contract a mode provides.

// The I/O shell, written once and compiled once per mode.
//
// `src/shell/` is not a module of its own. Each mode's `mod.rs` (`blocking/`,
// `nonblocking/`) includes every file here with `#[path]`, so each item exists once
// per mode: `blocking` under `maybe_async::must_be_sync`, `nonblocking` under
// `maybe_async::must_be_async`. Never `#[maybe_async]` or anything keyed on the
// `maybe-async/is_sync` feature: any other crate in a build can switch that on, and
// the async client would stop compiling (`.ci/is-sync-poison/` switches it on and
// still builds).
//
// Everything that can be decided without I/O lives in the sans-IO core (`request`,
// `pagination`, `retry`, `auth`); the shell only sends, authenticates and walks pages:
//
//   client.rs              TokenProvider, Client and its send/retry loop
//   budget.rs              the rate budget (in-process or shared) and a request's slot
//   client_builder.rs      ClientBuilder
//   sandbox.rs             Sandbox: the sandbox's simulations (top-up, transfer states)
//   webhooks.rs            Webhooks (one method per endpoint) and the failed-events walk
//   refreshing.rs          RefreshingTokenProvider: the token cache and its single flight
//   refreshing_builder.rs  RefreshingTokenProviderBuilder
//   token_endpoint.rs      token requests with retries, exchange_authorization_code
//
// The contract a mode provides (in its `mod.rs`, the transport in its `transport.rs`),
// declared before the `#[path]` includes:
//
// - `maybe_io`: the attribute every `async fn` here is written under:
//   `must_be_sync` drops `async` and `.await`, `must_be_async` keeps them.
// - `within!($span, $body)`: evaluates `$body` inside the tracing span `$span`, so
//   that `within!(..).await` works in both modes; no span guard may be held across
//   an `.await`.
// - `flight::runtime()`: `Err(Error::NoRuntime)` when no request can be sent from
//   here (async outside a tokio runtime), else `Ok(())`; checked before any I/O.
// - `flight::detached(&RefreshingTokenProvider, seen)`: runs
//   `provider.refresh_in_flight(seen)` so that a caller that goes away mid-refresh
//   does not cancel a token request already sent.
// - `flight::off_runtime(f)`: runs user code that may block (the assertion signer,
//   `on_refresh`) where blocking stalls no one; `None` if it could not run at all.
// - `flight::FlightLock`: `new()` and `lock()`, the lock held across a whole token
//   refresh; waiting for it must not block an async runtime.
// - `transport::Transport`: `Clone`, clones sharing one connection pool;
//   `new(&HttpConfig, &Environment)` decides the proxy and trusted roots once and
//   fails with a `ValidationError` or `Error::ClientStart`; `send(&HttpRequest,
//   &Environment, Option<&AccessToken>, Option<Duration>)` sends one request (bearer
//   token, `accept: application/json`, the timeout override) only to the
//   environment's host and scheme, follows no redirect, returns error statuses as
//   responses, reads at most `max_response_bytes` and maps each failure to a
//   `TransportError` of the right kind.
// - `transport::sleep(Duration)`: waits between retries and for the rate limiter.
//
// On top of the shell, the mode adds the public `Webhooks::failed_events_all` and
// its `FailedEvents` (an `Iterator`, a `Stream`) around `Walk::next`, and re-exports
// the public types.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::budget::{Budget, Permit};
use super::maybe_io;
use super::transport::{Transport, sleep};
use crate::auth::{AccessToken, StaticToken};
use crate::clock::Clock;
use crate::config::Environment;
use crate::error::{Error, Result};
use crate::request::{Call, Repeat};
use crate::retry::{Failure, RetryDecision, RetryPolicy};
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
    pub(super) inner: Arc<Inner>,
}

// Fields `pub(super)` so that `ClientBuilder::build`, in its own file, can fill them.
pub(super) struct Inner {
    pub(super) transport: Transport,
    pub(super) environment: Environment,
    pub(super) tokens: Arc<dyn TokenProvider>,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) retry: RetryPolicy,
    pub(super) rate_limiter: Option<Budget>,
    pub(super) timeout: Duration,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("environment", &self.inner.environment)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// The environment this client talks to.
    pub fn environment(&self) -> &Environment {
        &self.inner.environment
    }

    pub(super) fn now(&self) -> time::OffsetDateTime {
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
    pub(super) async fn execute<T>(&self, call: Call<T>) -> Result<T> {
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
        // What the endpoint says, never a guess from the method or the path.
        let repeat = call.repeat();
        let unconfirmed = match repeat {
            Repeat::Unsafe { on_unknown } => Some(on_unknown),
            Repeat::Safe => None,
        };
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
            let mut token =
                (self.inner.tokens.access_token().await).map_err(|e| e.after_attempts(attempts))?;
            // Taken after the token, so a slow refresh holds no slot.
            let (permit, waited) = match self.slot(started, budget).await {
                Ok(permit) => permit,
                Err(local) => return Err(finish(last.unwrap_or(local), attempts)),
            };
            // A token taken before a wait may have been replaced meanwhile (by another
            // process's refresh, with a shared store): ask again, and never send it stale.
            if waited {
                match self.inner.tokens.access_token().await {
                    Ok(fresh) => token = fresh,
                    Err(e) => {
                        if let Some(permit) = permit {
                            permit.cancel().await;
                        }
                        return Err(e.after_attempts(attempts));
                    }
                }
            }
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
                permit.release().await;
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
            let decision = self.inner.retry.decide(
                failures,
                repeat,
                Failure::from(&error),
                started.elapsed(),
                random(),
            );
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
    /// call's budget: when the next slot lies beyond it, returns at once. Says
    /// whether it waited.
    async fn slot(
        &self,
        started: std::time::Instant,
        budget: Duration,
    ) -> Result<(Option<Permit>, bool)> {
        let Some(limiter) = &self.inner.rate_limiter else {
            return Ok((None, false));
        };
        let floor = self.min_attempt_time();
        let mut waited = false;
        // Each turn waits at least a millisecond, or ends the loop: the budget bounds it.
        loop {
            let remaining = budget.saturating_sub(started.elapsed());
            let wait = match limiter.try_acquire().await? {
                Ok(permit) if remaining >= floor => return Ok((Some(permit), waited)),
                // Woken too late to send: the slot goes back unused.
                Ok(permit) => {
                    permit.cancel().await;
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
            waited = true;
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
