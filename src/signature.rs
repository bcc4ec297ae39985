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

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::{Choice, ConstantTimeEq};
use time::OffsetDateTime;

use crate::clock::{Clock, SystemClock};
use crate::events::{EventParseError, WebhookEvent};
use crate::models::SigningSecret;
use crate::trace::trace_event;

type HmacSha256 = Hmac<Sha256>;

/// The header that carries the delivery time, in milliseconds since the Unix epoch.
///
/// HTTP header names are case-insensitive; compare them as such.
pub const TIMESTAMP_HEADER: &str = "Revolut-Request-Timestamp";

/// The header that carries the `v1=<hex>` signature(s).
///
/// HTTP header names are case-insensitive; compare them as such.
pub const SIGNATURE_HEADER: &str = "Revolut-Signature";

/// How far the delivery timestamp may be from now, either way, by default: 5 minutes, as
/// Revolut recommends.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(5 * 60);

/// The prefix every Revolut webhook signing secret starts with.
pub const SECRET_PREFIX: &str = "wsk_";

/// The signature scheme version this crate understands.
const VERSION: &str = "v1";

/// Why a signing secret was refused by [`Verifier::new`] and friends.
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
    /// [`Verifier::from_secrets`] was given no secret at all.
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
        /// The header's name: [`TIMESTAMP_HEADER`] or [`SIGNATURE_HEADER`].
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
    /// (only from [`Verifier::verify_and_parse`]).
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

fn hmac_key(key: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length; this cannot fail.
    match HmacSha256::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    }
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
    /// Checks, in order: both headers present; the timestamp is a whole number of
    /// milliseconds; the signature header holds at least one well-formed `v1` entry; the
    /// timestamp is within the tolerance of the clock's now; some signature matches some
    /// secret (constant-time comparison).
    ///
    /// Header format: entries are separated by commas and/or whitespace; entries of other
    /// versions (`v0=…`, `v2=…`) are ignored; a `v1` value must be 64 hex digits, upper or
    /// lower case (hex case does not change the bytes compared). Surrounding whitespace of
    /// the timestamp is ignored, but nothing else is: it must be ASCII digits only.
    pub fn verify(
        &self,
        body: &[u8],
        timestamp_header: &str,
        signature_header: &str,
    ) -> Result<(), VerifyError> {
        traced(self.verify_ms(body, timestamp_header, signature_header, self.now_ms()))
    }

    /// [`verify`](Verifier::verify), with "now" given instead of read from the clock.
    pub fn verify_at(
        &self,
        body: &[u8],
        timestamp_header: &str,
        signature_header: &str,
        now: OffsetDateTime,
    ) -> Result<(), VerifyError> {
        traced(self.verify_ms(body, timestamp_header, signature_header, unix_ms(now)))
    }

    fn verify_ms(
        &self,
        body: &[u8],
        timestamp_header: &str,
        signature_header: &str,
        now_ms: i128,
    ) -> Result<(), VerifyError> {
        let timestamp = parse_timestamp(timestamp_header)?;
        let candidates = Candidates::parse(signature_header)?;
        self.check_tolerance(timestamp.value, now_ms)?;
        if self.matches(body, timestamp.text, &candidates) {
            Ok(())
        } else {
            Err(VerifyError::NoMatch)
        }
    }

    /// Verifies the delivery like [`verify`](Verifier::verify), then parses the body into a
    /// [`WebhookEvent`]. The body is parsed only once the signature is known to be good.
    ///
    /// ```
    /// use revolut_webhooks::signature::{sign_delivery, timestamp_ms, Verifier};
    /// use revolut_webhooks::events::EventData;
    /// use revolut_webhooks::{EventType, SigningSecret};
    ///
    /// let secret = SigningSecret::from("wsk_example000000000");
    /// let body = br#"{"event":"TransactionStateChanged","timestamp":"2023-05-09T16:36:38.028960Z","data":{"id":"645a7696-22f3-aa47-9c74-cbae0449cc46","request_id":"app_charges-1","old_state":"pending","new_state":"completed"}}"#;
    /// let ts = timestamp_ms(time::OffsetDateTime::now_utc());
    /// let header = sign_delivery(&secret, ts, body);
    ///
    /// let event = Verifier::new(secret)?.verify_and_parse(body, &ts.to_string(), &header)?;
    /// assert_eq!(event.event, EventType::TransactionStateChanged);
    /// assert!(matches!(event.data, EventData::TransactionStateChanged(_)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify_and_parse(
        &self,
        body: &[u8],
        timestamp_header: &str,
        signature_header: &str,
    ) -> Result<WebhookEvent, VerifyError> {
        traced(
            self.verify_ms(body, timestamp_header, signature_header, self.now_ms())
                .and_then(|()| WebhookEvent::from_slice(body).map_err(VerifyError::from)),
        )
    }

    /// [`verify_and_parse`](Verifier::verify_and_parse), with "now" given instead of read
    /// from the clock.
    pub fn verify_and_parse_at(
        &self,
        body: &[u8],
        timestamp_header: &str,
        signature_header: &str,
        now: OffsetDateTime,
    ) -> Result<WebhookEvent, VerifyError> {
        traced(
            self.verify_ms(body, timestamp_header, signature_header, unix_ms(now))
                .and_then(|()| WebhookEvent::from_slice(body).map_err(VerifyError::from)),
        )
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

    /// Whether any candidate signature matches any secret. Every candidate is compared
    /// (in constant time) with the signature of a secret; the search stops at the first
    /// secret that matches.
    fn matches(&self, body: &[u8], timestamp: &str, candidates: &Candidates) -> bool {
        for key in self.keys.iter() {
            let expected = mac(key, timestamp, body);
            let mut found = Choice::from(0);
            for candidate in candidates.iter() {
                found |= ct_eq_32(candidate, &expected);
            }
            if bool::from(found) {
                return true;
            }
        }
        false
    }
}

