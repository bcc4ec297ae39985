//! The async client, on [reqwest](https://docs.rs/reqwest): for async servers (axum,
//! actix) and concurrent jobs. Its futures are `Send`, and it never blocks the runtime.
//! It needs a [tokio](https://docs.rs/tokio) runtime.
//!
//! ```no_run
//! use futures_util::TryStreamExt;
//! use revolut_webhooks::nonblocking::Client;
//! use revolut_webhooks::{Environment, FailedEventsQuery};
//! use revolut_webhooks::auth::StaticToken;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::builder()
//!     .environment(Environment::Sandbox)
//!     .token_provider(StaticToken::new(std::env::var("REVOLUT_ACCESS_TOKEN")?))
//!     .build()?;
//! for hook in client.webhooks().list().await? {
//!     let mut failed = client.webhooks().failed_events_all(hook.id, &FailedEventsQuery::new())?;
//!     while let Some(event) = failed.try_next().await? {
//!         println!("{} {}", event.created_at, event.payload_json());
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! To implement [`TokenProvider`] yourself, use the re-exported [`async_trait`](macro@async_trait) attribute.
//!
//! # The runtime
//!
//! Calls must run inside a tokio runtime with IO and time enabled (`#[tokio::main]`,
//! `#[tokio::test]`, `Runtime::block_on`, or a task spawned on one); a current-thread
//! runtime is fine. Polled outside one, a call returns [`Error::NoRuntime`](crate::Error::NoRuntime)
//! and sends nothing, instead of panicking inside reqwest. Building a client or a
//! provider needs no runtime.
//!
//! The [`RefreshingTokenProvider`] never blocks the runtime either: the assertion
//! signer (a KMS call, RS256 signing) and `on_refresh` (storing the token set) run on
//! tokio's blocking pool (`spawn_blocking`, never `block_in_place`, which panics on a
//! current-thread runtime). Each refresh runs as its own task, so a caller dropped
//! mid-refresh (a `tokio::time::timeout`, a `select!`) does not cancel a token
//! request already sent: the refresh completes and the callers after it use its answer.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

// `must_be_async`, never `#[maybe_async]`: see the header of `shell/client.rs`.
pub(crate) use maybe_async::must_be_async as maybe_io;

/// The attribute for implementing [`TokenProvider`].
pub use async_trait::async_trait;

use crate::error::Result;
use crate::models::{FailedEvent, FailedEventsQuery, WebhookId};
use crate::pagination::WalkError;

/// Runs the future `$body` inside the tracing span `$span`: async, the span is
/// entered on each poll, so no guard is held across an `.await`.
macro_rules! within {
    ($span:expr, $body:expr) => {
        $crate::trace::instrument($body, $span.clone())
    };
}

// Everything that names the HTTP library lives there, and nothing else does.
mod transport;

mod flight {
    use tokio::sync::{Mutex, MutexGuard};

    use super::refreshing::RefreshingTokenProvider;
    use crate::auth::TokenSet;
    use crate::error::{AuthError, Error};

    /// reqwest and tokio's timers panic outside a tokio runtime: say so instead.
    pub(super) fn runtime() -> Result<(), Error> {
        tokio::runtime::Handle::try_current()
            .map(drop)
            .map_err(|_| Error::NoRuntime)
    }

    /// Runs the locked part of a refresh as its own task, so that dropping the
    /// caller's future (a timeout, a `select!`) does not cancel a token request
    /// already sent: the refresh completes, and the callers after it use its answer.
    pub(super) async fn detached(
        provider: &RefreshingTokenProvider,
        seen: Option<u64>,
    ) -> Result<TokenSet, AuthError> {
        let provider = provider.clone();
        // The caller's span (its `api_call`) stays the refresh's parent across the spawn.
        let refresh = async move { provider.refresh_in_flight(seen).await };
        let refresh = crate::trace::instrument(refresh, crate::trace::Span::current());
        match tokio::spawn(refresh).await {
            Ok(result) => result,
            // A panic in user code (the signer, `on_refresh`) reaches the caller, as
            // it does when blocking.
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(_) => Err(super::token_endpoint::shutting_down()),
        }
    }

