// The shared-state cases, written once and compiled per mode (`blocking.rs` under
// `must_be_sync`, `nonblocking.rs` under `must_be_async`) and run per engine: each
// "process" is a provider or client with its own handle on the store, against a
// strict server where a refresh invalidates every older access token.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use revolut_webhooks::auth::{AccessToken, ClientAssertion, RefreshToken, StaticToken};
use revolut_webhooks::shared_state::SharedState;
use revolut_webhooks::{Environment, Error, RateLimiter, RetryPolicy};

use super::super::Place;
use super::super::strict;
use super::{Client, RefreshingTokenProvider, TokenProvider, maybe_io};

/// Calls `$m!` with every case's name, so each mode's test file lists them once, here.
macro_rules! all_cases {
    ($m:ident) => {
        $m!(
            processes_share_one_refresh_and_read_each_others_token,
            a_token_another_process_replaced_is_read_not_refreshed,
            a_401_for_the_stored_token_refreshes_once_for_every_process,
            the_shared_budget_holds_across_processes_and_sends_nothing_over_it,
            a_token_taken_before_a_rate_wait_is_asked_again,
            a_failing_token_endpoint_releases_the_lock_and_says_so_without_secrets
        );
    };
}

const REFRESH: &str = "oa_sand_refresh-secret-1";
const JWT: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjbGllbnQtaWQifQ.c2lnbmF0dXJlLXNlY3JldA";

fn provider(url: &str, store: SharedState) -> RefreshingTokenProvider {
    RefreshingTokenProvider::builder(RefreshToken::new(REFRESH), ClientAssertion::presigned(JWT))
        .environment(Environment::custom(url).unwrap())
        .shared_state(store)
        .build()
        .unwrap()
}

fn client(url: &str, provider: RefreshingTokenProvider) -> Client {
    Client::builder()
        .environment(Environment::custom(url).unwrap())
        .token_provider(provider)
        .build()
        .unwrap()
}

#[maybe_io]
pub(super) async fn processes_share_one_refresh_and_read_each_others_token(place: &Place) {
    let (server, counts) = strict::start(2400);
    let a = provider(&server.url(), place.open());
    let b = provider(&server.url(), place.open());
    let (ta, tb) = (
        a.access_token().await.unwrap(),
        b.access_token().await.unwrap(),
    );
    assert_eq!(
        (ta.expose_secret(), tb.expose_secret()),
        ("token-1", "token-1")
    );
    assert_eq!(counts.refreshes(), 1);
    for p in [a, b] {
        client(&server.url(), p).webhooks().list().await.unwrap();
    }
    assert_eq!(
        (counts.refreshes(), counts.unauthorized(), counts.served()),
        (1, 0, 2)
    );
    let stored = place.open().token_set().unwrap().unwrap();
    assert_eq!(stored.access_token.expose_secret(), "token-1");
    assert_eq!(stored.refresh_token.expose_secret(), REFRESH);
}

#[maybe_io]
pub(super) async fn a_token_another_process_replaced_is_read_not_refreshed(place: &Place) {
    let (server, counts) = strict::start(2400);
    let a = provider(&server.url(), place.open());
    let b = provider(&server.url(), place.open());
    let old = b.access_token().await.unwrap();
    // A refreshes (its token is due, say): token-1 stops working.
    let refreshed = a.refresh().await.unwrap();
    assert_eq!(refreshed.access_token.expose_secret(), "token-2");
    // B sent token-1 and got a 401: it reads the store, where token-2 waits.
    assert!(b.invalidate(&old));
    let read = b.access_token().await.unwrap();
    assert_eq!(read.expose_secret(), "token-2");
    assert_eq!(counts.refreshes(), 2);
    // And through a client: B never sends the replaced token.
    client(&server.url(), b).webhooks().list().await.unwrap();
    assert_eq!(
        (counts.refreshes(), counts.unauthorized(), counts.served()),
        (2, 0, 1)
    );
}