#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
impl Verifier {
    /// [`verify`](Verifier::verify), reading [`TIMESTAMP_HEADER`] and [`SIGNATURE_HEADER`]
    /// from an [`http::HeaderMap`] (header names are case-insensitive there). Several
    /// `Revolut-Signature` lines are treated as one comma-separated list.
    ///
    /// ```
    /// use revolut_webhooks::signature::{sign_delivery, timestamp_ms, Verifier};
    ///
    /// let secret = "wsk_example000000000";
    /// let body = b"{}";
    /// let ts = timestamp_ms(time::OffsetDateTime::now_utc());
    /// let mut headers = http::HeaderMap::new();
    /// headers.insert("revolut-request-timestamp", ts.to_string().parse()?);
    /// headers.insert("revolut-signature", sign_delivery(&secret.into(), ts, body).parse()?);
    /// Verifier::new(secret)?.verify_headers(body, &headers)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify_headers(
        &self,
        body: &[u8],
        headers: &http::HeaderMap,
    ) -> Result<(), VerifyError> {
        traced(self.headers_at(body, headers, self.current_time()))
    }

    /// Now, according to the configured clock.
    fn current_time(&self) -> OffsetDateTime {
        match &self.clock {
            Some(clock) => clock.now(),
            None => SystemClock.now(),
        }
    }

    /// [`verify_headers`](Verifier::verify_headers), with "now" given.
    pub fn verify_headers_at(
        &self,
        body: &[u8],
        headers: &http::HeaderMap,
        now: OffsetDateTime,
    ) -> Result<(), VerifyError> {
        traced(self.headers_at(body, headers, now))
    }

    /// [`verify_headers_at`](Verifier::verify_headers_at), without its trace event.
    fn headers_at(
        &self,
        body: &[u8],
        headers: &http::HeaderMap,
        now: OffsetDateTime,
    ) -> Result<(), VerifyError> {
        let mut timestamps = headers.get_all(TIMESTAMP_HEADER).iter();
        let timestamp = match (timestamps.next(), timestamps.next()) {
            (None, _) => "",
            (Some(value), None) => value
                .to_str()
                .map_err(|_| VerifyError::MalformedTimestamp)?,
            (Some(_), Some(_)) => return Err(VerifyError::MalformedTimestamp),
        };
        let values = headers
            .get_all(SIGNATURE_HEADER)
            .iter()
            .map(|v| v.to_str().map_err(|_| VerifyError::MalformedSignature))
            .collect::<Result<Vec<_>, _>>()?;
        let joined;
        let signature = match values.as_slice() {
            [] => "",
            [one] => one,
            many => {
                joined = many.join(",");
                joined.as_str()
            }
        };
        self.verify_ms(body, timestamp, signature, unix_ms(now))
    }

    /// [`verify_headers`](Verifier::verify_headers), then parses the body into a
    /// [`WebhookEvent`].
    pub fn verify_headers_and_parse(
        &self,
        body: &[u8],
        headers: &http::HeaderMap,
    ) -> Result<WebhookEvent, VerifyError> {
        traced(
            self.headers_at(body, headers, self.current_time())
                .and_then(|()| WebhookEvent::from_slice(body).map_err(VerifyError::from)),
        )
    }
}

