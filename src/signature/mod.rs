//! Verifying (and producing) the signature Revolut puts on every webhook delivery.
//!
//! Each delivery carries two headers:
//!
//! - [`TIMESTAMP_HEADER`] (`Revolut-Request-Timestamp`): when the delivery was sent, in
//!   **milliseconds** since the Unix epoch, e.g. `1683650202360`;
//! - [`SIGNATURE_HEADER`] (`Revolut-Signature`): one or more `v1=<hex>` values separated by
//!   commas, one per signing secret that is active (several during a secret rotation).
//!
//! A `v1` signature is the lowercase hex HMAC-SHA256 of `v1.{timestamp}.{raw body}`, keyed
//! with the bytes of the whole signing secret, `wsk_` prefix included (it is not base64).
//!
//! A [`Verifier`] holds your secret(s), checks that the timestamp is within a tolerance
//! (5 minutes by default, both into the past and into the future) and that at least one
//! signature in the header matches one of the secrets, compared in constant time.
//!
//! ```
//! use revolut_webhooks::signature::{sign_delivery, Verifier};
//! use revolut_webhooks::SigningSecret;
//! use time::OffsetDateTime;
//!
//! let secret = SigningSecret::from("wsk_r59a4HfWVAKycbCaNO1RvgCJec02gRd8");
//! let verifier = Verifier::new(secret.clone())?;
//!
//! // What Revolut sends (here signed by us, as a test would):
//! let body = br#"{"event":"TransactionCreated","timestamp":"2023-01-26T16:22:21Z","data":{}}"#;
//! let now = OffsetDateTime::now_utc();
//! let timestamp = revolut_webhooks::signature::timestamp_ms(now).to_string();
//! let signature = sign_delivery(&secret, timestamp.parse()?, body);
//!
//! verifier.verify(body, &timestamp, &signature)?;
//! assert!(verifier.verify(b"tampered", &timestamp, &signature).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Always verify the **raw bytes** you received, before any JSON parsing: re-serialised
//! JSON (or a body with a trailing newline added) does not verify.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use subtle::{Choice, ConstantTimeEq};
use time::OffsetDateTime;

use crate::clock::{Clock, SystemClock};
use crate::models::SigningSecret;
use crate::trace::trace_event;

// Why a secret or a delivery is refused; reading the two headers; the
// `http::HeaderMap` adapter; producing signatures; what a verification found.
mod error;
mod header;
#[cfg(feature = "http")]
mod header_map;
mod names;
mod sign;
mod verified;

pub use error::{InvalidSecret, VerifyError};
pub use names::{DEFAULT_TOLERANCE, SECRET_PREFIX, SIGNATURE_HEADER, TIMESTAMP_HEADER};
pub use sign::{sign_delivery, sign_delivery_all};
pub use verified::Verified;

use header::{Candidates, parse_timestamp};
use sign::{HmacSha256, hmac_key, mac};

/// Checks the signature of webhook deliveries against one or more signing secrets.
///
/// Build it once and share it (it is `Send + Sync` and cheap to clone): the HMAC key
/// schedule of every secret is computed at construction, so each verification costs about
/// one HMAC-SHA256 of the body per secret tried.
///
/// During a secret rotation, keep the old secret too: a delivery is accepted when **any**
/// `v1` signature in the header matches **any** of the secrets.
///
/// ```
/// use std::time::Duration;
/// use revolut_webhooks::signature::Verifier;
///
/// let verifier = Verifier::new("wsk_newSecret0123456789")?
///     .and_secret("wsk_oldSecret0123456789")?   // still valid until the rotation ends
///     .with_tolerance(Duration::from_secs(120));
/// assert_eq!(verifier.secret_count(), 2);
/// # Ok::<(), revolut_webhooks::signature::InvalidSecret>(())
/// ```
///
/// Its `Debug` output shows how many secrets it holds, never the secrets.
#[derive(Clone)]
pub struct Verifier {
    /// Shared, so a clone (one per request in an axum extractor) costs a reference count.
    keys: Arc<[HmacSha256]>,
    tolerance: Duration,
    /// `None`: the system clock, read directly (cheaper than through `dyn Clock`).
    clock: Option<Arc<dyn Clock>>,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("secrets", &self.keys.len())
            .field("tolerance", &self.tolerance)
            .field(
                "clock",
                match &self.clock {
                    Some(clock) => clock as &dyn fmt::Debug,
                    None => &SystemClock,
                },
            )
            .finish()
    }
}

fn keyed_state(secret: &SigningSecret) -> Result<HmacSha256, InvalidSecret> {
    let s = secret.expose_secret();
    if s.is_empty() {
        return Err(InvalidSecret::Empty);
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(InvalidSecret::Whitespace);
    }
    let Some(rest) = s.strip_prefix(SECRET_PREFIX) else {
        return Err(InvalidSecret::MissingPrefix);
    };
    if rest.is_empty() {
        return Err(InvalidSecret::Empty);
    }
    Ok(hmac_key(s.as_bytes()))
}

