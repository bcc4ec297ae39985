//! [`VerifiedDelivery`]: the extractor for receivers that store before they answer. It
//! keeps the raw body and the event's [`DeliveryKey`] besides the parsed event, which is
//! what an inbox stores.

use ::axum::body::Bytes;
use ::axum::extract::{FromRef, FromRequest, Request};
use ::axum::http::StatusCode;

use super::{DEFAULT_BODY_LIMIT, WebhookRejection};
use crate::events::{DeliveryKey, WebhookEvent};
use crate::signature::Verifier;

/// A delivery whose signature verified: its raw body, its event and the event's key.
///
/// Rejects like [`VerifiedEvent`](super::VerifiedEvent) (400, 401 or 413, before the
/// handler runs). Store it, then answer: with the `sqlite` or `postgres` feature,
/// `inbox.accept_event(&delivery.body, &delivery.event)`, and 2xx only once that
/// returned `Ok` (see `revolut_webhooks::inbox`).
///
/// ```no_run
/// use axum::http::StatusCode;
/// use revolut_webhooks::axum::VerifiedDelivery;
///
/// async fn webhook(delivery: VerifiedDelivery) -> StatusCode {
///     println!("{} {}", delivery.event.event, delivery.key);
///     // store `delivery.body` under `delivery.key`, durably, then:
///     StatusCode::OK
/// }
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct VerifiedDelivery<const LIMIT: usize = DEFAULT_BODY_LIMIT> {
    /// The raw body, exactly as received (what the signature covers).
    pub body: Bytes,
    /// The parsed event.
    pub event: WebhookEvent,
    /// The event's key: equal for every delivery of this event.
    pub key: DeliveryKey,
}

impl<S, const LIMIT: usize> FromRequest<S> for VerifiedDelivery<LIMIT>
where
    S: Send + Sync,
    Verifier: FromRef<S>,
{
    type Rejection = WebhookRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, WebhookRejection> {
        let verifier = Verifier::from_ref(state);
        let (parts, body) = request.into_parts();
        let body = ::axum::body::to_bytes(body, LIMIT).await.map_err(|error| {
            let too_large = std::error::Error::source(&error)
                .is_some_and(|e| e.is::<http_body_util::LengthLimitError>());
            if too_large {
                WebhookRejection::plain(StatusCode::PAYLOAD_TOO_LARGE, "body too large")
            } else {
                WebhookRejection::plain(StatusCode::BAD_REQUEST, "could not read the body")
            }
        })?;
        let event = verifier
            .verify_headers_and_parse(&body, &parts.headers)
            .map_err(WebhookRejection::from)?;
        let key = event.delivery_key();
        Ok(VerifiedDelivery { body, event, key })
    }
}
