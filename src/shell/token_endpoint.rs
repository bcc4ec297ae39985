//! The token endpoint: one token request with its retries, and `exchange_authorization_code`.

// Part of the I/O shell, included once per mode: see the header of `client.rs`.
//
// A token request is retried under the provider's `RetryPolicy`, like an API call,
// as its `TokenCall::repeat` says: a refresh is safe to repeat (sending the same
// refresh token twice gets two access tokens and leaves the refresh token valid), a
// code exchange is not (a code works once, so only failures that show nothing was
// used are retried).

use std::time::Duration;

use super::client::random;
use super::flight;
use super::maybe_io;
use super::transport::{Transport, sleep};
use crate::auth::{ClientAssertion, TokenCall, TokenSet, authorization_code_request};
use crate::clock::{Clock, SystemClock};
use crate::config::{Environment, HttpConfig};
use crate::error::{AuthError, AuthErrorKind, Result};
use crate::retry::{Failure, RetryDecision, RetryPolicy, parse_retry_after};
use crate::trace::{self, Span, Stopwatch, trace_event};

/// The span of one token request: the grant's outcome, status, attempts and
/// duration; never a token, the assertion or the server's text.
macro_rules! token_span {
    ($name:literal) => {
        $crate::trace::trace_span!(
            $name,
            outcome = ::tracing::field::Empty,
            status = ::tracing::field::Empty,
            attempts = ::tracing::field::Empty,
            error = ::tracing::field::Empty,
            duration_ms = ::tracing::field::Empty,
        )
    };
}
pub(super) use token_span;

/// Exchanges the authorization code from the consent redirect for the first token
/// set (access token, refresh token, expiry): the last step of first-time setup.
///
/// The code works once, within about 2 minutes of consent. Store the refresh token
/// somewhere safe; it is what a [`RefreshingTokenProvider`](super::RefreshingTokenProvider) needs.
///
/// Retried under [`RetryPolicy::default`] as a call unsafe to repeat ([`Repeat::Unsafe`](crate::request::Repeat)): a 429 or 503 and a refused
/// connection are retried; a timeout or a 500 is not, since the code may have
/// been used.
#[maybe_io]
pub async fn exchange_authorization_code(
    environment: &Environment,
    code: &str,
    assertion: &ClientAssertion,
) -> Result<TokenSet> {
    flight::runtime()?;
    let http = HttpConfig::default();
    let transport = Transport::new(&http, environment)?;
    let clock = SystemClock;
    let owned = assertion.clone();
    let now = clock.now();
    let signed = flight::off_runtime(move || owned.assertion(now))
        .await
        .unwrap_or_else(|| Err(shutting_down()))?;
    let call = authorization_code_request(code, &signed);
    let span = token_span!("token_exchange");
    let watch = Stopwatch::start();
    let policy = RetryPolicy::default();
    let result = within!(
        span,
        send(
            &transport,
            environment,
            &call,
            &policy,
            http.timeout,
            &clock,
            &span,
        )
    )
    .await;
    finish_token_span(&span, &watch, &result);
    Ok(result?)
}

/// Records a token request's outcome and duration on its span.
pub(super) fn finish_token_span(
    span: &Span,
    watch: &Stopwatch,
    result: &Result<TokenSet, AuthError>,
) {
    match result {
        Ok(_) => {
            span.record("outcome", "ok");
        }
        Err(error) => trace::record_auth_error(span, error),
    }
    watch.record(span);
}

/// Sends a token call (no bearer header) and reads its answer, retrying as
/// `retry` says. The expiry counts from the clock's time taken before each attempt,
/// so it errs on the early side. The error counts the attempts made.
#[maybe_io]
pub(super) async fn send(
    transport: &Transport,
    environment: &Environment,
    call: &TokenCall,
    retry: &RetryPolicy,
    timeout: Duration,
    clock: &dyn Clock,
    span: &Span,
) -> Result<TokenSet, AuthError> {
    let started = std::time::Instant::now();
    let mut attempts = 0;
    loop {
        attempts += 1;
        let remaining = retry.total_budget().saturating_sub(started.elapsed());
        let cut = (remaining < timeout).then_some(remaining);
        let now = clock.now();
        let (mut error, failure) = match transport
            .send(call.request(), environment, None, cut)
            .await
        {
            Ok(response) => match call.parse(&response, now) {
                Ok(tokens) => {
                    span.record("status", response.status);
                    span.record("attempts", attempts);
                    return Ok(tokens);
                }
                Err(error) if (200..300).contains(&response.status) => (error, Failure::Other),
                Err(error) => {
                    let retry_after = response
                        .retry_after
                        .as_deref()
                        .and_then(|v| parse_retry_after(v, now));
                    let failure = Failure::Status {
                        status: response.status,
                        retry_after,
                    };
                    (error, failure)
                }
            },
            Err(e) => {
                let failure = Failure::Transport(e.kind);
                let message = crate::error::scrub(&e.to_string(), &[]);
                let error = AuthError::with_kind(
                    AuthErrorKind::Unavailable,
                    format!(
                        "could not reach the token endpoint ({message}); the next request will try again"
                    ),
                )
                .with_source(e);
                (error, failure)
            }
        };
        error.attempts = attempts;
        let decision = retry.decide(
            attempts,
            call.repeat(),
            failure,
            started.elapsed(),
            random(),
        );
        match decision {
            RetryDecision::RetryAfter(wait) => {
                trace_event!(
                    info,
                    attempt = attempts,
                    status = error.status,
                    wait_ms = trace::millis(wait),
                    "retrying the token request after a wait"
                );
                sleep(wait).await;
            }
            RetryDecision::GiveUp => return Err(error),
        }
    }
}

/// The error of a token request that could not start: the runtime is going away.
pub(super) fn shutting_down() -> AuthError {
    AuthError::new(
        "the token refresh was cancelled because the tokio runtime is shutting down; \
         the next call on a running runtime tries again",
    )
}
