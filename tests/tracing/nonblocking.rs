//! The tracing tests in async mode (see `cases.rs`): spans made in spawned
//! tasks (a token refresh) are captured too, the subscriber being global.

use futures_util::TryStreamExt;
use maybe_async::must_be_async as maybe_io;
use revolut_webhooks::nonblocking::{Client, RefreshingTokenProvider};
use revolut_webhooks::pagination::WalkError;
use revolut_webhooks::{FailedEvent, FailedEventsQuery, WebhookId};

use crate::capture;

#[macro_use]
#[path = "cases.rs"]
mod cases;

async fn collect_all(
    client: &Client,
    id: WebhookId,
    query: &FailedEventsQuery,
) -> Result<Vec<FailedEvent>, WalkError> {
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

/// The client's futures stay `Send` with the spans attached.
#[test]
fn futures_are_send() {
    fn send<T: Send>(_: T) {}
    let client = Client::builder()
        .token_provider(revolut_webhooks::auth::StaticToken::new("t"))
        .build()
        .unwrap();
    send(client.webhooks().list());
    send(client.webhooks().failed_events_all(
        "c6db947e-e9ce-41c2-b445-02e6eb741d21".parse().unwrap(),
        &FailedEventsQuery::new(),
    ));
}
