//! Errors, the same types in every mode.
//!
//! [`Error`] is what every client call returns. Each variant carries what you
//! need to act on it: an [`ApiError`] has the HTTP status, Revolut's error code,
//! its message and how long to wait (`retry_after`); a [`TransportError`] says
//! whether the connection failed or timed out; a [`ValidationError`] names the
//! field. No error message ever contains a token or a signing secret.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::request::Method;

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Anything that can go wrong when talking to the Revolut API.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The API answered with an error status (4xx or 5xx).
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The request did not complete: connection refused, TLS, timeout, reset, body too large.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The API answered with success, but the body was not what the API documents.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// An input was refused before any request was made.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// The token provider could not supply an access token.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// The HTTP library could not be set up when the client or token provider was
    /// built (its TLS configuration, most likely). No request was made.
    #[error("could not start the HTTP client: {message}")]
    ClientStart {
        /// What the HTTP library said.
        message: String,
        /// The HTTP library's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// An async call was polled outside a tokio runtime. Nothing was sent.
    #[error(
        "the async client was called outside a tokio runtime, so nothing was sent: call it from \
         within a tokio runtime (#[tokio::main], Runtime::block_on or a task spawned on one, with \
         IO and time enabled), or use the blocking client"
    )]
    NoRuntime,
    /// The client's own [`RateLimiter`](crate::RateLimiter) had no free slot before
    /// the call's time budget ([`RetryPolicy::total_budget`](crate::RetryPolicy::total_budget))
    /// runs out, so the call returned at once instead of waiting past it. Nothing was sent.
    #[error(
        "rate-limited locally: the client's rate limiter has no free slot within what is left of \
         this call's time budget (the next slot is in {} s at the earliest), so nothing was sent; \
         try again after that, or raise RetryPolicy::total_budget to wait for it",
        retry_in.as_secs_f64()
    )]
    RateLimitedLocally {
        /// How long at the least until the limiter may have a free slot.
        retry_in: Duration,
    },
    /// The call's time budget ([`RetryPolicy::total_budget`](crate::RetryPolicy::total_budget))
    /// was used up before a request could be sent (by the token provider, or waiting
    /// for the rate limiter). Nothing was sent.
    #[error(
        "the call's time budget of {} s ran out before a request could be sent, so nothing was \
         sent; raise RetryPolicy::total_budget, or check why the token provider is slow",
        budget.as_secs_f64()
    )]
    BudgetExhausted {
        /// The call's total budget.
        budget: Duration,
    },
}

impl Error {
    /// The API error, if the server answered with an error status.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// Whether the server said the resource does not exist (404, or code 3040).
    pub fn is_not_found(&self) -> bool {
        self.api().is_some_and(ApiError::is_not_found)
    }

    /// Whether the server refused because of its rate limit (429, or code 3162), or
    /// the client's own rate limiter did ([`Error::RateLimitedLocally`]).
    pub fn is_rate_limited(&self) -> bool {
        matches!(self, Error::RateLimitedLocally { .. })
            || self.api().is_some_and(ApiError::is_rate_limited)
    }

    /// Whether a create or a secret rotation failed after its request may have
    /// reached the server (a 5xx other than 503, a timeout, a reset, a body that
    /// could not be read or decoded), so it may have taken effect: the webhook may
    /// exist, or the secret may have been rotated. Such calls are never retried;
    /// check with `list()` or `get()` before trying again. The message says so too.
    ///
    /// Always `false` for the other calls, which are safe to repeat.
    pub fn is_ambiguous(&self) -> bool {
        match self {
            Error::Api(e) => e.unconfirmed.is_some(),
            Error::Transport(e) => e.unconfirmed.is_some(),
            Error::Decode(e) => e.unconfirmed.is_some(),
            _ => false,
        }
    }

