//! `POST /webhooks/{id}/rotate-signing-secret`: a new signing secret.

use super::{Call, Endpoint, json};
use crate::http_types::{Method, Repeat};
use crate::models::{SecretExpiration, WebhookId, WebhookWithSecret};

/// Not repeated after an ambiguous failure: a repeat could make a fourth key.
const ENDPOINT: Endpoint = Endpoint {
    method: Method::Post,
    template: "/webhooks/{id}/rotate-signing-secret",
    repeat: Repeat::Unsafe {
        on_unknown: "the signing secret may have been rotated: it was not rotated again, \
                     call get() to read the current secret before rotating",
    },
};

/// `POST /webhooks/{id}/rotate-signing-secret`: a new secret; the old one stays
/// valid for `expiration` (immediately invalid when `None`).
///
/// The API requires a body, so `None` sends `{}`.
pub fn rotate_signing_secret(
    id: WebhookId,
    expiration: Option<SecretExpiration>,
) -> Call<WebhookWithSecret> {
    #[derive(serde::Serialize)]
    struct Rotate {
        #[serde(skip_serializing_if = "Option::is_none")]
        expiration_period: Option<SecretExpiration>,
    }
    let mut call = ENDPOINT.call(Some(&id), json);
    call.request_mut().set_json(&Rotate {
        expiration_period: expiration,
    });
    call
}
