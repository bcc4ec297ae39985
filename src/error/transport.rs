//! [`TransportError`]: a request that failed before a complete response arrived.

use std::fmt;

use super::{OnUnknown, attempts_suffix, unconfirmed_suffix};
use crate::http_types::Method;

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
    pub(super) unconfirmed: Option<OnUnknown>,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
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
