//! Why a signing secret or a delivery is refused.

use super::names::TIMESTAMP_HEADER;
use crate::events::EventParseError;

/// Why a signing secret was refused by [`Verifier::new`](super::Verifier::new) and friends.
///
/// The message never contains the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidSecret {
    /// The secret is empty, or has nothing after its `wsk_` prefix.
    #[error("the webhook signing secret is empty")]
    Empty,
    /// The secret does not start with `wsk_`.
    #[error("the webhook signing secret does not start with `wsk_`")]
    MissingPrefix,
    /// The secret contains whitespace or control characters, which a real secret never
    /// does: usually a newline picked up from a file or an environment variable.
    #[error("the webhook signing secret contains whitespace or control characters")]
    Whitespace,
    /// [`Verifier::from_secrets`](super::Verifier::from_secrets) was given no secret at all.
    #[error("no webhook signing secret was given")]
    NoSecrets,
}

/// Why a delivery was rejected.
///
/// Use [`status_code`](VerifyError::status_code) to pick the HTTP status to answer with.
/// No message ever contains a secret or an expected signature.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// A required header is absent (or empty).
    #[error("missing `{name}` header")]
    MissingHeader {
        /// The header's name: [`TIMESTAMP_HEADER`] or [`SIGNATURE_HEADER`](super::SIGNATURE_HEADER).
        name: &'static str,
    },
    /// The timestamp header is not a whole number of milliseconds.
    #[error(
        "malformed `Revolut-Request-Timestamp` header: expected milliseconds since the Unix epoch"
    )]
    MalformedTimestamp,
    /// The timestamp is older than the tolerance allows (a replay, or a very late delivery).
    #[error("webhook timestamp is too old: {skew_ms} ms in the past")]
    TimestampTooOld {
        /// How far in the past the timestamp is, in milliseconds.
        skew_ms: u64,
    },
    /// The timestamp is further in the future than the tolerance allows.
    #[error("webhook timestamp is too far in the future: {skew_ms} ms ahead")]
    TimestampInFuture {
        /// How far in the future the timestamp is, in milliseconds.
        skew_ms: u64,
    },
    /// The signature header holds no `v1=` signature (only other versions, or nothing).
    #[error("no `v1` signature in the `Revolut-Signature` header")]
    NoV1Signature,
    /// The signature header is not a list of `version=value` entries, or every `v1` value
    /// in it is not 64 hex digits.
    #[error("malformed `Revolut-Signature` header")]
    MalformedSignature,
    /// The header is well formed but no signature matches any of the secrets.
    #[error("no webhook signature matches")]
    NoMatch,
    /// The signature is valid but the body is not a webhook event this crate can read
    /// (only from [`Verified::event`](super::Verified::event)).
    #[error("signature verified but the event is invalid: {0}")]
    InvalidEvent(#[from] EventParseError),
}

impl VerifyError {
    /// A fixed name for the reason, for a trace: never the event's text, which
    /// may quote the body.
    #[cfg_attr(not(feature = "tracing"), allow(dead_code))]
    pub(crate) fn reason(&self) -> &'static str {
        match self {
            VerifyError::MissingHeader { name } if *name == TIMESTAMP_HEADER => {
                "missing_timestamp_header"
            }
            VerifyError::MissingHeader { .. } => "missing_signature_header",
            VerifyError::MalformedTimestamp => "malformed_timestamp",
            VerifyError::TimestampTooOld { .. } => "timestamp_too_old",
            VerifyError::TimestampInFuture { .. } => "timestamp_in_future",
            VerifyError::NoV1Signature => "no_v1_signature",
            VerifyError::MalformedSignature => "malformed_signature",
            VerifyError::NoMatch => "no_match",
            VerifyError::InvalidEvent(_) => "invalid_event",
        }
    }

    /// The HTTP status a receiver should answer with: 400 (Bad Request) for a missing or
    /// malformed header or an unreadable event, 401 (Unauthorized) for a stale or future
    /// timestamp or a signature that does not match.
    ///
    /// ```
    /// use revolut_webhooks::signature::VerifyError;
    ///
    /// assert_eq!(VerifyError::NoMatch.status_code(), 401);
    /// assert_eq!(VerifyError::MalformedTimestamp.status_code(), 400);
    /// ```
    pub fn status_code(&self) -> u16 {
        match self {
            VerifyError::MissingHeader { .. }
            | VerifyError::MalformedTimestamp
            | VerifyError::NoV1Signature
            | VerifyError::MalformedSignature
            | VerifyError::InvalidEvent(_) => 400,
            VerifyError::TimestampTooOld { .. }
            | VerifyError::TimestampInFuture { .. }
            | VerifyError::NoMatch => 401,
        }
    }
}