    /// Whether the request timed out, while connecting or after it was sent.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Transport(e) if matches!(e.kind, TransportErrorKind::Timeout | TransportErrorKind::ConnectTimeout))
    }

    /// How long the server (the API, or the token endpoint) asked us to wait
    /// before trying again, if it said, or how long until the client's own rate
    /// limiter may have a free slot.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Auth(e) => e.retry_after,
            Error::RateLimitedLocally { retry_in } => Some(*retry_in),
            _ => self.api().and_then(|e| e.retry_after),
        }
    }

    /// How many HTTP requests the call made before this error (0 when none was
    /// made), to the API and to the token endpoint together.
    pub fn attempts(&self) -> u32 {
        match self {
            Error::Api(e) => e.attempts,
            Error::Transport(e) => e.attempts,
            Error::Decode(e) => e.attempts,
            Error::Auth(e) => e.attempts,
            _ => 0,
        }
    }

    /// Adds `earlier` requests (the API attempts a call made before its token
    /// provider failed) to an authentication error's count.
    #[cfg(any(feature = "blocking", feature = "async", test))]
    pub(crate) fn after_attempts(mut self, earlier: u32) -> Self {
        if let Error::Auth(e) = &mut self {
            e.attempts = e.attempts.saturating_add(earlier);
        }
        self
    }

    #[cfg(any(feature = "blocking", feature = "async", test))]
    pub(crate) fn set_attempts(&mut self, attempts: u32) {
        match self {
            Error::Api(e) => e.attempts = attempts,
            Error::Transport(e) => e.attempts = attempts,
            Error::Decode(e) => e.attempts = attempts,
            Error::Auth(e) => e.attempts = attempts,
            _ => {}
        }
    }

    /// Marks the failure of a create or rotation as ambiguous, if its request may
    /// have reached the server; anything else is left as it is.
    #[cfg(any(feature = "blocking", feature = "async", test))]
    pub(crate) fn mark_unconfirmed(&mut self, call: Unconfirmed) {
        match self {
            // 503 and 429 are Revolut refusing before doing anything (they are
            // retried, whatever the method); 501 and 505 refuse the request as such.
            Error::Api(e) if e.status >= 500 && !matches!(e.status, 501 | 503 | 505) => {
                e.unconfirmed = Some(call)
            }
            // A refused connection and a connect timeout certainly sent nothing.
            Error::Transport(e)
                if !matches!(
                    e.kind,
                    TransportErrorKind::Connect | TransportErrorKind::ConnectTimeout
                ) =>
            {
                e.unconfirmed = Some(call)
            }
            // A success whose body did not decode: it took effect.
            Error::Decode(e) => e.unconfirmed = Some(call),
            _ => {}
        }
    }
}

/// A call that is not safe to repeat, whose failure may hide its success.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
// Only the clients mark errors; a build without them has none to mark.
#[cfg_attr(not(any(feature = "blocking", feature = "async")), allow(dead_code))]
pub(crate) enum Unconfirmed {
    /// `POST /webhooks`.
    Create,
    /// `POST /webhooks/{id}/rotate-signing-secret`.
    Rotate,
}

fn unconfirmed_suffix(call: Option<Unconfirmed>) -> &'static str {
    match call {
        None => "",
        Some(Unconfirmed::Create) => {
            "; the request may have reached Revolut, so the webhook may exist: it was not \
             created again, call list() to check before creating it"
        }
        Some(Unconfirmed::Rotate) => {
            "; the request may have reached Revolut, so the signing secret may have been \
             rotated: it was not rotated again, call get() to read the current secret before \
             rotating"
        }
    }
}

/// An error status from the Revolut API, with everything its body and headers said.
///
/// Revolut's error bodies come in several shapes (`{code, message}`,
/// `{error_id, code, message}`, `{status, message}`); each field is optional here
/// so none of them is lost. A body that is not JSON (an HTML page from a proxy)
/// is kept as a short snippet.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status code.
    pub status: u16,
    /// Revolut's error code (3040 "webhook not found", 3162 rate limit, 1000 token expired, …).
    pub code: Option<i64>,
    /// Revolut's id for this error, worth quoting to their support.
    pub error_id: Option<String>,
    /// The message from the body, or a description of the status when the body had none.
    pub message: String,
    /// How long to wait before retrying, from the `Retry-After` header.
    pub retry_after: Option<Duration>,
    /// The start of a body that was not a JSON error (at most 200 characters).
    pub body_snippet: Option<String>,
    /// How many attempts were made, this one included.
    pub attempts: u32,
    pub(crate) unconfirmed: Option<Unconfirmed>,
}

