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
use crate::error::{AuthError, AuthErrorKind, Result};
use crate::retry::RetryPolicy;
use crate::shared_state::{SharedState, SharedStateError, StoredTokens, TokenGuard};
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
/// On its own it never writes anything to disk: to keep the latest token set (a job
/// that restarts), pass [`on_refresh`](super::RefreshingTokenProviderBuilder::on_refresh).
/// Several processes of one business share one token set through a
/// [`SharedState`](super::RefreshingTokenProviderBuilder::shared_state): then one of
/// them refreshes per expiry, the others read the store, and a 401 caused by another
/// process's refresh is answered by reading the store again, not by refreshing.
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
    /// The store every process of the business shares, if any: then it, not
    /// `state`, is the truth, and `state` only caches what was read.
    pub(super) shared: Option<SharedState>,
    /// With a store: the token set the builder was given, stored if the store has none.
    pub(super) seed: Option<StoredTokens>,
}

pub(super) struct State {
    pub(super) refresh_token: RefreshToken,
    pub(super) current: Option<Current>,
    /// Finished refresh attempts, successful or not.
    pub(super) attempts: u64,
    /// The error of the last attempt, if it failed.
    pub(super) failure: Option<AuthError>,
    /// The access token the API last rejected: never taken from the store again.
    pub(super) rejected: Option<AccessToken>,
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
        if let Some(shared) = &self.inner.shared {
            return self.refresh_shared(shared, seen.is_none()).await;
        }
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
        self.refresh_locked(refresh_token, None).await
    }

    /// The single flight with a shared store: read it (another process may have
    /// refreshed); else take the store's refresh lock (waiting for another process's
    /// refresh), read it again, and refresh only if what it holds is still not usable.
    /// `force`: refresh whatever the store holds.
    async fn refresh_shared(
        &self,
        shared: &SharedState,
        force: bool,
    ) -> Result<TokenSet, AuthError> {
        if !force && let Some(tokens) = self.read_shared(shared).await? {
            return Ok(tokens);
        }
        let store = shared.clone();
        let guard = flight::off_runtime(move || store.lock_tokens())
            .await
            .unwrap_or_else(|| Err(store_shut_down()))
            .map_err(store_error)?;
        let current = guard.current().cloned();
        if !force {
            if let Some(tokens) = current.as_ref().and_then(|c| self.adopt(c)) {
                return Ok(tokens);
            }
            // An empty store starts from the token set the builder was given.
            if current.as_ref().is_none_or(|c| c.access.is_none())
                && let Some(seed) = self.inner.seed.clone()
                && let Some(tokens) = self.adopt(&seed)
            {
                let store = shared.clone();
                flight::off_runtime(move || store.store_tokens(guard, &seed))
                    .await
                    .unwrap_or_else(|| Err(store_shut_down()))
                    .map_err(store_error)?;
                return Ok(tokens);
            }
        }
        let refresh_token = current
            .as_ref()
            .and_then(|c| c.refresh_token.clone())
            .unwrap_or_else(|| self.state().refresh_token.clone());
        let lease = Lease {
            store: shared.clone(),
            guard,
            current,
        };
        self.refresh_locked(refresh_token, Some(lease)).await
    }

    /// The store's token set, if it may be used now (then it is cached here too).
    pub(super) async fn read_shared(
        &self,
        shared: &SharedState,
    ) -> Result<Option<TokenSet>, AuthError> {
        let store = shared.clone();
        let loaded = flight::off_runtime(move || store.load())
            .await
            .unwrap_or_else(|| Err(store_shut_down()))
            .map_err(store_error)?;
        Ok(loaded.and_then(|stored| self.adopt(&stored)))
    }

    /// One refresh, with the refresh lock held: sign, send, record, tell `on_refresh`.
    async fn refresh_locked(
        &self,
        refresh_token: RefreshToken,
        lease: Option<Lease>,
    ) -> Result<TokenSet, AuthError> {
        let span = token_span!("token_refresh");
        let watch = Stopwatch::start();
        let result = within!(span, self.refresh_traced(refresh_token, lease, &span)).await;
        finish_token_span(&span, &watch, &result);
        result
    }

    /// [`refresh_locked`](Self::refresh_locked), inside its span.
    async fn refresh_traced(
        &self,
        refresh_token: RefreshToken,
        lease: Option<Lease>,
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
        // With a store, the new set counts once it is stored (atomically, releasing
        // the store's lock): until then the other processes keep the old one.
        let result = match (result, lease) {
            (Ok(tokens), Some(lease)) => {
                let stored = StoredTokens::after(lease.current.as_ref(), &tokens, now);
                let store = lease.store;
                let guard = lease.guard;
                flight::off_runtime(move || store.store_tokens(guard, &stored))
                    .await
                    .unwrap_or_else(|| Err(store_shut_down()))
                    .map_err(|e| {
                        AuthError::with_kind(
                            AuthErrorKind::Unavailable,
                            format!(
                                "the token was refreshed but could not be stored, so the other \
                                 processes cannot use it; the next call refreshes again ({e})"
                            ),
                        )
                        .with_source(e)
                    })
                    .map(|()| tokens)
            }
            (result, _) => result,
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
        if let Some(shared) = &self.inner.shared {
            // Read every time: another process may have refreshed, which invalidates
            // the token cached here.
            if let Some(tokens) = self.read_shared(shared).await? {
                return Ok(tokens.access_token);
            }
            let seen = self.state().attempts;
            return Ok(flight::detached(self, Some(seen)).await?.access_token);
        }
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
        // With a store: the next call reads it, and refreshes only if it still holds this one.
        state.rejected = Some(rejected.clone());
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

/// The store's lock and what it held, through a refresh.
struct Lease {
    store: SharedState,
    guard: TokenGuard,
    current: Option<StoredTokens>,
}

impl RefreshingTokenProvider {
    /// The stored set, if it may be sent now: then it is cached here as well.
    fn adopt(&self, stored: &StoredTokens) -> Option<TokenSet> {
        let now = self.now();
        let mut state = self.state();
        if !stored.usable(now, self.inner.margin, state.rejected.as_ref()) {
            return None;
        }
        let tokens = stored.token_set()?;
        let obtained = stored.obtained_at.unwrap_or(now);
        state.install(tokens.clone(), obtained, self.inner.margin);
        Some(tokens)
    }
}

fn store_error(e: SharedStateError) -> AuthError {
    AuthError::with_kind(AuthErrorKind::Unavailable, e.to_string()).with_source(e)
}

fn store_shut_down() -> SharedStateError {
    SharedStateError::new(
        crate::shared_state::SharedStateErrorKind::Io,
        "",
        "the tokio runtime is shutting down",
    )
}
