//! `GET /webhooks/{id}/failed-events`: one page of failed events.

use time::OffsetDateTime;

use super::{Call, Endpoint, json};
use crate::http_types::{Method, Repeat};
use crate::error::ValidationError;
use crate::models::{CreatedBefore, FailedEvent, FailedEventsQuery, WebhookId};

const ENDPOINT: Endpoint = Endpoint {
    method: Method::Get,
    template: "/webhooks/{id}/failed-events",
    repeat: Repeat::Safe,
};

/// `GET /webhooks/{id}/failed-events`: one page, newest first. The 21-day window
/// of `created_before` is checked against `now`.
pub fn failed_events(
    id: WebhookId,
    query: &FailedEventsQuery,
    now: OffsetDateTime,
) -> Result<Call<Vec<FailedEvent>>, ValidationError> {
    query.validate_at(now)?;
    Ok(failed_events_page(id, query.limit, query.created_before))
}

/// A page request without the client-side window check, for the pagination cursor
/// (the server stays the authority on its window).
pub(crate) fn failed_events_page(
    id: WebhookId,
    limit: Option<u32>,
    created_before: Option<CreatedBefore>,
) -> Call<Vec<FailedEvent>> {
    let mut call = ENDPOINT.call(Some(&id), json);
    let query = &mut call.request_mut().query;
    if let Some(limit) = limit {
        query.push(("limit", limit.to_string()));
    }
    if let Some(bound) = created_before {
        query.push(("created_before", bound.to_string()));
    }
    call
}
