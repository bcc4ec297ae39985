//! [`ApiError`], an error status from the API, and the Revolut error codes it names.

use std::fmt;
use std::time::Duration;

use super::{OnUnknown, unconfirmed_suffix};

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
    pub(crate) unconfirmed: Option<OnUnknown>,
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
        f.write_str(&unconfirmed_suffix(self.unconfirmed))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::tests::api;

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
}
