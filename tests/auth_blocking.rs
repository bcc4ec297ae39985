//! The refreshing token provider's integration tests in blocking mode (see `auth/cases.rs`).
#![cfg(feature = "blocking")]

use std::sync::Barrier;

use maybe_async::must_be_sync as maybe_io;
use revolut_webhooks::blocking::{
    Client, RefreshingTokenProvider, TokenProvider, exchange_authorization_code,
};
use revolut_webhooks::{AccessToken, Result};

#[path = "auth/cases.rs"]
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

tests!(
    a_refresh_posts_the_exact_form_body,
    refreshes_ahead_of_expiry_by_the_injected_clock,
    sixty_four_concurrent_callers_at_expiry_make_one_refresh,
    a_failed_refresh_reaches_every_waiter_and_the_next_call_retries,
    a_401_code_1000_refreshes_once_and_replays_once,
    a_second_401_is_returned_with_advice,
    invalidate_drops_only_the_rejected_token,
    the_authorization_code_is_exchanged_for_a_token_set,
    an_unreachable_token_endpoint_is_a_transient_auth_error,
    the_provider_and_its_errors_never_print_secrets,
);

#[test]
fn provider_is_send_sync_clone() {
    fn check<T: Send + Sync + Clone + 'static>() {}
    check::<RefreshingTokenProvider>();
}