#[maybe_io]
pub(super) async fn a_401_for_the_stored_token_refreshes_once_for_every_process(place: &Place) {
    let (server, counts) = strict::start(2400);
    let a = provider(&server.url(), place.open());
    let b = provider(&server.url(), place.open());
    let a_client = client(&server.url(), a.clone());
    a_client.webhooks().list().await.unwrap();
    // The server revokes token-1 (as someone's refresh elsewhere would).
    counts.set_valid("revoked-elsewhere");
    let b_client = client(&server.url(), b);
    b_client.webhooks().list().await.unwrap();
    assert_eq!((counts.refreshes(), counts.unauthorized()), (2, 1));
    // A reads what B stored: no 401, no refresh.
    a_client.webhooks().list().await.unwrap();
    assert_eq!(
        (counts.refreshes(), counts.unauthorized(), counts.served()),
        (2, 1, 3)
    );
    assert_eq!(
        a.token_set().unwrap().access_token.expose_secret(),
        "token-2"
    );
}

#[maybe_io]
pub(super) async fn the_shared_budget_holds_across_processes_and_sends_nothing_over_it(
    place: &Place,
) {
    let (server, counts) = strict::start(2400);
    counts.set_valid("static");
    let limited = |store: SharedState| {
        Client::builder()
            .environment(Environment::custom(&server.url()).unwrap())
            .token_provider(StaticToken::new("static"))
            .rate_limiter(RateLimiter::new(2, Duration::from_secs(60)))
            .retry_policy(RetryPolicy::default().with_total_budget(Duration::from_millis(500)))
            .shared_state(store)
            .build()
            .unwrap()
    };
    let a = limited(place.open());
    let b = limited(place.open());
    a.webhooks().list().await.unwrap();
    b.webhooks().list().await.unwrap();
    for c in [&a, &b] {
        match c.webhooks().list().await {
            Err(Error::RateLimitedLocally { retry_in }) => {
                assert!(retry_in > Duration::from_secs(50), "{retry_in:?}");
            }
            other => panic!("expected RateLimitedLocally, got {other:?}"),
        }
    }
    assert_eq!(counts.served(), 2);
    assert_eq!(server.request_count(), 2);
}

/// A provider that hands out `token-1`, `token-2`, … one per call.
#[derive(Default)]
struct Counting(AtomicUsize);

#[maybe_io]
impl TokenProvider for Counting {
    async fn access_token(&self) -> revolut_webhooks::Result<AccessToken> {
        let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        Ok(AccessToken::new(format!("token-{n}")))
    }
}

#[maybe_io]
pub(super) async fn a_token_taken_before_a_rate_wait_is_asked_again(place: &Place) {
    let (server, counts) = strict::start(2400);
    let tokens = Arc::new(Counting::default());
    let client = Client::builder()
        .environment(Environment::custom(&server.url()).unwrap())
        .token_provider(tokens.clone())
        .rate_limiter(RateLimiter::new(1, Duration::from_millis(150)))
        .shared_state(place.open())
        .build()
        .unwrap();
    counts.set_valid("token-1");
    client.webhooks().list().await.unwrap();
    // The next call takes token-2, waits for the slot, and must ask again: by then
    // only token-3 is valid.
    counts.set_valid("token-3");
    client.webhooks().list().await.unwrap();
    assert_eq!(tokens.0.load(Ordering::SeqCst), 3);
    assert_eq!((counts.served(), counts.unauthorized()), (2, 0));
}

