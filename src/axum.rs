//! An [axum](https://docs.rs/axum) extractor that verifies a delivery and parses its
//! event (feature `axum`).
//!
//! [`VerifiedEvent`] takes the [`Verifier`] from the router's state, reads the raw body
//! (up to a size limit), checks `Revolut-Request-Timestamp` and `Revolut-Signature`, and
//! parses the [`WebhookEvent`]. A handler that takes it runs only for genuine deliveries;
//! anything else is answered with the status [`VerifyError::status_code`] gives and a
//! short plain-text reason, before the handler is called.
//!
//! ```no_run
//! use axum::{Router, routing::post};
//! use revolut_webhooks::axum::VerifiedEvent;
//! use revolut_webhooks::events::EventData;
//! use revolut_webhooks::signature::Verifier;
//!
//! async fn webhook(VerifiedEvent(event): VerifiedEvent) -> &'static str {
//!     if let EventData::TransactionCreated(tx) = &event.data {
//!         println!("transaction {} created", tx.id);
//!     }
//!     "ok"
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let verifier = Verifier::new(std::env::var("REVOLUT_WEBHOOK_SECRET")?)?;
//! let app: Router = Router::new()
//!     .route("/webhooks/revolut", post(webhook))
//!     .with_state(verifier);
//! # let _ = app; Ok(()) }
//! ```
//!
//! The state can be the `Verifier` itself or any state it can be taken from
//! (`impl FromRef<AppState> for Verifier`); cloning a verifier costs a reference count.
//! To log rejections, take `Result<VerifiedEvent, WebhookRejection>` instead and look
//! at [`WebhookRejection::error`].

use ::axum::extract::{FromRef, FromRequest, Request};
use ::axum::http::{StatusCode, header};
use ::axum::response::{IntoResponse, Response};

use crate::events::WebhookEvent;
use crate::signature::{SIGNATURE_HEADER, TIMESTAMP_HEADER, Verifier, VerifyError};

/// The largest body [`VerifiedEvent`] reads by default: 256 KiB, far above any Revolut
/// event.
pub const DEFAULT_BODY_LIMIT: usize = 256 * 1024;

/// A delivery whose signature verified, parsed into its event.
///
/// `LIMIT` is the largest body read, in bytes ([`DEFAULT_BODY_LIMIT`] unless given:
/// `VerifiedEvent<{ 1024 * 1024 }>`); a larger one is refused with 413 without being
/// read to the end.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedEvent<const LIMIT: usize = DEFAULT_BODY_LIMIT>(pub WebhookEvent);

impl<S, const LIMIT: usize> FromRequest<S> for VerifiedEvent<LIMIT>
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
        verifier
            .verify_headers_and_parse(&body, &parts.headers)
            .map(VerifiedEvent)
            .map_err(WebhookRejection::from)
    }
}

/// Why [`VerifiedEvent`] refused a request; answers with its status and a short
/// plain-text reason (never a secret, an expected signature or the body).
#[derive(Debug)]
pub struct WebhookRejection {
    status: StatusCode,
    reason: &'static str,
    error: Option<VerifyError>,
}

impl WebhookRejection {
    fn plain(status: StatusCode, reason: &'static str) -> Self {
        WebhookRejection {
            status,
            reason,
            error: None,
        }
    }

    /// The HTTP status it answers with: 400, 401 or 413.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The text it answers with.
    pub fn reason(&self) -> &'static str {
        self.reason
    }

    /// What verification found, when the body was read (`None` for a body that was too
    /// large or could not be read).
    pub fn error(&self) -> Option<&VerifyError> {
        self.error.as_ref()
    }
}

impl From<VerifyError> for WebhookRejection {
    fn from(error: VerifyError) -> Self {
        let reason = match &error {
            VerifyError::MissingHeader { name } if *name == TIMESTAMP_HEADER => {
                "missing Revolut-Request-Timestamp header"
            }
            VerifyError::MissingHeader { name } if *name == SIGNATURE_HEADER => {
                "missing Revolut-Signature header"
            }
            VerifyError::MissingHeader { .. } => "missing header",
            VerifyError::MalformedTimestamp => "malformed Revolut-Request-Timestamp header",
            VerifyError::TimestampTooOld { .. } => "timestamp too old",
            VerifyError::TimestampInFuture { .. } => "timestamp in the future",
            VerifyError::NoV1Signature => "no v1 signature",
            VerifyError::MalformedSignature => "malformed Revolut-Signature header",
            VerifyError::NoMatch => "invalid signature",
            VerifyError::InvalidEvent(_) => "invalid event",
        };
        WebhookRejection {
            status: StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::BAD_REQUEST),
            reason,
            error: Some(error),
        }
    }
}

impl std::fmt::Display for WebhookRejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.error {
            Some(error) => write!(f, "webhook rejected ({}): {error}", self.status.as_u16()),
            None => write!(
                f,
                "webhook rejected ({}): {}",
                self.status.as_u16(),
                self.reason
            ),
        }
    }
}

impl std::error::Error for WebhookRejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.error.as_ref().map(|e| e as _)
    }
}

impl IntoResponse for WebhookRejection {
    fn into_response(self) -> Response {
        (
            self.status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            self.reason,
        )
            .into_response()
    }
}

// The extractor that keeps the raw body and the key, for receivers with an inbox.
mod delivery;
pub use delivery::VerifiedDelivery;
