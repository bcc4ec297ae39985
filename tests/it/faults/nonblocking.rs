//! The fault-injection suite in async mode (see `cases.rs`).

use futures_util::TryStreamExt;
use maybe_async::must_be_async as maybe_io;
use revolut_webhooks::nonblocking::{Client, ClientBuilder, FailedEvents as Events, TokenProvider};
use revolut_webhooks::{FailedEvent, FailedEventsQuery, Result};

use super::server;

#[macro_use]
#[path = "cases.rs"]
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

async fn pause(wait: std::time::Duration) {
    tokio::time::sleep(wait).await;
}

/// Runs `f(0)`, …, `f(n - 1)` concurrently, and returns what each returned.
async fn each_concurrently<T, F: std::future::Future<Output = T>>(
    n: usize,
    f: impl Fn(usize) -> F,
) -> Vec<T> {
    futures_util::future::join_all((0..n).map(f)).await
}

macro_rules! tests {
    ($($name:ident),* $(,)?) => {
        $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { cases::$name().await } )*
    };
}

all_cases!(tests);