#[maybe_io]
pub(super) async fn a_failing_token_endpoint_releases_the_lock_and_says_so_without_secrets(
    place: &Place,
) {
    use crate::faults::server::{Reply, Server};
    let server = Server::with_default(Reply::status(
        400,
        r#"{"error":"invalid_grant","error_description":"bad oa_sand_refresh-secret-1"}"#,
    ));
    let a = provider(
        &server.url(),
        place.open().with_lock_timeout(Duration::from_secs(5)),
    );
    let b = provider(
        &server.url(),
        place.open().with_lock_timeout(Duration::from_secs(5)),
    );
    for p in [&a, &b] {
        let error = p.access_token().await.unwrap_err();
        let shown = format!("{error} {error:?}");
        assert!(
            !shown.contains(REFRESH) && !shown.contains("c2lnbmF0dXJl"),
            "{shown}"
        );
    }
    // Each tried once: the lock was released after each failure.
    assert_eq!(server.request_count(), 2);
    assert!(place.open().token_set().unwrap().is_none());
}

/// Cases run once per mode (no store involved).
macro_rules! mode_cases {
    ($m:ident) => {
        $m!(
            sandbox_simulations_are_refused_for_production_and_never_retried,
            sandbox_simulations_send_the_documented_requests
        );
    };
}

#[maybe_io]
pub(super) async fn sandbox_simulations_are_refused_for_production_and_never_retried() {
    use crate::faults::server::{Reply, Server};
    use revolut_webhooks::request::{SandboxAction, SandboxTopup};
    let production = Client::builder()
        .token_provider(StaticToken::new("static"))
        .build()
        .unwrap();
    let topup = SandboxTopup::new(uuid::Uuid::nil(), 10.0, "GBP").unwrap();
    match production.sandbox().topup(&topup).await {
        Err(Error::Validation(e)) => assert!(e.to_string().contains("production"), "{e}"),
        other => panic!("{other:?}"),
    }
    let refused = production
        .sandbox()
        .transaction(uuid::Uuid::nil(), SandboxAction::Complete)
        .await;
    assert!(matches!(refused, Err(Error::Validation(_))));

    // A 500 might have been processed: no second attempt, and the error says so.
    let server = Server::with_default(Reply::status(500, r#"{"code":5000,"message":"oops"}"#));
    let sandbox = Client::builder()
        .environment(Environment::custom(&server.url()).unwrap())
        .token_provider(StaticToken::new("static"))
        .build()
        .unwrap();
    let error = sandbox.sandbox().topup(&topup).await.unwrap_err();
    assert!(
        error.to_string().contains("simulation may have happened"),
        "{error}"
    );
    let error = sandbox
        .sandbox()
        .transaction(uuid::Uuid::nil(), SandboxAction::Fail)
        .await
        .unwrap_err();
    assert!(error.is_ambiguous(), "{error}");
    assert_eq!(server.request_count(), 2);
}

#[maybe_io]
pub(super) async fn sandbox_simulations_send_the_documented_requests() {
    use crate::faults::server::{Reply, Server};
    use revolut_webhooks::request::{SandboxAction, SandboxTopup};
    let answer = r#"{"id":"330953b8-b089-4cfd-9f03-e88173d64248","state":"completed","created_at":"2023-01-23T08:39:35.811005Z"}"#;
    let server = Server::with_default(Reply::json(answer));
    let client = Client::builder()
        .environment(Environment::custom(&server.url()).unwrap())
        .token_provider(StaticToken::new("static"))
        .build()
        .unwrap();
    let topup = SandboxTopup::new(uuid::Uuid::nil(), 10.0, "GBP").unwrap();
    let done = client.sandbox().topup(&topup).await.unwrap();
    assert_eq!(done.state, "completed");
    let id: uuid::Uuid = "330953b8-b089-4cfd-9f03-e88173d64248".parse().unwrap();
    client
        .sandbox()
        .transaction(id, SandboxAction::Revert)
        .await
        .unwrap();
    let requests = server.requests();
    assert_eq!(requests[0].path, "/api/1.0/sandbox/topup");
    assert!(
        requests[0].body_str().contains(r#""amount":10.0"#),
        "{}",
        requests[0].body_str()
    );
    assert_eq!(
        requests[1].path,
        format!("/api/1.0/sandbox/transactions/{id}/revert")
    );
    assert_eq!(requests[1].method, "POST");
}
