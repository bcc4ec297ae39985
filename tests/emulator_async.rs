//! The client against the emulator, in async mode (see `emulator/cases.rs`).
#![cfg(all(feature = "emulator", feature = "async"))]

use futures_util::TryStreamExt;
use maybe_async::must_be_async as maybe_io;
use revolut_webhooks::nonblocking::Client;
use revolut_webhooks::{FailedEvent, FailedEventsQuery, Result};

#[path = "emulator/cases.rs"]
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
    ($($name:ident),* $(,)?) => {
        $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { cases::$name().await } )*
    };
}

tests!(
    crud_round_trip_shows_secrets_only_where_documented,
    create_without_events_subscribes_to_the_two_transaction_types,
    an_eleventh_webhook_is_refused_with_3352,
    unknown_ids_are_404_with_3040_on_every_endpoint,
    a_rotation_with_expiry_keeps_the_old_secret_until_then,
    at_most_three_signing_keys_are_active,
    an_immediate_rotation_invalidates_the_old_secret,
    failed_events_are_newest_first_paged_and_bounded,
    the_server_enforces_the_21_day_window_on_its_own_clock,
    access_tokens_expire_after_40_minutes_on_the_emulator_clock,
    unknown_tokens_are_refused_with_401_code_1000,
);
