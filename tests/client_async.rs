//! The client's integration tests in async mode (see `client/cases.rs`).
#![cfg(feature = "async")]

use futures_util::TryStreamExt;
use maybe_async::must_be_async as maybe_io;
use revolut_webhooks::nonblocking::{Client, TokenProvider};
use revolut_webhooks::{FailedEvent, FailedEventsQuery, Result};

#[path = "client/cases.rs"]
mod cases;

async fn collect_all(
    client: &Client,
    id: uuid::Uuid,
    query: &FailedEventsQuery,
) -> Result<Vec<FailedEvent>> {
    client
        .webhooks()
        .failed_events_all(id, query)?
        .try_collect()
        .await
}

macro_rules! tests {
    (sync: $($sync:ident),* ; async: $($name:ident),* $(,)?) => {
        $( #[test] fn $sync() { cases::$sync() } )*
        $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { cases::$name().await } )*
    };
}

tests!(
    sync: building_without_a_token_provider_fails, client_is_send_sync_clone;
    async:
    list_sends_get_with_bearer_token_and_parses,
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
    the_rate_limiter_spaces_requests_out,
);

/// Every future the async client returns can cross threads.
#[allow(dead_code)]
fn futures_are_send(client: Client, id: uuid::Uuid) {
    fn send<T: Send>(_: T) {}
    let hooks = client.webhooks();
    send(hooks.list());
    send(hooks.get(id));
    send(hooks.delete(id));
    send(hooks.rotate_signing_secret(id, None));
    send(hooks.failed_events(id, &FailedEventsQuery::new()));
    send(hooks.failed_events_all(id, &FailedEventsQuery::new()));
}