impl ApiError {
    /// An error as the API would answer it, for testing your own error handling
    /// (the fields cannot be set with a struct literal outside this crate).
    ///
    /// One attempt, no `Retry-After`, no body snippet; add the rest with the `with_` methods.
    ///
    /// ```
    /// use std::time::Duration;
    /// use revolut_webhooks::{ApiError, Error};
    ///
    /// let error = Error::Api(ApiError::new(404, "Webhook not found").with_code(3040));
    /// assert!(error.is_not_found());
    /// let limited = ApiError::new(429, "Too many requests").with_retry_after(Duration::from_secs(2));
    /// assert!(limited.is_rate_limited());
    /// assert_eq!(limited.retry_after, Some(Duration::from_secs(2)));
    /// ```
    pub fn new(status: u16, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code: None,
            error_id: None,
            message: message.into(),
            retry_after: None,
            body_snippet: None,
            attempts: 1,
            unconfirmed: None,
        }
    }

    /// With Revolut's error code.
    #[must_use]
    pub fn with_code(mut self, code: i64) -> ApiError {
        self.code = Some(code);
        self
    }

    /// With Revolut's id for this error.
    #[must_use]
    pub fn with_error_id(mut self, error_id: impl Into<String>) -> ApiError {
        self.error_id = Some(error_id.into());
        self
    }

    /// With the wait a `Retry-After` header asked for.
    #[must_use]
    pub fn with_retry_after(mut self, wait: Duration) -> ApiError {
        self.retry_after = Some(wait);
        self
    }

    /// 404, or Revolut code 3040 ("Webhook not found").
    pub fn is_not_found(&self) -> bool {
        self.status == 404 || self.code == Some(codes::WEBHOOK_NOT_FOUND)
    }

    /// 429, or Revolut code 3162 ("Request rate limit has been reached").
    pub fn is_rate_limited(&self) -> bool {
        self.status == 429 || self.code == Some(codes::RATE_LIMITED)
    }

    /// 401 with Revolut code 1000: the access token is invalid or has expired.
    pub fn is_token_expired(&self) -> bool {
        self.status == 401 && self.code == Some(codes::TOKEN_INVALID)
    }

    /// Whether the same request may succeed later: 429, 500, 502, 503 or 504.
    pub fn is_retryable(&self) -> bool {
        matches!(self.status, 429 | 500 | 502 | 503 | 504)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Revolut API error: HTTP {}", self.status)?;
        if let Some(code) = self.code {
            write!(f, ", code {code}")?;
        }
        write!(f, ": {}", self.message)?;
        if self.is_token_expired() {
            f.write_str(
                " (the access token is invalid or has expired: get a new one, or use a \
                 RefreshingTokenProvider, which renews it; if a fresh token is refused too, check \
                 that it belongs to this environment and that the app's access was not revoked)",
            )?;
        }
        if let Some(snippet) = &self.body_snippet {
            write!(f, " (body starts: {snippet:?})")?;
        }
        if let Some(wait) = self.retry_after {
            write!(f, "; retry after {} s", wait.as_secs_f64())?;
        }
        if self.attempts > 1 {
            write!(f, " [after {} attempts]", self.attempts)?;
        }
        f.write_str(unconfirmed_suffix(self.unconfirmed))
    }
}

impl std::error::Error for ApiError {}

/// Revolut error codes this crate gives a meaning to.
pub mod codes {
    /// Access token invalid or expired (401).
    pub const TOKEN_INVALID: i64 = 1000;
    /// Generic bad request: bad `limit`, `created_before` or expiration period (400).
    pub const BAD_REQUEST: i64 = 2101;
    /// Validation failed: missing url, or neither url nor events on update (400).
    pub const VALIDATION: i64 = 3000;
    /// Webhook not found (404).
    pub const WEBHOOK_NOT_FOUND: i64 = 3040;
    /// Request rate limit reached, or parallel requests conflict (429).
    pub const RATE_LIMITED: i64 = 3162;
    /// More than 10 webhooks (422).
    pub const TOO_MANY_WEBHOOKS: i64 = 3352;
    /// More than 3 active signing keys on one webhook (422).
    pub const TOO_MANY_SIGNING_KEYS: i64 = 3355;
}

/// What kind of failure stopped a request before a response arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The connection could not be made (refused, DNS, unreachable).
    Connect,
    /// The request timed out after it may have been sent, in part or whole: the
    /// server may have acted on it.
    Timeout,
    /// The connection (DNS, TCP or TLS handshake) timed out: nothing was sent.
    ConnectTimeout,
    /// TLS failed.
    Tls,
    /// The connection broke while sending or receiving (reset, truncated body).
    Io,
    /// The response body was larger than the configured limit.
    BodyTooLarge,
    /// Anything else the HTTP library reported.
    Other,
}

impl fmt::Display for TransportErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportErrorKind::Connect => "connection failed",
            TransportErrorKind::Timeout => "timed out",
            TransportErrorKind::ConnectTimeout => "timed out connecting",
            TransportErrorKind::Tls => "TLS error",
            TransportErrorKind::Io => "connection error",
            TransportErrorKind::BodyTooLarge => "response too large",
            TransportErrorKind::Other => "HTTP error",
        })
    }
}

