//! `Webhooks`: one method per endpoint, and the walk behind `failed_events_all`.

// Part of the I/O shell, included once per mode: see the header of `client.rs`.

use super::client::Client;
use super::maybe_io;
use crate::error::Result;
use crate::models::{
    CreateWebhook, FailedEvent, FailedEventsQuery, SecretExpiration, UpdateWebhook, Webhook,
    WebhookId, WebhookWithSecret,
};
use crate::pagination::{FailedEventsCursor, TiedEventsOverflow, WalkError};
use crate::request;
use crate::trace::trace_span;

impl Client {
    /// The webhook endpoints.
    pub fn webhooks(&self) -> Webhooks<'_> {
        Webhooks { client: self }
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
