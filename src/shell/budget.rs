//! `Budget`: the client's rate budget, in this process ([`RateLimiter`]) or shared
//! by every process of the business (a [`SharedState`]), and the slot a request holds.

// Part of the I/O shell, included once per mode: see the header of `client.rs`. The
// shared store's calls do I/O that may block (a file lock, a query): they run
// through `flight::off_runtime`, on tokio's blocking pool when async.

use std::time::{Duration, Instant};

use super::flight;
use super::maybe_io;
use crate::error::Error;
use crate::rate_limit::{RateLimitPermit, RateLimiter};
use crate::shared_state::{SharedState, SharedStateError, SharedStateErrorKind};

/// Where the client's rate slots come from.
#[derive(Clone, Debug)]
pub(super) enum Budget {
    Local(RateLimiter),
    /// At most `requests` per `per`, counted in the store across processes.
    Shared {
        store: SharedState,
        requests: u32,
        per: Duration,
        /// The longest a request can be in flight (the client's timeout): a slot
        /// whose holder died frees this long plus `per` after it was taken.
        flight: Duration,
    },
}

/// The slot one request holds from just before it is sent.
pub(super) enum Permit {
    Local(RateLimitPermit),
    Shared {
        store: SharedState,
        id: u64,
        per: Duration,
    },
}

fn stopped() -> SharedStateError {
    SharedStateError::new(
        SharedStateErrorKind::Io,
        "",
        "the tokio runtime is shutting down",
    )
}

#[maybe_io]
impl Budget {
    /// Takes a slot, or says how long at the least until one may be free.
    pub(super) async fn try_acquire(&self) -> Result<Result<Permit, Duration>, Error> {
        match self {
            Budget::Local(limiter) => Ok(limiter.try_acquire().map(Permit::Local)),
            Budget::Shared {
                store,
                requests,
                per,
                flight: longest,
            } => {
                let (s, requests, per, hold) =
                    (store.clone(), *requests, *per, longest.saturating_add(*per));
                let taken = flight::off_runtime(move || s.try_acquire_slot(requests, per, hold))
                    .await
                    .unwrap_or_else(|| Err(stopped()))?;
                Ok(taken.map(|id| Permit::Shared {
                    store: store.clone(),
                    id,
                    per,
                }))
            }
        }
    }
}

#[maybe_io]
impl Permit {
    /// The answer arrived (or the request failed): the slot frees a period later.
    pub(super) async fn release(self) {
        match self {
            Permit::Local(permit) => permit.release_at(Instant::now()),
            Permit::Shared { store, id, per } => {
                // A failed release leaves the slot to expire by itself: later, never sooner.
                let _ = flight::off_runtime(move || store.release_slot(id, Some(per))).await;
            }
        }
    }

    /// The request was not sent: the slot frees at once.
    pub(super) async fn cancel(self) {
        match self {
            Permit::Local(permit) => permit.cancel(),
            Permit::Shared { store, id, .. } => {
                let _ = flight::off_runtime(move || store.release_slot(id, None)).await;
            }
        }
    }
}
