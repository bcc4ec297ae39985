//! `GET /webhooks/{id}`: one webhook, with its signing secret.

use super::{Call, Endpoint, json};
use crate::http_types::{Method, Repeat};
use crate::models::{WebhookId, WebhookWithSecret};

const ENDPOINT: Endpoint = Endpoint {
    method: Method::Get,
    template: "/webhooks/{id}",
    repeat: Repeat::Safe,
};

/// `GET /webhooks/{id}`: one webhook, with its signing secret.
pub fn get_webhook(id: WebhookId) -> Call<WebhookWithSecret> {
    ENDPOINT.call(Some(&id), json)
}
