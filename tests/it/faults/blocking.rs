//! The fault-injection suite in blocking mode (see `cases.rs`).

use maybe_async::must_be_sync as maybe_io;
use revolut_webhooks::blocking::{Client, ClientBuilder, FailedEvents as Events, TokenProvider};
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

fn next_event(
    events: &mut Events,
) -> Option<std::result::Result<FailedEvent, revolut_webhooks::pagination::WalkError>> {
    events.next()
}

fn pause(wait: std::time::Duration) {
    std::thread::sleep(wait);
}

/// Runs `f(0)`, …, `f(n - 1)` on their own threads, and returns what each returned.
fn each_concurrently<T: Send>(n: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    std::thread::scope(|scope| {
        let f = &f;
        let handles: Vec<_> = (0..n).map(|i| scope.spawn(move || f(i))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

macro_rules! tests {
    ($($name:ident),* $(,)?) => { $( #[test] fn $name() { cases::$name() } )* };
}

all_cases!(tests);