/// One event per verification, whatever the entry point: the outcome and, when
/// rejected, the reason's fixed name and the status to answer with. Never the
/// body, a header's value, a signature or a secret.
fn traced<T>(result: Result<T, VerifyError>) -> Result<T, VerifyError> {
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

struct Timestamp<'a> {
    text: &'a str,
    value: u64,
}

fn parse_timestamp(header: &str) -> Result<Timestamp<'_>, VerifyError> {
    let text = header.trim_matches(|c: char| c == ' ' || c == '\t');
    if text.is_empty() {
        return Err(VerifyError::MissingHeader {
            name: TIMESTAMP_HEADER,
        });
    }
    // `u64::from_str` would also take a leading `+`; only digits are signed as they are.
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(VerifyError::MalformedTimestamp);
    }
    let value = text.parse().map_err(|_| VerifyError::MalformedTimestamp)?;
    Ok(Timestamp { text, value })
}

/// Entries of a signature header are separated by commas and/or spaces and tabs.
fn is_separator(b: u8) -> bool {
    matches!(b, b',' | b' ' | b'\t')
}

/// The well-formed `v1` signatures of a header, decoded. Revolut sends at most three
/// (one per active secret), so the first few live on the stack.
struct Candidates {
    inline: [[u8; 32]; INLINE_CANDIDATES],
    len: usize,
    more: Vec<[u8; 32]>,
}

const INLINE_CANDIDATES: usize = 4;

impl Candidates {
    /// Reads the header in one pass: entries separated by commas and/or whitespace, each
    /// `version=value`; other versions are skipped.
    fn parse(header: &str) -> Result<Self, VerifyError> {
        let mut candidates = Candidates {
            inline: [[0; 32]; INLINE_CANDIDATES],
            len: 0,
            more: Vec::new(),
        };
        let (mut any, mut malformed) = (false, false);
        let mut rest = header.as_bytes();
        // Separators are ASCII, so no character is ever cut.
        while let Some(start) = rest.iter().position(|&b| !is_separator(b)) {
            rest = &rest[start..];
            any = true;
            // Fast path: a `v1=` entry of exactly 64 hex digits. Decoding checks every
            // digit, so none of them was a separator.
            if rest.len() >= 67
                && rest.starts_with(b"v1=")
                && rest.get(67).is_none_or(|&b| is_separator(b))
                && let Some(signature) = decode_hex32(&rest[3..67])
            {
                candidates.push(signature);
                rest = &rest[67..];
                continue;
            }
            let end = rest
                .iter()
                .position(|&b| is_separator(b))
                .unwrap_or(rest.len());
            let entry = &rest[..end];
            rest = &rest[end..];
            match entry.iter().position(|&b| b == b'=') {
                Some(eq) if &entry[..eq] == VERSION.as_bytes() => {
                    match decode_hex32(&entry[eq + 1..]) {
                        Some(signature) => candidates.push(signature),
                        None => malformed = true,
                    }
                }
                Some(eq) if eq > 0 => {} // another version
                _ => malformed = true,
            }
        }
        if !any {
            Err(VerifyError::MissingHeader {
                name: SIGNATURE_HEADER,
            })
        } else if candidates.len > 0 {
            Ok(candidates)
        } else if malformed {
            Err(VerifyError::MalformedSignature)
        } else {
            Err(VerifyError::NoV1Signature)
        }
    }

