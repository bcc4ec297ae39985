//! Reconciling: the events of a webhook's failed-events walk, accepted under the keys
//! their live deliveries had.

use std::pin::Pin;

use futures_core::Stream;

use super::{Inbox, InboxError};
use crate::models::{FailedEvent, FailedEventId};

/// What [`Inbox::reconcile`] did.
#[derive(Debug)]
#[non_exhaustive]
pub struct ReconcileReport<E> {
    /// Events that were not in the inbox, now stored.
    pub new: u64,
    /// Events already in the inbox (received live, or reconciled before).
    pub known: u64,
    /// Failed events whose payload is not an event this crate can read: not stored,
    /// listed here so none is dropped silently.
    pub invalid: Vec<FailedEventId>,
    /// The walk's errors, in order (e.g. `WalkError`): the walk may have ended early or
    /// skipped events, so a run with errors should be repeated.
    pub walk_errors: Vec<E>,
}

impl<E> Default for ReconcileReport<E> {
    fn default() -> Self {
        ReconcileReport {
            new: 0,
            known: 0,
            invalid: Vec::new(),
            walk_errors: Vec::new(),
        }
    }
}

impl<E> ReconcileReport<E> {
    /// Whether every failed event was read and stored or known.
    pub fn is_complete(&self) -> bool {
        self.invalid.is_empty() && self.walk_errors.is_empty()
    }

    fn add(
        &mut self,
        inbox_result: Result<super::Accepted, InboxError>,
        id: FailedEventId,
    ) -> Result<(), InboxError> {
        match inbox_result {
            Ok(accepted) if accepted.is_new() => self.new += 1,
            Ok(_) => self.known += 1,
            Err(e) if e.is_bad_delivery() => self.invalid.push(id),
            Err(e) => return Err(e),
        }
        Ok(())
    }
}

impl Inbox {
    /// Accepts each failed event of a walk (the async client's
    /// `webhooks().failed_events_all(id)`, or any stream of them) under its delivery
    /// key: events already in the inbox are counted as known, the others stored.
    ///
    /// ```no_run
    /// # #[cfg(feature = "async")]
    /// # async fn run(client: revolut_webhooks::nonblocking::Client, inbox: revolut_webhooks::inbox::Inbox, id: revolut_webhooks::WebhookId) -> Result<(), Box<dyn std::error::Error>> {
    /// use revolut_webhooks::FailedEventsQuery;
    ///
    /// let walk = client.webhooks().failed_events_all(id, &FailedEventsQuery::new())?;
    /// let report = inbox.reconcile(walk).await?;
    /// println!("{} new, {} already known", report.new, report.known);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// A store error ends it (nothing is lost: run it again; known events are skipped).
    pub async fn reconcile<S, E>(&self, events: S) -> Result<ReconcileReport<E>, InboxError>
    where
        S: Stream<Item = Result<FailedEvent, E>>,
    {
        let mut events = std::pin::pin!(events);
        let mut report = ReconcileReport::default();
        while let Some(item) = next(events.as_mut()).await {
            match item {
                Ok(failed) => self.reconcile_one(&failed, &mut report).await?,
                Err(e) => report.walk_errors.push(e),
            }
        }
        Ok(report)
    }

    /// [`reconcile`](Inbox::reconcile) for failed events already at hand (a page, or a
    /// walk collected by the blocking client).
    ///
    /// # Errors
    ///
    /// A store error.
    pub async fn reconcile_iter<I, E>(&self, events: I) -> Result<ReconcileReport<E>, InboxError>
    where
        I: IntoIterator<Item = Result<FailedEvent, E>>,
    {
        let mut report = ReconcileReport::default();
        for item in events {
            match item {
                Ok(failed) => self.reconcile_one(&failed, &mut report).await?,
                Err(e) => report.walk_errors.push(e),
            }
        }
        Ok(report)
    }

    async fn reconcile_one<E>(
        &self,
        failed: &FailedEvent,
        report: &mut ReconcileReport<E>,
    ) -> Result<(), InboxError> {
        let result = self.accept(failed.payload_json().as_bytes()).await;
        report.add(result, failed.id)
    }
}

async fn next<S: Stream>(mut stream: Pin<&mut S>) -> Option<S::Item> {
    std::future::poll_fn(|cx| stream.as_mut().poll_next(cx)).await
}
