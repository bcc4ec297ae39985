//! The refreshing token provider's integration tests in blocking mode (see `cases.rs`).

use std::sync::Barrier;

use maybe_async::must_be_sync as maybe_io;
use revolut_webhooks::Result;
use revolut_webhooks::auth::AccessToken;
use revolut_webhooks::blocking::{
    Client, RefreshingTokenProvider, TokenProvider, exchange_authorization_code,
};

use crate::faults::server;

#[macro_use]
#[path = "cases.rs"]
mod cases;

/// `n` threads ask for a token at the same moment.
fn concurrently(provider: &RefreshingTokenProvider, n: usize) -> Vec<Result<AccessToken>> {
    let start = Barrier::new(n);
    std::thread::scope(|scope| {
        let callers: Vec<_> = (0..n)
            .map(|_| {
                scope.spawn(|| {
                    start.wait();
                    provider.access_token()
                })
            })
            .collect();
        callers.into_iter().map(|c| c.join().unwrap()).collect()
    })
}

macro_rules! tests {
    ($($name:ident),* $(,)?) => { $( #[test] fn $name() { cases::$name() } )* };
}

all_cases!(tests);

#[test]
fn provider_is_send_sync_clone() {
    fn check<T: Send + Sync + Clone + 'static>() {}
    check::<RefreshingTokenProvider>();
}