    fn push(&mut self, signature: [u8; 32]) {
        if self.len < INLINE_CANDIDATES {
            self.inline[self.len] = signature;
        } else {
            self.more.push(signature);
        }
        self.len += 1;
    }

    fn iter(&self) -> impl Iterator<Item = &[u8; 32]> {
        self.inline[..self.len.min(INLINE_CANDIDATES)]
            .iter()
            .chain(&self.more)
    }
}

/// Hex digit values; `INVALID` for anything else.
const INVALID: u8 = 0xff;
const HEX_VALUES: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < 10 {
        table[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        table[b'a' as usize + i] = 10 + i as u8;
        table[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    table
};

/// Decodes exactly 64 hex digits (either case). No early exit inside the loop.
fn decode_hex32(hex: &[u8]) -> Option<[u8; 32]> {
    let hex: &[u8; 64] = hex.try_into().ok()?;
    let mut out = [0u8; 32];
    let mut bad = 0u8;
    for (byte, pair) in out.iter_mut().zip(hex.chunks_exact(2)) {
        let (hi, lo) = (
            HEX_VALUES[usize::from(pair[0])],
            HEX_VALUES[usize::from(pair[1])],
        );
        bad |= hi | lo;
        *byte = (hi << 4) | (lo & 0x0f);
    }
    // Valid digits are < 16; INVALID sets the high bits.
    (bad & 0xf0 == 0).then_some(out)
}

fn encode_hex(bytes: &[u8], out: &mut String) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
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

/// HMAC-SHA256 of `v1.{timestamp}.{body}`, from a keyed state computed beforehand.
fn mac(key: &HmacSha256, timestamp: &str, body: &[u8]) -> [u8; 32] {
    let mut mac = key.clone();
    // "v1." + timestamp + "." in one update when it fits (it always does for real
    // timestamps: at most 20 digits).
    let mut prefix = [0u8; 32];
    let ts = timestamp.as_bytes();
    let len = 3 + ts.len() + 1;
    if len <= prefix.len() {
        prefix[..3].copy_from_slice(b"v1.");
        prefix[3..3 + ts.len()].copy_from_slice(ts);
        prefix[len - 1] = b'.';
        mac.update(&prefix[..len]);
    } else {
        mac.update(b"v1.");
        mac.update(ts);
        mac.update(b".");
    }
    mac.update(body);
    mac.finalize().into_bytes().into()
}

/// The `Revolut-Signature` header value Revolut would send for `body` at `timestamp_ms`
/// with `secret`: `v1=` followed by 64 lowercase hex digits.
///
/// Use it to test your receiver. The secret is used as given (it is not validated here),
/// and the timestamp header to send with it is `timestamp_ms.to_string()`.
///
/// ```
/// use revolut_webhooks::signature::sign_delivery;
///
/// let body = br#"{"data":{"id":"645a7696-22f3-aa47-9c74-cbae0449cc46","new_state":"completed","old_state":"pending","request_id":"app_charges-9f5d5eb3-1e06-46c5-b1c0-3914763e0bcb"},"event":"TransactionStateChanged","timestamp":"2023-05-09T16:36:38.028960Z"}"#;
/// assert_eq!(
///     sign_delivery(&"wsk_r59a4HfWVAKycbCaNO1RvgCJec02gRd8".into(), 1683650202360, body),
///     "v1=bca326fb378d0da7f7c490ad584a8106bab9723d8d9cdd0d50b4c5b3be3837c0",
/// );
/// ```
pub fn sign_delivery(secret: &SigningSecret, timestamp_ms: u64, body: &[u8]) -> String {
    sign_delivery_all([secret], timestamp_ms, body)
}

/// The `Revolut-Signature` header value for several active secrets, as Revolut sends it
/// during a rotation: one `v1=<hex>` per secret, in order, separated by commas.
///
/// ```
/// use revolut_webhooks::signature::{sign_delivery, sign_delivery_all};
/// use revolut_webhooks::SigningSecret;
///
/// let (new, old) = (SigningSecret::from("wsk_new"), SigningSecret::from("wsk_old"));
/// let header = sign_delivery_all([&new, &old], 1683650202360, b"{}");
/// assert_eq!(header, format!("{},{}", sign_delivery(&new, 1683650202360, b"{}"), sign_delivery(&old, 1683650202360, b"{}")));
/// ```
pub fn sign_delivery_all<'a, I>(secrets: I, timestamp_ms: u64, body: &[u8]) -> String
where
    I: IntoIterator<Item = &'a SigningSecret>,
{
    let timestamp = timestamp_ms.to_string();
    let mut header = String::new();
    for secret in secrets {
        if !header.is_empty() {
            header.push(',');
        }
        header.push_str(VERSION);
        header.push('=');
        let tag = mac(
            &hmac_key(secret.expose_secret().as_bytes()),
            &timestamp,
            body,
        );
        encode_hex(&tag, &mut header);
    }
    header
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
    fn pairs_of_invalid_digits_never_decode() {
        // Two invalid digits in a pair, or an even number of invalid pairs, must not
        // cancel out; ':' (just after '9') and 'g' (just after 'f') are not digits.
        assert_eq!(decode_hex32(&[b'z'; 64]), None);
        for bad in [b':', b'g', b'G', b'/', b'@', b'`'] {
            let mut hex = [b'0'; 64];
            hex[10] = bad;
            assert_eq!(decode_hex32(&hex), None, "{}", bad as char);
        }
        let header = format!("v1={}", "zz".repeat(32));
        assert!(matches!(
            Candidates::parse(&header),
            Err(VerifyError::MalformedSignature)
        ));
    }

    #[test]
    fn hex_round_trip() {
        let bytes: Vec<u8> = (0..32).map(|i| i * 7 + 3).collect();
        let mut s = String::new();
        encode_hex(&bytes, &mut s);
        assert_eq!(s.len(), 64);
        assert_eq!(
            decode_hex32(s.as_bytes()).unwrap().as_slice(),
            bytes.as_slice()
        );
        assert_eq!(
            decode_hex32(s.to_uppercase().as_bytes())
                .unwrap()
                .as_slice(),
            bytes.as_slice()
        );
        assert!(decode_hex32(&s.as_bytes()[..62]).is_none());
        let mut bad = s.into_bytes();
        bad[10] = b'g';
        assert!(decode_hex32(&bad).is_none());
    }

    #[test]
    fn header_entries_split_on_commas_and_spaces() {
        let a = "ab".repeat(32);
        let b = "CD".repeat(32);
        let header = format!(" v1={a},  v1={b}\tv0=c,,v1={a}x,v1={a},v1=");
        let parsed = Candidates::parse(&header).unwrap_or_else(|_| panic!());
        let got: Vec<_> = parsed.iter().copied().collect();
        assert_eq!(got, [[0xab; 32], [0xcd; 32], [0xab; 32]]);
        // A separator inside the 64 characters after `v1=` ends the entry there.
        let split = format!("v1={},{}", &a[..10], &a[..53]);
        assert!(matches!(
            Candidates::parse(&split),
            Err(VerifyError::MalformedSignature)
        ));
        // More than the inline capacity.
        let many = vec![format!("v1={a}"); INLINE_CANDIDATES + 3].join(",");
        assert_eq!(
            Candidates::parse(&many)
                .unwrap_or_else(|_| panic!())
                .iter()
                .count(),
            INLINE_CANDIDATES + 3
        );
    }

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
