//! `POST /webhooks`: creates a webhook.

use super::{Call, Endpoint, json};
use crate::http_types::{Method, Repeat};
use crate::models::{CreateWebhook, WebhookWithSecret};

/// Not repeated after an ambiguous failure: a repeat could create an eleventh webhook.
const ENDPOINT: Endpoint = Endpoint {
    method: Method::Post,
    template: "/webhooks",
    repeat: Repeat::Unsafe {
        on_unknown: "the webhook may exist: it was not created again, call list() to check \
                     before creating it",
    },
};

/// `POST /webhooks`: creates a webhook; the answer carries its signing secret.
pub fn create_webhook(webhook: &CreateWebhook) -> Call<WebhookWithSecret> {
    let mut call = ENDPOINT.call(None, json);
    call.request_mut().set_json(webhook);
    call
}
