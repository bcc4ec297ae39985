// The refreshing token provider's integration tests, written once and compiled per
// mode (`blocking.rs` under `must_be_sync`, `nonblocking.rs` under
// `must_be_async`), exactly as the crate compiles its own I/O shell. Time comes from
// a `ManualClock`: nothing sleeps.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use httpmock::prelude::*;
use revolut_webhooks::auth::{AccessToken, StaticToken};
use revolut_webhooks::auth::{ClientAssertion, RefreshToken, TokenSet};
use revolut_webhooks::{AuthErrorKind, Environment, Error, ManualClock, RetryPolicy};
use time::OffsetDateTime;
use time::macros::datetime;

use super::server::{Reply, Request, Server, refused_port};
use super::{
    Client, RefreshingTokenProvider, TokenProvider, concurrently, exchange_authorization_code,
    maybe_io,
};

/// Calls `$m!` with every case's name, so each mode's test file lists them once, here.
macro_rules! all_cases {
    ($m:ident) => {
        $m!(
            a_refresh_posts_the_exact_form_body,
            refreshes_ahead_of_expiry_by_the_injected_clock,
            sixty_four_concurrent_callers_at_expiry_make_one_refresh,
            a_failed_refresh_reaches_every_waiter_and_the_next_call_retries,
            a_401_code_1000_refreshes_once_and_replays_once,
            a_second_401_is_returned_with_advice,
            invalidate_drops_only_the_rejected_token,
            the_authorization_code_is_exchanged_for_a_token_set,
            an_unreachable_token_endpoint_is_a_transient_auth_error,
            the_provider_and_its_errors_never_print_secrets,
            a_503_or_429_from_the_token_endpoint_is_retried_and_counted,
            a_500_during_a_refresh_is_retried_but_not_during_a_code_exchange,
            a_refused_token_endpoint_is_retried_and_counted,
            api_attempts_and_token_attempts_add_up,
            an_api_that_echoes_the_request_puts_no_secret_in_an_error,
            a_token_endpoint_that_echoes_the_form_puts_no_secret_in_an_error,
            a_client_builds_its_refreshing_provider_in_its_own_environment,
            a_provider_in_another_environment_than_its_client_is_refused
        );
    };
}

// The cases, one file per behaviour (under `cases/`); the helpers above and below
// are theirs to share.
#[path = "cases/refresh.rs"]
mod refresh;
pub(crate) use refresh::*;
#[path = "cases/failures.rs"]
mod failures;
pub(crate) use failures::*;

const TOKEN_PATH: &str = "/api/1.0/auth/token";
const WEBHOOKS: &str = "/api/2.0/webhooks";
const REFRESH: &str = "oa_sand_refresh-secret-1";
const JWT: &str =
    "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJjbGllbnQtaWQifQ.c2lnbmF0dXJlLXNlY3JldA";
const FORM_BODY: &str = "grant_type=refresh_token&refresh_token=oa_sand_refresh-secret-1\
    &client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer\
    &client_assertion=eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJjbGllbnQtaWQifQ.c2lnbmF0dXJlLXNlY3JldA";
const EXPIRED: &str = r#"{"error_id":"69bb3be2-24b7-afe7-8c69-c9f26aa37a69","code":1000,"message":"Access token is invalid or has expired."}"#;
const START: OffsetDateTime = datetime!(2026-11-25 12:00 UTC);

fn environment(server: &MockServer) -> Environment {
    Environment::custom(&server.base_url()).unwrap()
}

fn token_body(access: &str) -> String {
    format!(r#"{{"access_token":"{access}","token_type":"bearer","expires_in":2400}}"#)
}

/// The token endpoint answers `access` (after `delay`).
fn token_endpoint<'a>(server: &'a MockServer, access: &str, delay: Duration) -> httpmock::Mock<'a> {
    let body = token_body(access);
    server.mock(|when, then| {
        when.method(POST).path(TOKEN_PATH);
        then.status(200)
            .header("content-type", "application/json")
            .delay(delay)
            .body(body);
    })
}

/// A provider for `server`, with no access token yet.
fn provider(server: &MockServer, clock: &ManualClock) -> RefreshingTokenProvider {
    RefreshingTokenProvider::builder(RefreshToken::new(REFRESH), ClientAssertion::presigned(JWT))
        .environment(environment(server))
        .clock(clock.clone())
        .build()
        .unwrap()
}

/// A provider that starts with `token-1`, issued at START and valid 40 minutes.
fn provider_with_token(
    server: &MockServer,
    clock: &ManualClock,
    margin: Option<Duration>,
) -> RefreshingTokenProvider {
    let stored = TokenSet::new(
        AccessToken::new("token-1"),
        RefreshToken::new(REFRESH),
        START + time::Duration::minutes(40),
    );
    let mut builder = RefreshingTokenProvider::builder(
        RefreshToken::new("replaced-by-stored"),
        ClientAssertion::presigned(JWT),
    )
    .environment(environment(server))
    .clock(clock.clone())
    .tokens(stored);
    if let Some(margin) = margin {
        builder = builder.refresh_margin(margin);
    }
    builder.build().unwrap()
}

fn auth_error(result: revolut_webhooks::Result<AccessToken>) -> revolut_webhooks::AuthError {
    match result {
        Err(Error::Auth(e)) => e,
        other => panic!("expected an auth error, got {other:?}"),
    }
}

/// The default policy with millisecond backoffs.
fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .with_base_delay(Duration::from_millis(1))
        .with_max_delay(Duration::from_millis(5))
}

fn token_reply(access: &str) -> Reply {
    Reply::json(token_body(access))
}

fn unavailable(status: u16) -> Reply {
    Reply::status(status, r#"{"error":"temporarily_unavailable"}"#).header("retry-after", "0")
}

/// A provider with no access token yet, for a fault server.
fn provider_at(url: &str, refresh: &str, policy: Option<RetryPolicy>) -> RefreshingTokenProvider {
    let mut builder = RefreshingTokenProvider::builder(
        RefreshToken::new(refresh),
        ClientAssertion::presigned(JWT),
    )
    .environment(Environment::custom(url).unwrap())
    .timeout(Duration::from_secs(5));
    if let Some(policy) = policy {
        builder = builder.retry_policy(policy);
    }
    builder.build().unwrap()
}

fn token_requests(server: &Server) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.path == TOKEN_PATH)
        .count()
}

/// Everything an error shows: `Display`, `Debug`, `{:#?}`, and each cause's too.
fn everything_shown(error: &Error) -> String {
    let mut shown = format!("{error}\n{error:?}\n{error:#?}");
    let mut cause = std::error::Error::source(error);
    while let Some(c) = cause {
        shown += &format!("\n{c}\n{c:?}");
        cause = c.source();
    }
    shown
}

fn assert_no_secret(shown: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
}
