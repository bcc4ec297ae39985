//! A token set and a rate budget shared by every process of one business.
//!
//! Revolut's limits are per business: 60 requests a minute for all its processes
//! together, and (as production integrations report) a refresh invalidates the
//! access token issued before it. Each process keeping its own token and limiter
//! then logs the others out and overspends the budget. A [`SharedState`] is the
//! one place they all use instead:
//!
//! - **tokens**: one stored token set; one refresh per expiry across every process,
//!   made by whichever holds the refresh lock while the others wait and read it; a
//!   401 caused by another process's refresh is answered by reading the store again;
//! - **rate budget**: slots held by requests, stored with their expiry, so that all
//!   processes together never exceed the limit in any window, and a process that
//!   dies holding slots frees them when they expire.
//!
//! Two engines: a file on one machine ([`SharedState::file`], with advisory file
//! locks; in the `blocking` and `async` features), and PostgreSQL for processes on
//! several machines ([`SharedState::postgres`], feature `postgres`, whose clock
//! decides the rate windows). Give it to
//! [`ClientBuilder::shared_state`](crate::blocking::ClientBuilder::shared_state) or
//! [`RefreshingTokenProviderBuilder::shared_state`](crate::blocking::RefreshingTokenProviderBuilder::shared_state).
//!
//! The store holds tokens: the file is created readable by its owner only and
//! refused if anyone else may read it or it belongs to another user; no token ever
//! appears in an error, a log line or a trace.

mod error;
pub use error::{SharedStateError, SharedStateErrorKind};

// The store itself: the clients' features (the file engine is std only).
#[cfg(any(feature = "blocking", feature = "async"))]
mod store;
#[cfg(any(feature = "blocking", feature = "async"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "blocking", feature = "async"))))]
pub use store::SharedState;
#[cfg(any(feature = "blocking", feature = "async"))]
pub(crate) use store::{StoredTokens, TokenGuard};