impl Verifier {
    /// A verifier for one signing secret, with the default tolerance and the system clock.
    ///
    /// Fails if the secret is empty, does not start with `wsk_`, or contains whitespace.
    pub fn new(secret: impl Into<SigningSecret>) -> Result<Self, InvalidSecret> {
        let key = keyed_state(&secret.into())?;
        Ok(Verifier {
            keys: Arc::new([key]),
            tolerance: DEFAULT_TOLERANCE,
            clock: None,
        })
    }

    /// A verifier for several secrets at once (for example the new and the old one during a
    /// rotation). Fails if any secret is invalid, or if there is none.
    ///
    /// ```
    /// use revolut_webhooks::signature::Verifier;
    ///
    /// let v = Verifier::from_secrets(["wsk_current000000", "wsk_previous00000"])?;
    /// assert_eq!(v.secret_count(), 2);
    /// assert!(Verifier::from_secrets(Vec::<String>::new()).is_err());
    /// # Ok::<(), revolut_webhooks::signature::InvalidSecret>(())
    /// ```
    pub fn from_secrets<I>(secrets: I) -> Result<Self, InvalidSecret>
    where
        I: IntoIterator,
        I::Item: Into<SigningSecret>,
    {
        let keys = secrets
            .into_iter()
            .map(|s| keyed_state(&s.into()))
            .collect::<Result<Arc<[_]>, _>>()?;
        if keys.is_empty() {
            return Err(InvalidSecret::NoSecrets);
        }
        Ok(Verifier {
            keys,
            tolerance: DEFAULT_TOLERANCE,
            clock: None,
        })
    }

    /// Also accepts signatures made with `secret` (e.g. the previous secret during a
    /// rotation). Secrets are tried in the order they were added.
    pub fn and_secret(mut self, secret: impl Into<SigningSecret>) -> Result<Self, InvalidSecret> {
        let mut keys = self.keys.to_vec();
        keys.push(keyed_state(&secret.into())?);
        self.keys = keys.into();
        Ok(self)
    }

    /// Sets how far the delivery timestamp may be from now, in either direction (default
    /// [`DEFAULT_TOLERANCE`], 5 minutes). A skew of exactly the tolerance is accepted.
    #[must_use]
    pub fn with_tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// Sets where "now" comes from (default [`SystemClock`]); tests can pass a
    /// [`ManualClock`](crate::ManualClock).
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// How many secrets this verifier accepts.
    pub fn secret_count(&self) -> usize {
        self.keys.len()
    }

    /// How far a delivery's timestamp may be from now.
    pub fn tolerance(&self) -> Duration {
        self.tolerance
    }

