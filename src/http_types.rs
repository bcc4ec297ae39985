//! Shared vocabulary of requests: the HTTP method, and whether a call may be sent again.
//!
//! A leaf: it imports nothing from the crate, so the errors, the request builders and
//! the retry policy can all name these without pointing at one another. Re-exported
//! from [`request`](crate::request), their public home.

use std::fmt;

/// An HTTP method used by the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Method {
    /// The method's name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// Whether a call may be sent again after a failure that leaves its outcome unknown
/// (a timeout after sending, a reset, a 500): what its endpoint knows, not what its
/// method suggests.
///
/// Every call says it, set beside its path in one place (each endpoint's file under
/// `src/request/endpoints/`, the token calls in `auth`), and the
/// [`RetryPolicy`](crate::RetryPolicy) decides from it. A failure that shows nothing
/// was sent (a refused connection) or that the server refused before acting (429, 503)
/// is retried either way.
///
/// Non-exhaustive: a later version may add a kind (say, repeatable with an idempotency
/// key), so a `match` on it needs a `_` arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Repeat {
    /// Sending it twice has the effect of sending it once (a read, an update to given
    /// values, a delete, a token refresh).
    Safe,
    /// A repeat could act twice (a second webhook, a fourth key, a used code).
    Unsafe {
        /// What to tell the user when the outcome is unknown: what may have happened and
        /// how to check, such as "the webhook may exist: … call list() to check".
        on_unknown: &'static str,
    },
}

impl Repeat {
    /// Whether the call may be sent again when its outcome is unknown.
    pub fn is_safe(&self) -> bool {
        matches!(self, Repeat::Safe)
    }
}