/// A request that failed before a complete response arrived.
///
/// The same type whether the client runs on ureq or reqwest; the library's own
/// error is kept as [`source`](std::error::Error::source).
#[derive(Debug, thiserror::Error)]
#[error(
    "{kind} ({method} {path}): {message}{}{}",
    attempts_suffix(*attempts),
    unconfirmed_suffix(*unconfirmed)
)]
#[non_exhaustive]
pub struct TransportError {
    /// What failed.
    pub kind: TransportErrorKind,
    /// The HTTP method of the request.
    pub method: Method,
    /// The request path without host or query (no secrets live there).
    pub path: String,
    /// A description from the HTTP library.
    pub message: String,
    /// How many attempts were made, this one included.
    pub attempts: u32,
    unconfirmed: Option<Unconfirmed>,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

fn attempts_suffix(attempts: u32) -> String {
    if attempts > 1 {
        format!(" [after {attempts} attempts]")
    } else {
        String::new()
    }
}

impl TransportError {
    #[allow(dead_code)] // used by the HTTP shells, which a build may leave out
    pub(crate) fn new(
        kind: TransportErrorKind,
        method: Method,
        path: &str,
        message: impl Into<String>,
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        TransportError {
            kind,
            method,
            path: path.to_owned(),
            message: message.into(),
            attempts: 1,
            unconfirmed: None,
            source,
        }
    }
}

/// A success response whose body could not be decoded.
///
/// Neither the body nor any value from it is kept: success bodies hold signing
/// secrets, and serde's own messages quote the value they refused
/// (`invalid type: string "wsk_…"`). What is kept is the kind of error, the
/// expectation (`invalid type: string, expected a sequence`), line and column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "could not decode the {status} response to {method} {path}: {reason} at line {line}, column {column}{}{}",
    attempts_suffix(*attempts),
    unconfirmed_suffix(*unconfirmed)
)]
#[non_exhaustive]
pub struct DecodeError {
    /// The HTTP status of the response.
    pub status: u16,
    /// The HTTP method of the request.
    pub method: Method,
    /// The request path.
    pub path: String,
    /// Whether the body was not JSON (`Syntax`, `Eof`) or JSON of the wrong shape (`Data`).
    pub category: serde_json::error::Category,
    /// What was wrong, without the values from the body.
    pub reason: String,
    /// The line of the body where decoding stopped (1-based).
    pub line: usize,
    /// The column of that line where decoding stopped (1-based).
    pub column: usize,
    /// How many attempts were made, this one included (earlier ones may have
    /// failed with a retryable error).
    pub attempts: u32,
    pub(crate) unconfirmed: Option<Unconfirmed>,
}

impl DecodeError {
    /// From serde's error, keeping its kind, position and expectation, never a value.
    pub(crate) fn new(status: u16, method: Method, path: &str, error: &serde_json::Error) -> Self {
        DecodeError {
            status,
            method,
            path: path.to_owned(),
            category: error.classify(),
            reason: decode_reason(error),
            line: error.line(),
            column: error.column(),
            attempts: 1,
            unconfirmed: None,
        }
    }
}

/// serde's message without the values it quotes from the body.
fn decode_reason(error: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let full = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    let message = full.strip_suffix(&suffix).unwrap_or(&full);
    if !matches!(error.classify(), Category::Data) {
        // serde_json's own syntax messages are fixed texts ("expected value", "EOF
        // while parsing a string", …): no value in them.
        return message.to_owned();
    }
    // "invalid type: string \"wsk_…\", expected a sequence": keep what kind of
    // value it was and what was expected. The expectation comes from this crate's
    // types, the value from the body.
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = message.strip_prefix(prefix)
            && let Some(at) = rest.rfind(", expected ")
        {
            return format!("{prefix}{}{}", unexpected_kind(&rest[..at]), &rest[at..]);
        }
    }
    // "unknown variant `X`, expected one of …", "unknown field `X`, expected …":
    // the name is from the body.
    for prefix in ["unknown variant ", "unknown field "] {
        if let Some(rest) = message.strip_prefix(prefix) {
            let tail = rest
                .rfind(", expected ")
                .or_else(|| rest.rfind(", there are no "))
                .map_or("", |at| &rest[at..]);
            return format!("{}{tail}", prefix.trim_end());
        }
    }
    // "missing field `url`" and "invalid length 3, expected …" name only this
    // crate's fields and counts. Anything else is a custom message from a type's
    // own parser, which may quote its input: drop every quoted part.
    if message.starts_with("missing field ")
        || message.starts_with("duplicate field ")
        || message.starts_with("invalid length ")
    {
        return message.to_owned();
    }
    scrub(&without_quoted(message), &[])
}