    /// Runs user code that may block (the assertion signer, `on_refresh`) on
    /// tokio's blocking pool, not on a runtime thread: this works on a
    /// current-thread runtime too, where `block_in_place` would panic. `None` if
    /// the runtime shut down first.
    pub(super) async fn off_runtime<T: Send + 'static>(
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Option<T> {
        match tokio::task::spawn_blocking(f).await {
            Ok(value) => Some(value),
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(_) => None,
        }
    }

    /// Held across a token refresh, so one task refreshes and the others wait
    /// (without blocking the runtime).
    pub(super) struct FlightLock(Mutex<()>);

    impl FlightLock {
        pub(super) fn new() -> Self {
            FlightLock(Mutex::new(()))
        }

        pub(super) async fn lock(&self) -> MutexGuard<'_, ()> {
            self.0.lock().await
        }
    }
}

// The I/O shell, written once in `src/shell/` and compiled here in this mode; the
// header of `shell/client.rs` lists what this module provides it (the items above).
#[allow(clippy::duplicate_mod)]
#[path = "../shell/budget.rs"]
mod budget;
#[allow(clippy::duplicate_mod)]
#[path = "../shell/client.rs"]
mod client;
#[allow(clippy::duplicate_mod)]
#[path = "../shell/client_builder.rs"]
mod client_builder;
#[allow(clippy::duplicate_mod)]
#[path = "../shell/refreshing.rs"]
mod refreshing;
#[allow(clippy::duplicate_mod)]
#[path = "../shell/refreshing_builder.rs"]
mod refreshing_builder;
#[allow(clippy::duplicate_mod)]
#[path = "../shell/sandbox.rs"]
mod sandbox;
#[allow(clippy::duplicate_mod)]
#[path = "../shell/token_endpoint.rs"]
mod token_endpoint;
#[allow(clippy::duplicate_mod)]
#[path = "../shell/webhooks.rs"]
mod webhooks;

pub use client::{Client, TokenProvider};
pub use client_builder::ClientBuilder;
pub use refreshing::RefreshingTokenProvider;
pub use refreshing_builder::RefreshingTokenProviderBuilder;
pub use sandbox::Sandbox;
pub use token_endpoint::exchange_authorization_code;
pub use webhooks::Webhooks;

impl Webhooks<'_> {
    /// Every failed event of the webhook, newest first, page after page, each
    /// exactly once (see [the crate docs](crate#pagination) on ties), as a `Stream`.
    ///
    /// Holds one page in memory at a time. Each item is an event or a
    /// [`WalkError`]: after a failed request ([`WalkError::Request`]) the stream
    /// ends; after a [`WalkError::TiedEventsOverflow`] (more than 1000 events at one
    /// instant, which the API cannot page through) it goes on with older events.
    pub fn failed_events_all(
        &self,
        id: WebhookId,
        query: &FailedEventsQuery,
    ) -> Result<FailedEvents> {
        let walk = self.walk(id, query)?;
        let stream = futures_util::stream::unfold(walk, |mut walk| async move {
            let item = walk.next().await?;
            Some((item, walk))
        });
        Ok(FailedEvents {
            inner: Box::pin(stream),
        })
    }
}

/// The stream of [`Webhooks::failed_events_all`] (a `Stream`; the blocking client's
/// type of the same name is an `Iterator`).
pub struct FailedEvents {
    inner: Pin<Box<dyn Stream<Item = Result<FailedEvent, WalkError>> + Send>>,
}

impl std::fmt::Debug for FailedEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FailedEvents").finish_non_exhaustive()
    }
}

impl Stream for FailedEvents {
    type Item = Result<FailedEvent, WalkError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}
