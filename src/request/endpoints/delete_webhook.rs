//! `DELETE /webhooks/{id}`.

use super::{Call, Endpoint, nothing};
use crate::http_types::{Method, Repeat};
use crate::models::WebhookId;

/// A second delete finds nothing to delete (a 404), and changes nothing.
const ENDPOINT: Endpoint = Endpoint {
    method: Method::Delete,
    template: "/webhooks/{id}",
    repeat: Repeat::Safe,
};

/// `DELETE /webhooks/{id}`.
pub fn delete_webhook(id: WebhookId) -> Call<()> {
    ENDPOINT.call(Some(&id), nothing)
}
