//! The client against the emulator, in async mode (see `cases.rs`).

use futures_util::TryStreamExt;
use maybe_async::must_be_async as maybe_io;
use revolut_webhooks::nonblocking::Client;
use revolut_webhooks::{FailedEvent, FailedEventsQuery, Result};

#[macro_use]
#[path = "cases.rs"]
mod cases;

async fn collect_all(
    client: &Client,
    id: revolut_webhooks::WebhookId,
    query: &FailedEventsQuery,
) -> Result<Vec<FailedEvent>, revolut_webhooks::pagination::WalkError> {
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

all_cases!(tests);
