// The client's integration tests, written once and compiled per mode
// (`blocking.rs` under `must_be_sync`, `nonblocking.rs` under `must_be_async`),
// exactly as the crate compiles its own I/O shell.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use httpmock::prelude::*;
use revolut_webhooks::auth::{AccessToken, StaticToken};
use revolut_webhooks::codes;
use revolut_webhooks::{
    CreateWebhook, Environment, Error, EventType, FailedEventsQuery, ManualClock, RateLimiter,
    RetryPolicy, SecretExpiration, TransportErrorKind, UpdateWebhook,
};
use serde_json::json;
use time::macros::datetime;

use super::{Client, TokenProvider, collect_all, maybe_io};

/// Calls `$m!` with the names of the plain cases and of the cases that do I/O,
/// so each mode's test file lists them once, here.
macro_rules! all_cases {
    ($m:ident) => {
        $m!(
            plain: building_without_a_token_provider_fails,
            client_is_send_sync_clone;
            io: list_sends_get_with_bearer_token_and_parses,
            unknown_event_types_and_fields_never_fail_a_list,
            get_returns_the_secret_but_debug_hides_it,
            create_posts_the_exact_json_body,
            create_without_events_omits_them,
            update_patches_only_what_is_set,
            delete_accepts_204_without_body,
            rotate_always_sends_a_json_body,
            failed_events_sends_limit_and_bound_and_keeps_payloads,
            api_errors_carry_status_code_and_message,
            unauthorized_is_reported_without_the_token,
            rate_limit_carries_retry_after,
            html_bad_gateway_gives_a_snippet,
            malformed_success_body_is_a_decode_error,
            validation_errors_make_no_request,
            the_clock_decides_the_21_day_window,
            failed_events_all_loses_no_tie_across_three_pages,
            failed_events_all_stops_after_an_error,
            connection_refused_is_a_connect_error,
            a_slow_server_times_out,
            oversized_bodies_are_refused,
            expired_token_is_replaced_and_the_request_replayed_once,
            a_second_401_is_returned_not_retried_again,
            a_static_token_is_not_replayed_after_401,
            retry_after_within_the_cap_is_waited_for_then_retried,
            create_is_never_retried_after_a_500,
            rotate_is_retried_on_429_since_nothing_happened,
            retries_can_be_turned_off,
            the_rate_limiter_spaces_requests_out
        );
    };
}

// The cases, one file per behaviour (under `cases/`); the helpers above and below
// are theirs to share.
#[path = "cases/endpoints.rs"]
mod endpoints;
pub(crate) use endpoints::*;
#[path = "cases/failures.rs"]
mod failures;
pub(crate) use failures::*;

const TOKEN: &str = "test-token-not-a-secret";
const ID: &str = "c6db947e-e9ce-41c2-b445-02e6eb741d21";
const WEBHOOKS: &str = "/api/2.0/webhooks";

fn id() -> revolut_webhooks::WebhookId {
    ID.parse().unwrap()
}

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn environment(server: &MockServer) -> Environment {
    Environment::custom(&server.base_url()).unwrap()
}

/// Retries as the default policy says, but with millisecond waits.
fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .with_base_delay(Duration::from_millis(1))
        .with_max_delay(Duration::from_millis(5))
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .environment(environment(server))
        .token_provider(StaticToken::new(TOKEN))
        .retry_policy(fast_retries())
        .build()
        .unwrap()
}

fn clock() -> ManualClock {
    ManualClock::new(datetime!(2026-11-25 12:00 UTC))
}

fn client_at(server: &MockServer, clock: ManualClock) -> Client {
    Client::builder()
        .environment(environment(server))
        .token_provider(StaticToken::new(TOKEN))
        .retry_policy(fast_retries())
        .clock(clock)
        .build()
        .unwrap()
}

fn api_error(result: Result<impl std::fmt::Debug, Error>) -> revolut_webhooks::ApiError {
    match result {
        Err(Error::Api(e)) => e,
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// A provider that hands out `token-1`, then `token-2` after an invalidation.
#[derive(Default)]
struct Rotating {
    generation: AtomicUsize,
    invalidations: AtomicUsize,
}

#[maybe_io]
impl TokenProvider for Rotating {
    async fn access_token(&self) -> revolut_webhooks::Result<AccessToken> {
        Ok(AccessToken::new(format!(
            "token-{}",
            self.generation.load(Ordering::SeqCst) + 1
        )))
    }

    fn invalidate(&self, rejected: &AccessToken) -> bool {
        assert!(rejected.expose_secret().starts_with("token-"));
        self.invalidations.fetch_add(1, Ordering::SeqCst);
        self.generation.fetch_add(1, Ordering::SeqCst);
        true
    }
}

const EXPIRED: &str = r#"{"error_id":"69bb3be2-24b7-afe7-8c69-c9f26aa37a69","code":1000,"message":"Access token is invalid or has expired."}"#;
