//! `RefreshingTokenProvider`: the token cache, and one refresh however many callers wait.

// Part of the I/O shell, included once per mode (see the header of `client.rs`):
// under `must_be_sync` the refresh lock is a `std::sync::Mutex`, under
// `must_be_async` a `tokio::sync::Mutex`. Requests and answers come from the
// sans-IO `auth` module; `token_endpoint.rs` sends them, this file keeps the cache.
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

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use time::OffsetDateTime;

use super::client::TokenProvider;
use super::flight::{self, FlightLock};
use super::maybe_io;
use super::token_endpoint::{finish_token_span, send, shutting_down, token_span};
use super::transport::Transport;
use crate::auth::{AccessToken, ClientAssertion, RefreshToken, TokenSet, refresh_token_request};
use crate::clock::Clock;
use crate::config::Environment;
use crate::error::{AuthError, Result};
use crate::retry::RetryPolicy;
use crate::trace::{Span, Stopwatch};

pub(super) type OnRefresh = Arc<dyn Fn(&TokenSet) + Send + Sync>;

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
/// restarts), pass [`on_refresh`](super::RefreshingTokenProviderBuilder::on_refresh).
///
/// Clones share the cache. `Debug` shows no secret.
#[derive(Clone)]
pub struct RefreshingTokenProvider {
    pub(super) inner: Arc<Inner>,
}

// Fields `pub(super)` so that the builder, in its own file, can fill them.
pub(super) struct Inner {
    pub(super) transport: Transport,
    pub(super) environment: Environment,
    pub(super) assertion: ClientAssertion,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) margin: time::Duration,
    pub(super) on_refresh: Option<OnRefresh>,
    pub(super) retry: RetryPolicy,
    pub(super) timeout: Duration,
    pub(super) state: Mutex<State>,
    pub(super) flight: FlightLock,
}

pub(super) struct State {
    pub(super) refresh_token: RefreshToken,
    pub(super) current: Option<Current>,
    /// Finished refresh attempts, successful or not.
    pub(super) attempts: u64,
    /// The error of the last attempt, if it failed.
    pub(super) failure: Option<AuthError>,
}

pub(super) struct Current {
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

    pub(super) fn install(
        &mut self,
        tokens: TokenSet,
        now: OffsetDateTime,
        margin: time::Duration,
    ) {
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
