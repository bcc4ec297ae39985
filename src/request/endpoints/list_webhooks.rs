//! `GET /webhooks`: every webhook, without secrets.

use super::{Call, Endpoint, json};
use crate::http_types::{Method, Repeat};
use crate::models::Webhook;

const ENDPOINT: Endpoint = Endpoint {
    method: Method::Get,
    template: "/webhooks",
    repeat: Repeat::Safe,
};

/// `GET /webhooks`: every webhook, without secrets.
pub fn list_webhooks() -> Call<Vec<Webhook>> {
    ENDPOINT.call(None, json)
}
