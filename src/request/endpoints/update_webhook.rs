//! `PATCH /webhooks/{id}`: changes the URL, the events, or both.

use super::{Call, Endpoint, json};
use crate::http_types::{Method, Repeat};
use crate::models::{UpdateWebhook, Webhook, WebhookId};

/// Setting given values twice leaves them as once.
const ENDPOINT: Endpoint = Endpoint {
    method: Method::Patch,
    template: "/webhooks/{id}",
    repeat: Repeat::Safe,
};

/// `PATCH /webhooks/{id}`: changes the URL, the events, or both.
pub fn update_webhook(id: WebhookId, update: &UpdateWebhook) -> Call<Webhook> {
    let mut call = ENDPOINT.call(Some(&id), json);
    call.request_mut().set_json(update);
    call
}
