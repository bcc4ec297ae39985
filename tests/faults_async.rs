//! The fault-injection suite in async mode (see `faults/cases.rs`).
#![cfg(feature = "async")]

use futures_util::TryStreamExt;
use maybe_async::must_be_async as maybe_io;
use revolut_webhooks::nonblocking::{Client, ClientBuilder, FailedEventsStream as Events};
use revolut_webhooks::{FailedEvent, FailedEventsQuery, Result};

#[path = "faults/server.rs"]
mod server;

#[path = "faults/cases.rs"]
mod cases;

fn walk_failed_events(
    client: &Client,
    id: uuid::Uuid,
    query: &FailedEventsQuery,
) -> Result<Events> {
    client.webhooks().failed_events_all(id, query)
}

async fn next_event(events: &mut Events) -> Option<Result<FailedEvent>> {
    events.try_next().await.transpose()
}

macro_rules! tests {
    ($($name:ident),* $(,)?) => {
        $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { cases::$name().await } )*
    };
}

tests!(
    connection_refused_is_a_connect_error_and_creates_nothing,
    a_reset_mid_body_is_retried_for_reads,
    a_reset_mid_body_after_a_create_is_not_retried,
    a_connection_closed_without_an_answer,
    a_stalled_response_times_out_on_every_attempt,
    a_stalled_create_times_out_once,
    a_dribbling_response_times_out,
    truncated_json_is_an_io_error_and_retried,
    complete_invalid_json_is_a_decode_error_not_retried,
    an_html_502_is_an_api_error_with_a_snippet_and_retried,
    a_5mb_garbage_body_trips_the_configured_limit,
    the_default_limit_is_16_mib,
    rate_limits_and_unavailability_with_retry_after_are_waited_for,
    rate_limits_and_unavailability_without_retry_after_back_off,
    endless_429_returns_the_last_error_with_its_attempts,
    a_retry_after_above_the_cap_returns_at_once,
    a_500_after_the_create_is_not_retried,
    a_429_before_the_create_is_retried_and_creates_once,
    updates_and_deletes_are_retried_with_the_same_request,
    draining_failed_events_holds_one_page_at_a_time,
    soak_5000_calls_with_20_percent_faults,
    a_create_after_the_server_closed_an_idle_connection_is_sent_fresh,
    a_retry_after_date_is_honoured_or_returned,
    the_rate_limiter_keeps_a_job_under_the_servers_limit,
    the_total_budget_stops_retrying,
);
