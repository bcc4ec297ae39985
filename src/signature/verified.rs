//! What a successful verification found: which secret matched, and the body it vouches for.

use std::fmt;

use super::error::VerifyError;
use super::traced;
use crate::events::WebhookEvent;

/// A delivery whose signature matched, from [`Verifier::verify`](super::Verifier::verify).
///
/// It says which secret matched (during a rotation, whether the sender already uses
/// the new one) and parses the body it was verified for, so nothing unverified can be
/// parsed through it. `Debug` shows the body's size, not the body.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Verified<'a> {
    secret_index: usize,
    timestamp_ms: u64,
    body: &'a [u8],
}

impl<'a> Verified<'a> {
    pub(super) fn new(secret_index: usize, timestamp_ms: u64, body: &'a [u8]) -> Self {
        Verified {
            secret_index,
            timestamp_ms,
            body,
        }
    }

    /// The position of the matching secret, in the order the verifier was given them
    /// (0 for the first; [`Verifier::new`](super::Verifier::new)'s secret, then each
    /// [`and_secret`](super::Verifier::and_secret)).
    pub fn secret_index(&self) -> usize {
        self.secret_index
    }

    /// The delivery's timestamp, in milliseconds since the Unix epoch.
    pub fn timestamp_ms(&self) -> u64 {
        self.timestamp_ms
    }

    /// The raw body the signature vouches for.
    pub fn body(&self) -> &'a [u8] {
        self.body
    }

    /// Parses the verified body into a [`WebhookEvent`]; a body that is not an event
    /// this crate can read is [`VerifyError::InvalidEvent`] (answer 400).
    pub fn event(&self) -> Result<WebhookEvent, VerifyError> {
        let parsed = WebhookEvent::from_slice(self.body).map_err(VerifyError::from);
        // The verification was traced as verified; a refusal gets an event of its own.
        if parsed.is_err() {
            return traced(parsed);
        }
        parsed
    }
}

impl fmt::Debug for Verified<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verified")
            .field("secret_index", &self.secret_index)
            .field("timestamp_ms", &self.timestamp_ms)
            .field("body_bytes", &self.body.len())
            .finish()
    }
}
