//! The refreshing token provider's integration tests in async mode (see `auth/cases.rs`).
#![cfg(feature = "async")]

use maybe_async::must_be_async as maybe_io;
use revolut_webhooks::nonblocking::{
    Client, RefreshingTokenProvider, TokenProvider, exchange_authorization_code,
};
use revolut_webhooks::{AccessToken, Result};

#[macro_use]
#[path = "auth/cases.rs"]
mod cases;

/// `n` futures ask for a token at once, joined on one task.
async fn concurrently(provider: &RefreshingTokenProvider, n: usize) -> Vec<Result<AccessToken>> {
    futures_util::future::join_all((0..n).map(|_| provider.access_token())).await
}

macro_rules! tests {
    ($($name:ident),* $(,)?) => {
        $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { cases::$name().await } )*
    };
}

all_cases!(tests);

/// Spawned tasks on several threads share one refresh too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spawned_tasks_share_one_refresh() {
    use httpmock::prelude::*;
    use revolut_webhooks::auth::{ClientAssertion, RefreshToken};
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(POST).path("/api/1.0/auth/token");
        then.status(200)
            .delay(std::time::Duration::from_millis(200))
            .body(r#"{"access_token":"t","token_type":"bearer","expires_in":2400}"#);
    });
    let provider = RefreshingTokenProvider::builder(
        RefreshToken::new("rt"),
        ClientAssertion::presigned("a.b.c"),
    )
    .environment(revolut_webhooks::Environment::custom(&server.base_url()).unwrap())
    .build()
    .unwrap();
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let provider = provider.clone();
            tokio::spawn(async move { provider.access_token().await })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap().expose_secret(), "t");
    }
    mock.assert_calls(1);
}

/// The provider's futures can cross threads.
#[allow(dead_code)]
fn futures_are_send(provider: RefreshingTokenProvider) {
    fn send<T: Send>(_: T) {}
    send(provider.access_token());
    send(provider.refresh());
}
