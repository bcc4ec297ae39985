//! Why the token endpoint (or a token provider) failed: `AuthError` and its kind. The
//! home of the errors of `auth`, beside the crate's other errors, so that `error` names
//! nothing above it.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::attempts_suffix;

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
}
