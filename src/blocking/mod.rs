//! The blocking client, on [ureq](https://docs.rs/ureq): for scripts, command-line
//! tools and batch jobs. No async runtime is involved.
//!
//! ```no_run
//! use revolut_webhooks::blocking::Client;
//! use revolut_webhooks::{CreateWebhook, Environment, EventType};
//! use revolut_webhooks::auth::StaticToken;
//!
//! let client = Client::builder()
//!     .environment(Environment::Sandbox)
//!     .token_provider(StaticToken::new(std::env::var("REVOLUT_ACCESS_TOKEN")?))
//!     .build()?;
//! let hooks = client.webhooks();
//! let created = hooks.create(
//!     &CreateWebhook::new("https://example.com/hooks/revolut")?.with_events([EventType::TransactionCreated])?,
//! )?;
//! for hook in hooks.list()? {
//!     println!("{} -> {}", hook.id, hook.url);
//! }
//! hooks.delete(created.id)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

// `must_be_sync`, never `#[maybe_async]`: see the header of `shell/client.rs`.
pub(crate) use maybe_async::must_be_sync as maybe_io;

use crate::error::Result;
use crate::models::{FailedEvent, FailedEventsQuery, WebhookId};
use crate::pagination::WalkError;

/// Runs `$body` inside the tracing span `$span`: blocking, it enters the span around the call.
macro_rules! within {
    ($span:expr, $body:expr) => {
        $span.in_scope(|| $body)
    };
}

// Everything that names the HTTP library lives there, and nothing else does.
mod transport;

mod flight {
    use std::sync::{Mutex, MutexGuard, PoisonError};

    use super::refreshing::RefreshingTokenProvider;
    use crate::auth::TokenSet;
    use crate::error::{AuthError, Error};

    /// Blocking calls need no runtime.
    pub(super) fn runtime() -> Result<(), Error> {
        Ok(())
    }

    /// Runs the locked part of a refresh on the caller's thread: a blocking call
    /// cannot be abandoned half-way.
    pub(super) fn detached(
        provider: &RefreshingTokenProvider,
        seen: Option<u64>,
    ) -> Result<TokenSet, AuthError> {
        provider.refresh_in_flight(seen)
    }

    /// User code (the assertion signer, `on_refresh`), run in place.
    pub(super) fn off_runtime<T>(f: impl FnOnce() -> T) -> Option<T> {
        Some(f())
    }

    /// Held across a token refresh, so one caller refreshes and the others wait.
    pub(super) struct FlightLock(Mutex<()>);

    impl FlightLock {
        pub(super) fn new() -> Self {
            FlightLock(Mutex::new(()))
        }

        pub(super) fn lock(&self) -> MutexGuard<'_, ()> {
            // It guards no data: a panic while it was held leaves nothing half-done.
            self.0.lock().unwrap_or_else(PoisonError::into_inner)
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

// The shell's retry decisions, tried on calls no endpoint of the API makes.
#[cfg(test)]
mod tests;

impl Webhooks<'_> {
    /// Every failed event of the webhook, newest first, page after page, each
    /// exactly once (see [the crate docs](crate#pagination) on ties).
    ///
    /// Holds one page in memory at a time. Each item is an event or a
    /// [`WalkError`]: after a failed request ([`WalkError::Request`]) the iterator
    /// ends; after a [`WalkError::TiedEventsOverflow`] (more than 1000 events at one
    /// instant, which the API cannot page through) it goes on with older events.
    ///
    /// ```no_run
    /// # fn run(client: revolut_webhooks::blocking::Client, id: revolut_webhooks::WebhookId) -> revolut_webhooks::Result<()> {
    /// use revolut_webhooks::FailedEventsQuery;
    /// use revolut_webhooks::pagination::WalkError;
    ///
    /// for item in client.webhooks().failed_events_all(id, &FailedEventsQuery::new().with_limit(1000)?)? {
    ///     match item {
    ///         Ok(event) => println!("{} {}", event.created_at, event.payload_json()),
    ///         // Some events at one instant may be missing: say so, and go on.
    ///         Err(WalkError::TiedEventsOverflow(overflow)) => eprintln!("warning: {overflow}"),
    ///         Err(WalkError::Request(error)) => return Err(error),
    ///         Err(other) => eprintln!("{other}"),
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn failed_events_all(
        &self,
        id: WebhookId,
        query: &FailedEventsQuery,
    ) -> Result<FailedEvents> {
        Ok(FailedEvents {
            walk: self.walk(id, query)?,
        })
    }
}

/// The iterator of [`Webhooks::failed_events_all`].
pub struct FailedEvents {
    walk: webhooks::Walk,
}

impl std::fmt::Debug for FailedEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FailedEvents").finish_non_exhaustive()
    }
}

impl Iterator for FailedEvents {
    type Item = Result<FailedEvent, WalkError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.walk.next()
    }
}

impl std::iter::FusedIterator for FailedEvents {}
