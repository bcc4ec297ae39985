//! The fault-injection suite in async mode (see `faults/cases.rs`).
#![cfg(feature = "async")]

use futures_util::TryStreamExt;
use maybe_async::must_be_async as maybe_io;
use revolut_webhooks::nonblocking::{Client, ClientBuilder, FailedEvents as Events};
use revolut_webhooks::{FailedEvent, FailedEventsQuery, Result};

#[path = "faults/server.rs"]
mod server;

#[macro_use]
#[path = "faults/cases.rs"]
mod cases;

fn walk_failed_events(
    client: &Client,
    id: revolut_webhooks::WebhookId,
    query: &FailedEventsQuery,
) -> Result<Events> {
    client.webhooks().failed_events_all(id, query)
}

async fn next_event(
    events: &mut Events,
) -> Option<std::result::Result<FailedEvent, revolut_webhooks::pagination::WalkError>> {
    events.try_next().await.transpose()
}

macro_rules! tests {
    ($($name:ident),* $(,)?) => {
        $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { cases::$name().await } )*
    };
}

all_cases!(tests);
