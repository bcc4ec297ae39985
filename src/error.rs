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

use time::OffsetDateTime;

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
    /// More failed events share one `created_at` than one page can hold, so the
    /// API cannot page through them all (see [`failed_events_all`](crate#pagination)).
    #[error(
        "more than {page_size} failed events share created_at {created_at}; the API cannot page \
         within one timestamp, so events at that instant beyond the {page_size} returned may be missing"
    )]
    TiedEventsOverflow {
        /// The shared timestamp.
        created_at: OffsetDateTime,
        /// The largest page the API allows (1000), all of it at `created_at`.
        page_size: u32,
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

    /// Whether the server refused because of its rate limit (429, or code 3162).
    pub fn is_rate_limited(&self) -> bool {
        self.api().is_some_and(ApiError::is_rate_limited)
    }

    /// Whether the request timed out, while connecting or after it was sent.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Transport(e) if matches!(e.kind, TransportErrorKind::Timeout | TransportErrorKind::ConnectTimeout))
    }

    /// How long the server asked us to wait before trying again, if it said.
    pub fn retry_after(&self) -> Option<Duration> {
        self.api().and_then(|e| e.retry_after)
    }

    /// How many HTTP attempts were made before this error (0 when none was made).
    pub fn attempts(&self) -> u32 {
        match self {
            Error::Api(e) => e.attempts,
            Error::Transport(e) => e.attempts,
            Error::Decode(e) => e.attempts,
            _ => 0,
        }
    }

    #[cfg(any(feature = "blocking", feature = "async", test))]
    pub(crate) fn set_attempts(&mut self, attempts: u32) {
        match self {
            Error::Api(e) => e.attempts = attempts,
            Error::Transport(e) => e.attempts = attempts,
            Error::Decode(e) => e.attempts = attempts,
            _ => {}
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
}

impl ApiError {
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
        Ok(())
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
#[error("{kind} ({method} {path}): {message}{}", attempts_suffix(*attempts))]
#[non_exhaustive]
pub struct TransportError {
    /// What failed.
    pub kind: TransportErrorKind,
    /// The HTTP method of the request.
    pub method: &'static str,
    /// The request path without host or query (no secrets live there).
    pub path: String,
    /// A description from the HTTP library.
    pub message: String,
    /// How many attempts were made, this one included.
    pub attempts: u32,
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
        method: &'static str,
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
            source,
        }
    }
}

/// A success response whose body could not be decoded.
///
/// The body itself is not kept: success bodies can hold signing secrets.
#[derive(Debug, thiserror::Error)]
#[error(
    "could not decode the {status} response to {method} {path}: {source}{}",
    attempts_suffix(*attempts)
)]
#[non_exhaustive]
pub struct DecodeError {
    /// The HTTP status of the response.
    pub status: u16,
    /// The HTTP method of the request.
    pub method: &'static str,
    /// The request path.
    pub path: String,
    /// What serde found wrong, with line and column.
    #[source]
    pub source: serde_json::Error,
    /// How many attempts were made, this one included (earlier ones may have
    /// failed with a retryable error).
    pub attempts: u32,
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
            source: None,
        }
    }

    /// Attaches the underlying cause.
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
        write!(f, ": {}", self.message)
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
            "GET",
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
            "GET",
            "/webhooks",
            "slow",
            None,
        ));
        assert!(t.is_timeout());
        assert_eq!(t.retry_after(), None);
        assert_eq!(t.to_string(), "timed out (GET /webhooks): slow");
        // A decode error after retries counts every attempt, like the others.
        let mut d = Error::from(DecodeError {
            status: 200,
            method: "GET",
            path: "/webhooks".into(),
            source: serde_json::from_str::<u8>("x").unwrap_err(),
            attempts: 1,
        });
        assert_eq!(d.attempts(), 1);
        d.set_attempts(2);
        assert_eq!(d.attempts(), 2);
        assert!(d.to_string().ends_with("[after 2 attempts]"), "{d}");
        let v = Error::from(ValidationError::new("limit", "must be 1..=1000"));
        assert_eq!(v.attempts(), 0);
        assert_eq!(v.to_string(), "invalid limit: must be 1..=1000");
    }
}
