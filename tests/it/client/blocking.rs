//! The client's integration tests in blocking mode (see `cases.rs`).

use maybe_async::must_be_sync as maybe_io;
use revolut_webhooks::blocking::{Client, TokenProvider};
use revolut_webhooks::{FailedEvent, FailedEventsQuery, Result};

#[macro_use]
#[path = "cases.rs"]
mod cases;

fn collect_all(
    client: &Client,
    id: revolut_webhooks::WebhookId,
    query: &FailedEventsQuery,
) -> Result<Vec<FailedEvent>, revolut_webhooks::pagination::WalkError> {
    client.webhooks().failed_events_all(id, query)?.collect()
}

macro_rules! tests {
    (plain: $($plain:ident),* ; io: $($io:ident),* $(,)?) => {
        $( #[test] fn $plain() { cases::$plain() } )*
        $( #[test] fn $io() { cases::$io() } )*
    };
}

all_cases!(tests);
