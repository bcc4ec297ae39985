//! Errors, the same types in every mode.
//!
//! [`Error`] is what every client call returns. Each variant carries what you
//! need to act on it: an [`ApiError`] has the HTTP status, Revolut's error code,
//! its message and how long to wait (`retry_after`); a [`TransportError`] says
//! whether the connection failed or timed out; a [`ValidationError`] names the
//! field. No error message ever contains a token or a signing secret.

use std::time::Duration;

mod api;
mod decode;
mod scrub;
mod transport;
mod validation;

pub use api::{ApiError, codes};
pub use decode::DecodeError;
pub use transport::{TransportError, TransportErrorKind};
pub use validation::ValidationError;

mod auth;
pub use auth::{AuthError, AuthErrorKind};
pub(crate) use scrub::scrub;

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
    /// The shared rate budget could not be used (the store failed). Nothing was sent.
    #[error("{0}; nothing was sent")]
    SharedState(#[from] crate::shared_state::SharedStateError),
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

    /// Whether a call that is unsafe to repeat (creating a webhook, rotating a secret, a
    /// sandbox simulation:
    /// [`Repeat::Unsafe`](crate::request::Repeat::Unsafe)) failed after its request may
    /// have reached the server (a 5xx other than 503, a timeout, a reset, a body that
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

    /// Marks the failure of a call that is unsafe to repeat as ambiguous, if its
    /// request may have reached the server, with what to tell the user (`on_unknown`);
    /// anything else is left as it is.
    #[cfg(any(feature = "blocking", feature = "async", test))]
    pub(crate) fn mark_unconfirmed(&mut self, call: &'static str) {
        match self {
            // 503 and 429 are Revolut refusing before doing anything (they are
            // retried, whatever the method); 501 and 505 refuse the request as such.
            Error::Api(e) if e.status >= 500 && !matches!(e.status, 501 | 503 | 505) => {
                e.unconfirmed = Some(OnUnknown::intern(call))
            }
            // A refused connection and a connect timeout certainly sent nothing.
            Error::Transport(e)
                if !matches!(
                    e.kind,
                    TransportErrorKind::Connect | TransportErrorKind::ConnectTimeout
                ) =>
            {
                e.unconfirmed = Some(OnUnknown::intern(call))
            }
            // A success whose body did not decode: it took effect.
            Error::Decode(e) => e.unconfirmed = Some(OnUnknown::intern(call)),
            _ => {}
        }
    }
}

/// What an ambiguous failure's message adds: that the request may have reached
/// Revolut, and what the call's endpoint says to do about it
/// ([`Repeat::Unsafe`](crate::request::Repeat::Unsafe)'s `on_unknown`).
pub(super) fn unconfirmed_suffix(on_unknown: Option<OnUnknown>) -> String {
    match on_unknown {
        None => String::new(),
        Some(advice) => format!(
            "; the request may have reached Revolut, so {}",
            advice.text()
        ),
    }
}

/// The advice of an ambiguous failure ([`Repeat::Unsafe`](crate::request::Repeat)'s
/// `on_unknown`), kept as a 2-byte index into a table of the texts seen: the errors
/// have two spare bytes, and a pointer would grow `Error` past the size at which
/// clippy flags every `Result<_, Error>` in a user's code. The texts are the crate's
/// own endpoint constants (no caller can build a `Call`), so the table stays small.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OnUnknown(std::num::NonZeroU16);

/// Every advice text seen so far, in the order first seen.
static ADVICE: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());

impl OnUnknown {
    /// The index of `text`, added to the table if new; a full table (never, with the
    /// crate's few texts) gives an index past its end, which reads as a generic advice.
    // Only the clients mark errors; a build without them has none to mark.
    #[cfg_attr(
        not(any(feature = "blocking", feature = "async", test)),
        allow(dead_code)
    )]
    fn intern(text: &'static str) -> Self {
        let mut table = ADVICE.lock().unwrap_or_else(|e| e.into_inner());
        let index = match table.iter().position(|known| *known == text) {
            Some(index) => index,
            None if table.len() < usize::from(u16::MAX - 1) => {
                table.push(text);
                table.len() - 1
            }
            None => usize::from(u16::MAX - 1),
        };
        // Stored plus one, so that `Option<OnUnknown>` takes two bytes.
        let stored = u16::try_from(index.saturating_add(1)).unwrap_or(u16::MAX);
        OnUnknown(std::num::NonZeroU16::new(stored).unwrap_or(std::num::NonZeroU16::MAX))
    }

    fn text(self) -> &'static str {
        let table = ADVICE.lock().unwrap_or_else(|e| e.into_inner());
        table
            .get(usize::from(self.0.get() - 1))
            .copied()
            .unwrap_or("it may have taken effect: check before trying again")
    }
}

pub(crate) fn attempts_suffix(attempts: u32) -> String {
    if attempts > 1 {
        format!(" [after {attempts} attempts]")
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    const CREATE_ADVICE: &str = "the webhook may exist: call list() to check";
    const ROTATE_ADVICE: &str = "the secret may have been rotated: call get() to read it";

    #[test]
    fn errors_stay_below_the_size_clippy_flags() {
        // clippy's `result_large_err` flags every `Result<_, E>` with an `E` of 128
        // bytes or more, in the crate and in its users' code.
        assert!(std::mem::size_of::<Error>() < 128);
        assert!(std::mem::size_of::<crate::pagination::WalkError>() < 128);
    }
    use super::*;
    use crate::http_types::Method;

    pub(super) fn api(status: u16, code: Option<i64>) -> ApiError {
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
            e.mark_unconfirmed(CREATE_ADVICE);
            assert!(e.is_ambiguous(), "{e}");
            assert!(e.to_string().contains("call list() to check"), "{e}");
        }
        let mut rotated = Error::from(api(500, None));
        rotated.mark_unconfirmed(ROTATE_ADVICE);
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
            e.mark_unconfirmed(CREATE_ADVICE);
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