/// The kind of a serde `Unexpected` (`string "…"` → `string`), never its value.
fn unexpected_kind(unexpected: &str) -> &'static str {
    const KINDS: [&str; 17] = [
        "boolean",
        "integer",
        "floating point",
        "character",
        "string",
        "byte array",
        "unit value",
        "Option value",
        "newtype struct",
        "sequence",
        "map",
        "enum",
        "unit variant",
        "newtype variant",
        "tuple variant",
        "struct variant",
        "null",
    ];
    KINDS
        .iter()
        .find(|kind| unexpected.starts_with(*kind))
        .copied()
        .unwrap_or("a value")
}

/// Replaces every `"…"`, `` `…` `` and `'…'` span with `<…>`.
fn without_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if matches!(c, '"' | '`' | '\'') {
            out.push_str("<…>");
            let mut escaped = false;
            for inner in chars.by_ref() {
                if escaped {
                    escaped = false;
                } else if inner == '\\' {
                    escaped = true;
                } else if inner == c {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// What replaces a secret in an error text.
const REDACTED: &str = "<redacted>";

/// Removes secrets from a text that came from a server (an error body, an echo of
/// the request): each of `secrets` as sent, raw and form-encoded, and anything
/// shaped like a credential whoever it belongs to: `Bearer <…>`, a webhook
/// signing secret (`wsk_…`), a Revolut token (`oa_prod_…`, `oa_sand_…`) and a
/// JWT (`eyJ….….…`).
///
/// Every error text built from a server's answer goes through here, before it
/// is cut short, so no part of a secret survives at a cut either.
pub(crate) fn scrub(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_owned();
    for secret in secrets {
        // Shorter values would match ordinary words; no real credential is that short.
        if secret.len() < 4 {
            continue;
        }
        if out.contains(secret) {
            out = out.replace(secret, REDACTED);
        }
        let encoded = form_encoded(secret);
        if encoded != *secret && out.contains(&encoded) {
            out = out.replace(&encoded, REDACTED);
        }
    }
    scrub_shapes(&out)
}

fn form_encoded(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Whether `byte` can be part of a credential: what tokens, secrets and JWTs are
/// made of, and percent-escapes.
fn credential_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric()
        || matches!(byte, b'-' | b'_' | b'.' | b'~' | b'+' | b'/' | b'=' | b'%')
}

fn scrub_shapes(text: &str) -> String {
    let bytes = text.as_bytes();
    let lower = text.to_ascii_lowercase();
    let lower = lower.as_bytes();
    let mut out = String::with_capacity(text.len());
    // Everything before `copied` is in `out`; only ASCII positions are cut at, so
    // every slice is on a character boundary.
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let starts_word = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        let keep = if lower[i..].starts_with(b"bearer")
            && bytes.get(i + 6).is_some_and(|b| *b == b' ' || *b == b'\t')
        {
            // Keep the scheme and the spaces, drop the credential after them.
            let mut start = i + 6;
            while bytes.get(start).is_some_and(|b| *b == b' ' || *b == b'\t') {
                start += 1;
            }
            Some(start)
        } else if starts_word
            && (lower[i..].starts_with(b"wsk_")
                || lower[i..].starts_with(b"oa_prod_")
                || lower[i..].starts_with(b"oa_sand_"))
        {
            Some(i)
        } else if starts_word && bytes[i..].starts_with(b"eyJ") {
            let end = credential_end(bytes, i);
            bytes[i..end].contains(&b'.').then_some(i)
        } else {
            None
        };
        match keep {
            Some(start) => {
                let end = credential_end(bytes, start);
                if end > start {
                    out.push_str(&text[copied..start]);
                    out.push_str(REDACTED);
                    copied = end;
                    i = end;
                } else {
                    i = start.max(i + 1);
                }
            }
            None => i += 1,
        }
    }
    out.push_str(&text[copied..]);
    out
}

fn credential_end(bytes: &[u8], start: usize) -> usize {
    let mut end = start;
    while end < bytes.len() && credential_byte(bytes[end]) {
        end += 1;
    }
    end
}

/// An input refused before sending, naming the field and the rule.
///
/// ```
/// use revolut_webhooks::CreateWebhook;
///
/// let err = CreateWebhook::new("http://example.com/hook").unwrap_err();
/// assert_eq!(err.field, "url");
/// assert!(err.to_string().contains("https"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field}: {reason}")]
#[non_exhaustive]
pub struct ValidationError {
    /// The field or setting at fault (`url`, `limit`, `created_before`, …).
    pub field: &'static str,
    /// Why it was refused.
    pub reason: String,
}

impl ValidationError {
    pub(crate) fn new(field: &'static str, reason: impl Into<String>) -> Self {
        ValidationError {
            field,
            reason: reason.into(),
        }
    }
}

/// A token provider could not supply an access token.
///
/// Implementations of `TokenProvider` return this; its message must not hold a secret.
/// A failed call to the token endpoint also carries the server's `status`, `code`
/// and message, and [`kind`](AuthError::kind) says what to do about it.
///
/// ```
/// use revolut_webhooks::{AuthError, AuthErrorKind};
///
/// let err = AuthError::new("REVOLUT_ACCESS_TOKEN is not set");
/// assert_eq!(err.to_string(), "authentication failed: REVOLUT_ACCESS_TOKEN is not set");
/// assert_eq!(err.kind, AuthErrorKind::Other);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AuthError {
    /// What kind of failure this is.
    pub kind: AuthErrorKind,
    /// What went wrong and what to do about it.
    pub message: String,
    /// The HTTP status of the token endpoint's answer, if it answered.
    pub status: Option<u16>,
    /// The error code in the token endpoint's answer (`invalid_grant`, `9002`, …), if any.
    pub code: Option<String>,
    /// The token endpoint's own description of the error, if any (secrets removed).
    pub server_message: Option<String>,
    /// How long the token endpoint asked us to wait (its `Retry-After`), if it said.
    pub retry_after: Option<Duration>,
    /// How many requests were made: to the token endpoint for this refresh, plus
    /// the API attempts of the call that needed the token (0 when none was made).
    pub attempts: u32,
    source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

impl AuthError {
    /// An authentication error with a message, of kind [`AuthErrorKind::Other`].
    pub fn new(message: impl Into<String>) -> Self {
        AuthError::with_kind(AuthErrorKind::Other, message)
    }

    /// An authentication error of a given kind.
    pub fn with_kind(kind: AuthErrorKind, message: impl Into<String>) -> Self {
        AuthError {
            kind,
            message: message.into(),
            status: None,
            code: None,
            server_message: None,
            retry_after: None,
            attempts: 0,
            source: None,
        }
    }

    /// Attaches the underlying cause.
    #[must_use]
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Arc::new(source));
        self
    }

    /// Whether trying again later may succeed (the token endpoint was unreachable,
    /// rate limited or failing), as opposed to a credential that must be fixed.
    pub fn is_transient(&self) -> bool {
        self.kind == AuthErrorKind::Unavailable
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("authentication failed")?;
        if let Some(status) = self.status {
            write!(f, " (token endpoint: HTTP {status}")?;
            if let Some(code) = &self.code {
                write!(f, ", code {code}")?;
            }
            if let Some(server) = &self.server_message {
                write!(f, ", {server:?}")?;
            }
            f.write_str(")")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(wait) = self.retry_after {
            write!(f, "; retry after {} s", wait.as_secs_f64())?;
        }
        f.write_str(&attempts_suffix(self.attempts))
    }
}

impl std::error::Error for AuthError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// What kind of [`AuthError`] happened, and so what to do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthErrorKind {
    /// The refresh token is invalid, expired or revoked: run the first-time setup again.
    InvalidRefreshToken,
    /// The authorization code is invalid, already used or expired (it lives about 2 minutes).
    InvalidAuthorizationCode,
    /// The client assertion (JWT) was refused: wrong key, claims or expiry.
    InvalidAssertion,
    /// The private key is missing, unreadable or not an RSA key in PEM form.
    MissingKey,
    /// Signing the client assertion failed (a KMS or HSM signer returned an error).
    Signing,
    /// The token endpoint refused the request for another reason.
    Rejected,
    /// The token endpoint could not be reached, or answered 429 or 5xx: the next call tries again.
    Unavailable,
    /// The token endpoint answered success with a body that is not a token response.
    InvalidResponse,
    /// Anything else, including errors from custom token providers.
    Other,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, code: Option<i64>) -> ApiError {
        ApiError {
            status,
            code,
            error_id: None,
            message: "m".into(),
            retry_after: None,
            body_snippet: None,
            attempts: 1,
            unconfirmed: None,
        }
    }

    #[test]
    fn helpers_classify() {
        assert!(api(404, None).is_not_found());
        assert!(api(400, Some(3040)).is_not_found());
        assert!(!api(400, Some(3000)).is_not_found());
        assert!(api(429, None).is_rate_limited());
        assert!(api(400, Some(3162)).is_rate_limited());
        assert!(!api(400, None).is_rate_limited());
        assert!(api(401, Some(1000)).is_token_expired());
        assert!(!api(401, Some(9002)).is_token_expired());
        assert!(!api(403, Some(1000)).is_token_expired());
        for s in [429, 500, 502, 503, 504] {
            assert!(api(s, None).is_retryable(), "{s}");
        }
        for s in [400, 401, 404, 422, 501] {
            assert!(!api(s, None).is_retryable(), "{s}");
        }
    }

    #[test]
    fn display_carries_status_code_message_and_wait() {
        let mut e = api(429, Some(3162));
        e.retry_after = Some(Duration::from_secs(30));
        e.attempts = 3;
        assert_eq!(
            e.to_string(),
            "Revolut API error: HTTP 429, code 3162: m; retry after 30 s [after 3 attempts]"
        );
        let mut html = api(502, None);
        html.body_snippet = Some("<html>".into());
        assert_eq!(
            html.to_string(),
            "Revolut API error: HTTP 502: m (body starts: \"<html>\")"
        );
    }

    #[test]
    fn error_helpers_say_no_when_they_should() {
        let server = Error::from(api(500, Some(5000)));
        assert!(!server.is_not_found());
        assert!(!server.is_rate_limited());
        assert_eq!(server.retry_after(), None);
        let mut limited = api(429, Some(3162));
        limited.retry_after = Some(Duration::from_secs(7));
        let limited = Error::from(limited);
        assert!(limited.is_rate_limited());
        assert_eq!(limited.retry_after(), Some(Duration::from_secs(7)));
        let mut transport = Error::from(TransportError::new(
            TransportErrorKind::Io,
            Method::Get,
            "/x",
            "reset",
            None,
        ));
        assert_eq!(transport.attempts(), 1);
        transport.set_attempts(4);
        assert_eq!(transport.attempts(), 4);
        assert!(!transport.is_timeout());
        assert!(transport.to_string().ends_with("[after 4 attempts]"));
    }

    #[test]
    fn scrub_removes_secrets_and_credential_shapes() {
        let cases = [
            (
                "Authorization: Bearer abc.DEF-123_x",
                "Authorization: Bearer <redacted>",
            ),
            ("bearer\tabc, next", "bearer\t<redacted>, next"),
            ("\"BEARER   a+b/c==\"", "\"BEARER   <redacted>\""),
            ("Bearer <redacted> stays", "Bearer <redacted> stays"),
            ("a bearer.", "a bearer."),
            ("secret wsk_4jETWMz1g1b37gC= end", "secret <redacted> end"),
            ("x=oa_prod_ABC&y=oa_sand_DEF", "x=<redacted>&y=<redacted>"),
            ("jwt eyJhbGciOi.eyJzdWIi.c2ln!", "jwt <redacted>!"),
            ("eyJust a word", "eyJust a word"),
            ("my_wsk_x is a name", "my_wsk_x is a name"),
            ("é Bearer tök", "é Bearer <redacted>ök"),
            ("", ""),
        ];
        for (text, clean) in cases {
            assert_eq!(scrub(text, &[]), clean, "{text:?}");
        }
        assert_eq!(
            scrub("rt/a+b= sent as rt%2Fa%2Bb%3D", &["rt/a+b="]),
            "<redacted> sent as <redacted>"
        );
        // Too short to be a credential: left alone rather than shredding the text.
        assert_eq!(scrub("a cat", &["cat", ""]), "a cat");
    }

    #[test]
    fn quoted_parts_are_dropped() {
        assert_eq!(
            without_quoted(r#"got "a \" b" and `c` and 'd' and "open"#),
            "got <…> and <…> and <…> and <…>"
        );
    }

    #[test]
    fn auth_errors_count_attempts_and_waits() {
        let mut e = AuthError::with_kind(AuthErrorKind::Unavailable, "down");
        e.attempts = 3;
        e.retry_after = Some(Duration::from_secs(2));
        assert_eq!(
            e.to_string(),
            "authentication failed: down; retry after 2 s [after 3 attempts]"
        );
        let e = Error::from(e).after_attempts(1);
        assert_eq!(
            (e.attempts(), e.retry_after()),
            (4, Some(Duration::from_secs(2)))
        );
        let mut e = Error::from(AuthError::new("x"));
        assert_eq!(e.attempts(), 0);
        e.set_attempts(2);
        assert_eq!(e.attempts(), 2);
        // Only an auth error gains the API attempts before it.
        let api = Error::from(api(500, None)).after_attempts(5);
        assert_eq!(api.attempts(), 1);
    }

    #[test]
    fn a_client_that_cannot_start_says_so_without_a_method_or_path() {
        let e = Error::ClientStart {
            message: "no TLS roots".into(),
            source: Box::new(std::io::Error::other("no TLS roots")),
        };
        assert_eq!(
            e.to_string(),
            "could not start the HTTP client: no TLS roots"
        );
        assert!(std::error::Error::source(&e).is_some());
        assert_eq!(e.attempts(), 0);
        assert!(!e.is_ambiguous() && !e.is_timeout());
        // Transport errors name the method by its type, shown as HTTP spells it.
        let t = TransportError::new(TransportErrorKind::Io, Method::Patch, "/p", "x", None);
        assert_eq!(t.method, Method::Patch);
        assert!(
            t.to_string().starts_with("connection error (PATCH /p)"),
            "{t}"
        );
    }

    #[test]
    fn only_failures_that_may_have_reached_the_server_are_ambiguous() {
        let transport = |kind| {
            Error::from(TransportError::new(
                kind,
                Method::Post,
                "/api/2.0/webhooks",
                "x",
                None,
            ))
        };
        let mut maybe = vec![
            Error::from(api(500, Some(5000))),
            Error::from(api(502, None)),
            Error::from(api(504, None)),
            transport(TransportErrorKind::Timeout),
            transport(TransportErrorKind::Io),
            transport(TransportErrorKind::BodyTooLarge),
            transport(TransportErrorKind::Other),
        ];
        for e in &mut maybe {
            assert!(!e.is_ambiguous(), "unmarked: {e}");
            e.mark_unconfirmed(Unconfirmed::Create);
            assert!(e.is_ambiguous(), "{e}");
            assert!(e.to_string().contains("call list() to check"), "{e}");
        }
        let mut rotated = Error::from(api(500, None));
        rotated.mark_unconfirmed(Unconfirmed::Rotate);
        assert!(
            rotated.to_string().contains("call get() to read"),
            "{rotated}"
        );
        let mut refused = vec![
            Error::from(api(429, Some(3162))),
            Error::from(api(503, None)),
            Error::from(api(501, None)),
            Error::from(api(422, Some(3352))),
            transport(TransportErrorKind::Connect),
            transport(TransportErrorKind::ConnectTimeout),
            Error::from(ValidationError::new("url", "x")),
            Error::RateLimitedLocally {
                retry_in: Duration::from_secs(3),
            },
            Error::BudgetExhausted {
                budget: Duration::from_secs(120),
            },
        ];
        for e in &mut refused {
            e.mark_unconfirmed(Unconfirmed::Create);
            assert!(!e.is_ambiguous(), "{e}");
            assert!(!e.to_string().contains("list()"), "{e}");
        }
        let local = &refused[7];
        assert!(local.is_rate_limited());
        assert_eq!(local.retry_after(), Some(Duration::from_secs(3)));
        assert_eq!(local.attempts(), 0);
        assert!(
            local.to_string().starts_with("rate-limited locally"),
            "{local}"
        );
        assert!(refused[8].to_string().contains("120 s"), "{}", refused[8]);
    }

    #[test]
    fn auth_errors_keep_their_cause_and_say_if_transient() {
        let io = std::io::Error::other("unreachable");
        let e = AuthError::new("no token").with_source(io);
        assert_eq!(
            std::error::Error::source(&e)
                .map(|s| s.to_string())
                .as_deref(),
            Some("unreachable")
        );
        assert!(!e.is_transient());
        assert!(AuthError::with_kind(AuthErrorKind::Unavailable, "x").is_transient());
        assert!(std::error::Error::source(&AuthError::new("x")).is_none());
    }

    #[test]
    fn error_accessors() {
        let mut e = Error::from(api(404, Some(3040)));
        assert!(e.is_not_found());
        assert!(!e.is_rate_limited());
        assert!(!e.is_timeout());
        assert_eq!(e.attempts(), 1);
        e.set_attempts(3);
        assert_eq!(e.attempts(), 3);
        let t = Error::from(TransportError::new(
            TransportErrorKind::Timeout,
            Method::Get,
            "/webhooks",
            "slow",
            None,
        ));
        assert!(t.is_timeout());
        assert_eq!(t.retry_after(), None);
        assert_eq!(t.to_string(), "timed out (GET /webhooks): slow");
        // A decode error after retries counts every attempt, like the others.
        let mut d = Error::from(DecodeError::new(
            200,
            Method::Get,
            "/webhooks",
            &serde_json::from_str::<u8>("x").unwrap_err(),
        ));
        assert_eq!(d.attempts(), 1);
        d.set_attempts(2);
        assert_eq!(d.attempts(), 2);
        assert!(d.to_string().ends_with("[after 2 attempts]"), "{d}");
        let v = Error::from(ValidationError::new("limit", "must be 1..=1000"));
        assert_eq!(v.attempts(), 0);
        assert_eq!(v.to_string(), "invalid limit: must be 1..=1000");
    }
}
