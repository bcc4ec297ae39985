//! Workers: process one event with a [`Handler`], or run until told to stop; and the
//! decisions both engines share after a handler fails.

use std::future::Future;
use std::time::Duration;

use super::policy;
use super::record::{Claim, Outcome, Processed};
use super::{Handler, Inbox, InboxError, InboxOptions};

impl Inbox {
    /// Claims one ready event, runs `handler` (cut off when the lease ends), and
    /// records the outcome. `Ok(None)` when no event is ready.
    ///
    /// # Errors
    ///
    /// A store error; a claimed event is taken again when its lease ends.
    pub async fn process_one<H>(&self, handler: &H) -> Result<Option<Processed>, InboxError>
    where
        H: Handler + ?Sized,
    {
        let Some(claim) = self.claim().await? else {
            return Ok(None);
        };
        let lease = self.options().lease;
        let outcome = match tokio::time::timeout(lease, handler.handle(&claim.event)).await {
            Ok(Ok(())) => {
                if self.complete(&claim).await? {
                    Outcome::Done
                } else {
                    Outcome::LeaseLost
                }
            }
            Ok(Err(error)) => self.fail(&claim, &error.to_string()).await?,
            Err(_) => self.fail(&claim, &lease_elapsed(lease)).await?,
        };
        Ok(Some(Processed {
            key: claim.event.key,
            outcome,
        }))
    }

    /// A worker: processes events until `stop` completes, waiting `idle` when none is
    /// ready or the store is unavailable (it keeps trying: an outage of the store
    /// is waited out).
    ///
    /// # Errors
    ///
    /// A store error other than unavailability (e.g. a schema changed underneath).
    pub async fn run<H>(
        &self,
        handler: &H,
        idle: Duration,
        stop: impl Future<Output = ()>,
    ) -> Result<(), InboxError>
    where
        H: Handler + ?Sized,
    {
        let mut stop = std::pin::pin!(stop);
        loop {
            let wait = match self.process_one(handler).await {
                Ok(Some(_)) => false,
                Ok(None) | Err(InboxError::Unavailable { .. }) => true,
                Err(other) => return Err(other),
            };
            if wait {
                if tokio::time::timeout(idle, stop.as_mut()).await.is_ok() {
                    return Ok(());
                }
            } else if futures_poll_ready(&mut stop) {
                return Ok(());
            }
        }
    }
}

/// Whether a pinned future is ready now, without waiting.
fn futures_poll_ready<F: Future<Output = ()>>(future: &mut std::pin::Pin<&mut F>) -> bool {
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    future.as_mut().poll(&mut cx).is_ready()
}

/// The next attempt's instant (`None`: dead) and the outcome to report, after a failure.
pub(crate) fn failure_plan(
    options: &InboxOptions,
    claim: &Claim,
    now: policy::Micros,
    error: &str,
) -> (Option<policy::Micros>, Outcome) {
    match policy::after_failure(
        claim.event.attempt,
        options.max_attempts,
        now,
        options.backoff_base,
        options.backoff_cap,
    ) {
        policy::AfterFailure::Retry { at, wait } => (
            Some(at),
            Outcome::Retry {
                after: wait,
                error: truncated(error).to_owned(),
            },
        ),
        policy::AfterFailure::Dead => (
            None,
            Outcome::Dead {
                error: truncated(error).to_owned(),
            },
        ),
    }
}

/// An error's text, cut to 4 000 bytes (at a character boundary) for storing.
pub(crate) fn truncated(error: &str) -> &str {
    let mut end = error.len().min(4000);
    while !error.is_char_boundary(end) {
        end -= 1;
    }
    &error[..end]
}

/// The error recorded for a handler cut off at the end of its lease.
pub(crate) fn lease_elapsed(lease: Duration) -> String {
    format!("the handler did not finish within the lease ({lease:?})")
}