    /// Verifies a delivery: `body` is the raw request body, exactly as received;
    /// `timestamp_header` and `signature_header` are the values of
    /// [`TIMESTAMP_HEADER`] and [`SIGNATURE_HEADER`]. Pass `""` for a header that is
    /// absent: an empty value is reported as [`VerifyError::MissingHeader`].
    ///
    /// The one way to verify: "now" comes from the verifier's clock (set another with
    /// [`with_clock`](Verifier::with_clock)), and the answer says which secret matched
    /// ([`Verified::secret_index`]) and parses the event on demand ([`Verified::event`]).
    ///
    /// Checks, in order: both headers present; the timestamp is a whole number of
    /// milliseconds; the signature header holds at least one well-formed `v1` entry; the
    /// timestamp is within the tolerance of the clock's now; some signature matches some
    /// secret (constant-time comparison).
    ///
    /// Header format: entries are separated by commas and/or whitespace; entries of other
    /// versions (`v0=…`, `v2=…`) are ignored; a `v1` value must be 64 hex digits, upper or
    /// lower case (hex case does not change the bytes compared). Surrounding whitespace of
    /// the timestamp is ignored, but nothing else is: it must be ASCII digits only.
    ///
    /// ```
    /// use revolut_webhooks::signature::{sign_delivery, timestamp_ms, Verifier};
    /// use revolut_webhooks::events::EventData;
    /// use revolut_webhooks::{EventType, SigningSecret};
    ///
    /// let old = SigningSecret::from("wsk_old00000000000000");
    /// let new = SigningSecret::from("wsk_new00000000000000");
    /// let body = br#"{"event":"TransactionStateChanged","timestamp":"2023-05-09T16:36:38.028960Z","data":{"id":"645a7696-22f3-aa47-9c74-cbae0449cc46","request_id":"app_charges-1","old_state":"pending","new_state":"completed"}}"#;
    /// let ts = timestamp_ms(time::OffsetDateTime::now_utc());
    /// let header = sign_delivery(&old, ts, body);
    ///
    /// let verifier = Verifier::new(new)?.and_secret(old)?;
    /// let verified = verifier.verify(body, &ts.to_string(), &header)?;
    /// assert_eq!(verified.secret_index(), 1); // the second secret, the old one
    /// let event = verified.event()?;
    /// assert_eq!(event.event, EventType::TransactionStateChanged);
    /// assert!(matches!(event.data, EventData::TransactionStateChanged(_)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify<'a>(
        &self,
        body: &'a [u8],
        timestamp_header: &str,
        signature_header: &str,
    ) -> Result<Verified<'a>, VerifyError> {
        traced(self.verify_ms(body, timestamp_header, signature_header, self.now_ms()))
    }

    /// [`verify`](Verifier::verify) without its trace event, at `now_ms`.
    fn verify_ms<'a>(
        &self,
        body: &'a [u8],
        timestamp_header: &str,
        signature_header: &str,
        now_ms: i128,
    ) -> Result<Verified<'a>, VerifyError> {
        let timestamp = parse_timestamp(timestamp_header)?;
        let candidates = Candidates::parse(signature_header)?;
        self.check_tolerance(timestamp.value, now_ms)?;
        match self.matching_secret(body, timestamp.text, &candidates) {
            Some(secret_index) => Ok(Verified::new(secret_index, timestamp.value, body)),
            None => Err(VerifyError::NoMatch),
        }
    }

    /// Now, in milliseconds since the Unix epoch, from the configured clock.
    fn now_ms(&self) -> i128 {
        match &self.clock {
            Some(clock) => unix_ms(clock.now()),
            None => match SystemTime::now().duration_since(UNIX_EPOCH) {
                Ok(since) => i128::try_from(since.as_millis()).unwrap_or(i128::MAX),
                Err(before) => -i128::try_from(before.duration().as_millis()).unwrap_or(i128::MAX),
            },
        }
    }

    fn check_tolerance(&self, timestamp_ms: u64, now_ms: i128) -> Result<(), VerifyError> {
        let skew = now_ms - i128::from(timestamp_ms); // > 0: the timestamp is in the past
        let tolerance = i128::try_from(self.tolerance.as_millis()).unwrap_or(i128::MAX);
        let skew_ms = u64::try_from(skew.unsigned_abs()).unwrap_or(u64::MAX);
        if skew > tolerance {
            Err(VerifyError::TimestampTooOld { skew_ms })
        } else if -skew > tolerance {
            Err(VerifyError::TimestampInFuture { skew_ms })
        } else {
            Ok(())
        }
    }

    /// The position of the first secret that some candidate signature matches. Every
    /// candidate is compared (in constant time) with the signature of a secret; the
    /// search stops at the first secret that matches.
    fn matching_secret(
        &self,
        body: &[u8],
        timestamp: &str,
        candidates: &Candidates,
    ) -> Option<usize> {
        for (index, key) in self.keys.iter().enumerate() {
            let expected = mac(key, timestamp, body);
            let mut found = Choice::from(0);
            for candidate in candidates.iter() {
                found |= ct_eq_32(candidate, &expected);
            }
            if bool::from(found) {
                return Some(index);
            }
        }
        None
    }
}
/// One event per verification, whatever the entry point: the outcome and, when
/// rejected, the reason's fixed name and the status to answer with. Never the
/// body, a header's value, a signature or a secret.
pub(super) fn traced<T>(result: Result<T, VerifyError>) -> Result<T, VerifyError> {
    trace_event!(
        info,
        outcome = if result.is_ok() {
            "verified"
        } else {
            "rejected"
        },
        reason = result.as_ref().err().map(VerifyError::reason),
        status = result.as_ref().err().map(VerifyError::status_code),
        "webhook delivery verification"
    );
    result
}
/// Constant-time equality of two 32-byte signatures: the difference is folded into one
/// word without branches, and only that word goes through `subtle` (comparing byte by
/// byte with `subtle` costs an optimisation barrier per byte).
fn ct_eq_32(a: &[u8; 32], b: &[u8; 32]) -> Choice {
    let mut diff = 0u64;
    for (x, y) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
        let x = u64::from_ne_bytes([x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7]]);
        let y = u64::from_ne_bytes([y[0], y[1], y[2], y[3], y[4], y[5], y[6], y[7]]);
        diff |= x ^ y;
    }
    diff.ct_eq(&0)
}
fn unix_ms(time: OffsetDateTime) -> i128 {
    time.unix_timestamp_nanos() / 1_000_000
}

/// `time` as milliseconds since the Unix epoch, the unit of [`TIMESTAMP_HEADER`]
/// (0 for times before 1970).
///
/// ```
/// use revolut_webhooks::signature::timestamp_ms;
/// use time::macros::datetime;
///
/// assert_eq!(timestamp_ms(datetime!(2023-05-09 16:36:42.360 UTC)), 1683650202360);
/// ```
pub fn timestamp_ms(time: OffsetDateTime) -> u64 {
    u64::try_from(time.unix_timestamp_nanos() / 1_000_000).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ct_eq_32_compares_every_byte() {
        let a = [7u8; 32];
        assert!(bool::from(ct_eq_32(&a, &a)));
        for i in 0..32 {
            for bit in 0..8 {
                let mut b = a;
                b[i] ^= 1 << bit;
                assert!(!bool::from(ct_eq_32(&a, &b)));
            }
        }
    }

    #[test]
    fn verifier_is_send_sync_and_debug_hides_secrets() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Verifier>();
        let v = Verifier::new("wsk_supersecretvalue").unwrap();
        let dbg = format!("{v:?}");
        assert!(!dbg.contains("supersecret"), "{dbg}");
        assert!(dbg.contains("secrets: 1"), "{dbg}");
    }
}
