//! The client's integration tests in async mode (see `cases.rs`).

use futures_util::TryStreamExt;
use maybe_async::must_be_async as maybe_io;
use revolut_webhooks::nonblocking::{Client, TokenProvider};
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
    (plain: $($plain:ident),* ; io: $($io:ident),* $(,)?) => {
        $( #[test] fn $plain() { cases::$plain() } )*
        $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $io() { cases::$io().await } )*
    };
}

all_cases!(tests);

/// Every future the async client returns can cross threads.
#[allow(dead_code)]
fn futures_are_send(client: Client, id: revolut_webhooks::WebhookId) {
    fn send<T: Send>(_: T) {}
    let hooks = client.webhooks();
    send(hooks.list());
    send(hooks.get(id));
    send(hooks.delete(id));
    send(hooks.rotate_signing_secret(id, None));
    send(hooks.failed_events(id, &FailedEventsQuery::new()));
    send(hooks.failed_events_all(id, &FailedEventsQuery::new()));
}
