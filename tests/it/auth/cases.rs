// The refreshing token provider's integration tests, written once and compiled per
// mode (`auth_blocking.rs` under `must_be_sync`, `auth_async.rs` under
// `must_be_async`), exactly as the crate compiles its own I/O shell. Time comes from
// a `ManualClock`: nothing sleeps.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use httpmock::prelude::*;
use revolut_webhooks::auth::{AccessToken, StaticToken};
use revolut_webhooks::auth::{ClientAssertion, RefreshToken, TokenSet};
use revolut_webhooks::{AuthErrorKind, Environment, Error, ManualClock, RetryPolicy};
use time::OffsetDateTime;
use time::macros::datetime;

use super::server::{Reply, Request, Server, refused_port};
use super::{
    Client, RefreshingTokenProvider, TokenProvider, concurrently, exchange_authorization_code,
    maybe_io,
};

/// Calls `$m!` with every case's name, so each mode's test file lists them once, here.
macro_rules! all_cases {
    ($m:ident) => {
        $m!(
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
            a_503_or_429_from_the_token_endpoint_is_retried_and_counted,
            a_500_during_a_refresh_is_retried_but_not_during_a_code_exchange,
            a_refused_token_endpoint_is_retried_and_counted,
            api_attempts_and_token_attempts_add_up,
            an_api_that_echoes_the_request_puts_no_secret_in_an_error,
            a_token_endpoint_that_echoes_the_form_puts_no_secret_in_an_error,
            a_client_builds_its_refreshing_provider_in_its_own_environment,
            a_provider_in_another_environment_than_its_client_is_refused
        );
    };
}

const TOKEN_PATH: &str = "/api/1.0/auth/token";
const WEBHOOKS: &str = "/api/2.0/webhooks";
const REFRESH: &str = "oa_sand_refresh-secret-1";
const JWT: &str =
    "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJjbGllbnQtaWQifQ.c2lnbmF0dXJlLXNlY3JldA";
const FORM_BODY: &str = "grant_type=refresh_token&refresh_token=oa_sand_refresh-secret-1\
    &client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer\
    &client_assertion=eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJjbGllbnQtaWQifQ.c2lnbmF0dXJlLXNlY3JldA";
const EXPIRED: &str = r#"{"error_id":"69bb3be2-24b7-afe7-8c69-c9f26aa37a69","code":1000,"message":"Access token is invalid or has expired."}"#;
const START: OffsetDateTime = datetime!(2026-11-25 12:00 UTC);

fn environment(server: &MockServer) -> Environment {
    Environment::custom(&server.base_url()).unwrap()
}

fn token_body(access: &str) -> String {
    format!(r#"{{"access_token":"{access}","token_type":"bearer","expires_in":2400}}"#)
}

/// The token endpoint answers `access` (after `delay`).
fn token_endpoint<'a>(server: &'a MockServer, access: &str, delay: Duration) -> httpmock::Mock<'a> {
    let body = token_body(access);
    server.mock(|when, then| {
        when.method(POST).path(TOKEN_PATH);
        then.status(200)
            .header("content-type", "application/json")
            .delay(delay)
            .body(body);
    })
}

/// A provider for `server`, with no access token yet.
fn provider(server: &MockServer, clock: &ManualClock) -> RefreshingTokenProvider {
    RefreshingTokenProvider::builder(RefreshToken::new(REFRESH), ClientAssertion::presigned(JWT))
        .environment(environment(server))
        .clock(clock.clone())
        .build()
        .unwrap()
}

/// A provider that starts with `token-1`, issued at START and valid 40 minutes.
fn provider_with_token(
    server: &MockServer,
    clock: &ManualClock,
    margin: Option<Duration>,
) -> RefreshingTokenProvider {
    let stored = TokenSet::new(
        AccessToken::new("token-1"),
        RefreshToken::new(REFRESH),
        START + time::Duration::minutes(40),
    );
    let mut builder = RefreshingTokenProvider::builder(
        RefreshToken::new("replaced-by-stored"),
        ClientAssertion::presigned(JWT),
    )
    .environment(environment(server))
    .clock(clock.clone())
    .tokens(stored);
    if let Some(margin) = margin {
        builder = builder.refresh_margin(margin);
    }
    builder.build().unwrap()
}

fn auth_error(result: revolut_webhooks::Result<AccessToken>) -> revolut_webhooks::AuthError {
    match result {
        Err(Error::Auth(e)) => e,
        other => panic!("expected an auth error, got {other:?}"),
    }
}

#[maybe_io]
pub(super) async fn a_refresh_posts_the_exact_form_body() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(POST)
            .path(TOKEN_PATH)
            .header("content-type", "application/x-www-form-urlencoded")
            .header_missing("authorization")
            .body(FORM_BODY);
        then.status(200)
            .header("content-type", "application/json")
            .body(token_body("token-1"));
    });
    let clock = ManualClock::new(START);
    let stored: Arc<Mutex<Vec<TokenSet>>> = Arc::default();
    let sink = stored.clone();
    let provider = RefreshingTokenProvider::builder(
        RefreshToken::new(REFRESH),
        ClientAssertion::presigned(JWT),
    )
    .environment(environment(&server))
    .clock(clock.clone())
    .on_refresh(move |set| sink.lock().unwrap().push(set.clone()))
    .build()
    .unwrap();
    let token = provider.access_token().await.unwrap();
    assert_eq!(token.expose_secret(), "token-1");
    mock.assert_calls(1);
    // Cached: no second request.
    let again = provider.access_token().await.unwrap();
    assert_eq!(again, token);
    mock.assert_calls(1);
    // The persistence hook saw the new set, with the refresh token kept.
    let stored = stored.lock().unwrap().clone();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].access_token, token);
    assert_eq!(stored[0].refresh_token.expose_secret(), REFRESH);
    assert_eq!(stored[0].expires_at, datetime!(2026-11-25 12:40 UTC));
    assert_eq!(provider.token_set(), Some(stored[0].clone()));
}

#[maybe_io]
pub(super) async fn refreshes_ahead_of_expiry_by_the_injected_clock() {
    let server = MockServer::start();
    let mock = token_endpoint(&server, "token-2", Duration::ZERO);
    let clock = ManualClock::new(START);
    let provider = provider_with_token(&server, &clock, None);

    let token = provider.access_token().await.unwrap();
    assert_eq!(token.expose_secret(), "token-1");
    clock.set(datetime!(2026-11-25 12:38:59 UTC));
    let token = provider.access_token().await.unwrap();
    assert_eq!(token.expose_secret(), "token-1");
    mock.assert_calls(0);

    // 60 s before expiry, by default: refreshed before it ever fails.
    clock.set(datetime!(2026-11-25 12:39:00 UTC));
    let token = provider.access_token().await.unwrap();
    assert_eq!(token.expose_secret(), "token-2");
    mock.assert_calls(1);
    clock.set(datetime!(2026-11-25 13:17:59 UTC));
    let token = provider.access_token().await.unwrap();
    assert_eq!(token.expose_secret(), "token-2");
    mock.assert_calls(1);
    // The new token expires 40 minutes after 12:39, so refreshes at 13:18.
    clock.set(datetime!(2026-11-25 13:18:00 UTC));
    provider.access_token().await.unwrap();
    mock.assert_calls(2);

    // A configured margin.
    let clock = ManualClock::new(START);
    let provider = provider_with_token(&server, &clock, Some(Duration::from_secs(300)));
    clock.set(datetime!(2026-11-25 12:34:59 UTC));
    let token = provider.access_token().await.unwrap();
    assert_eq!(token.expose_secret(), "token-1");
    mock.assert_calls(2);
    clock.set(datetime!(2026-11-25 12:35:00 UTC));
    let token = provider.access_token().await.unwrap();
    assert_eq!(token.expose_secret(), "token-2");
    mock.assert_calls(3);
}

#[maybe_io]
pub(super) async fn sixty_four_concurrent_callers_at_expiry_make_one_refresh() {
    let server = MockServer::start();
    // The answer is slow enough that every caller arrives while it is in flight.
    let mock = token_endpoint(&server, "token-2", Duration::from_millis(200));
    let clock = ManualClock::new(START);
    let provider = provider_with_token(&server, &clock, None);
    clock.set(datetime!(2026-11-25 12:40 UTC));

    let results = concurrently(&provider, 64).await;
    assert_eq!(results.len(), 64);
    for result in results {
        assert_eq!(result.unwrap().expose_secret(), "token-2");
    }
    mock.assert_calls(1);
}

#[maybe_io]
pub(super) async fn a_failed_refresh_reaches_every_waiter_and_the_next_call_retries() {
    let server = MockServer::start();
    let mut failing = server.mock(|when, then| {
        when.method(POST).path(TOKEN_PATH);
        then.status(400)
            .header("content-type", "application/json")
            .delay(Duration::from_millis(200))
            .body(
                r#"{"error":"invalid_grant","error_description":"The refresh token is invalid"}"#,
            );
    });
    let clock = ManualClock::new(START);
    let provider = provider(&server, &clock);

    let results = concurrently(&provider, 16).await;
    assert_eq!(results.len(), 16);
    for result in results {
        let e = auth_error(result);
        assert_eq!(e.kind, AuthErrorKind::InvalidRefreshToken);
        assert_eq!(e.status, Some(400));
        assert_eq!(e.code.as_deref(), Some("invalid_grant"));
        assert_eq!(
            e.server_message.as_deref(),
            Some("The refresh token is invalid")
        );
        assert!(e.to_string().contains("first-time setup"), "{e}");
    }
    failing.assert_calls(1);

    // Not cached: the next caller tries again.
    failing.delete();
    let ok = token_endpoint(&server, "token-2", Duration::ZERO);
    let token = provider.access_token().await.unwrap();
    assert_eq!(token.expose_secret(), "token-2");
    ok.assert_calls(1);
}

#[maybe_io]
pub(super) async fn a_401_code_1000_refreshes_once_and_replays_once() {
    let server = MockServer::start();
    let old = server.mock(|when, then| {
        when.method(GET)
            .path(WEBHOOKS)
            .header("authorization", "Bearer token-1");
        then.status(401).body(EXPIRED);
    });
    let new = server.mock(|when, then| {
        when.method(GET)
            .path(WEBHOOKS)
            .header("authorization", "Bearer token-2");
        then.status(200).body("[]");
    });
    let tokens = token_endpoint(&server, "token-2", Duration::ZERO);
    let clock = ManualClock::new(START);
    let provider = provider_with_token(&server, &clock, None);
    let client = Client::builder()
        .environment(environment(&server))
        .token_provider(provider.clone())
        .build()
        .unwrap();
    let hooks = client.webhooks().list().await.unwrap();
    assert!(hooks.is_empty());
    old.assert_calls(1);
    tokens.assert_calls(1);
    new.assert_calls(1);
    // The replacement is cached for the next request.
    client.webhooks().list().await.unwrap();
    tokens.assert_calls(1);
    new.assert_calls(2);
}

#[maybe_io]
pub(super) async fn a_second_401_is_returned_with_advice() {
    let server = MockServer::start();
    let api = server.mock(|when, then| {
        when.method(GET).path(WEBHOOKS);
        then.status(401).body(EXPIRED);
    });
    let tokens = token_endpoint(&server, "token-2", Duration::ZERO);
    let clock = ManualClock::new(START);
    let provider = provider_with_token(&server, &clock, None);
    let client = Client::builder()
        .environment(environment(&server))
        .token_provider(provider)
        .build()
        .unwrap();
    let err = client.webhooks().list().await.unwrap_err();
    api.assert_calls(2);
    tokens.assert_calls(1);
    let shown = err.to_string();
    match err {
        Error::Api(e) => assert!(e.is_token_expired()),
        other => panic!("expected an API error, got {other:?}"),
    }
    assert!(
        shown.contains("the access token is invalid or has expired"),
        "{shown}"
    );
    assert!(shown.contains("revoked"), "{shown}");
    assert!(
        !shown.contains("token-2") && !shown.contains(REFRESH),
        "{shown}"
    );
}

#[maybe_io]
pub(super) async fn invalidate_drops_only_the_rejected_token() {
    let server = MockServer::start();
    let mock = token_endpoint(&server, "token-2", Duration::ZERO);
    let clock = ManualClock::new(START);
    let provider = provider_with_token(&server, &clock, None);
    // Another token was rejected: the cached one stays.
    assert!(provider.invalidate(&AccessToken::new("token-0")));
    let token = provider.access_token().await.unwrap();
    assert_eq!(token.expose_secret(), "token-1");
    mock.assert_calls(0);
    assert!(provider.invalidate(&token));
    let token = provider.access_token().await.unwrap();
    assert_eq!(token.expose_secret(), "token-2");
    mock.assert_calls(1);
    // A late report about token-1 does not throw token-2 away.
    assert!(provider.invalidate(&AccessToken::new("token-1")));
    let token = provider.access_token().await.unwrap();
    assert_eq!(token.expose_secret(), "token-2");
    mock.assert_calls(1);
}

#[maybe_io]
pub(super) async fn the_authorization_code_is_exchanged_for_a_token_set() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(POST)
            .path(TOKEN_PATH)
            .header("content-type", "application/x-www-form-urlencoded")
            .header_missing("authorization")
            .body(format!(
                "grant_type=authorization_code&code=oa_sand_code-1\
                 &client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer\
                 &client_assertion={JWT}"
            ));
        then.status(200).body(
            r#"{"access_token":"oa_sand_access-1","token_type":"bearer","expires_in":2399,"refresh_token":"oa_sand_refresh-2"}"#,
        );
    });
    let before = OffsetDateTime::now_utc();
    let set = exchange_authorization_code(
        &environment(&server),
        "oa_sand_code-1",
        &ClientAssertion::presigned(JWT),
    )
    .await
    .unwrap();
    mock.assert_calls(1);
    assert_eq!(set.access_token.expose_secret(), "oa_sand_access-1");
    assert_eq!(set.refresh_token.expose_secret(), "oa_sand_refresh-2");
    let after = OffsetDateTime::now_utc();
    let lifetime = time::Duration::seconds(2399);
    assert!(
        set.expires_at >= before + lifetime && set.expires_at <= after + lifetime,
        "{}",
        set.expires_at
    );

    // A stale code gets advice.
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(POST).path(TOKEN_PATH);
        then.status(400)
            .body(r#"{"error":"invalid_grant","error_description":"Invalid code"}"#);
    });
    let err = exchange_authorization_code(
        &environment(&server),
        "oa_sand_code-1",
        &ClientAssertion::presigned(JWT),
    )
    .await
    .unwrap_err();
    match &err {
        Error::Auth(e) => assert_eq!(e.kind, AuthErrorKind::InvalidAuthorizationCode),
        other => panic!("expected an auth error, got {other:?}"),
    }
    assert!(err.to_string().contains("2 minutes"), "{err}");
}

#[maybe_io]
pub(super) async fn an_unreachable_token_endpoint_is_a_transient_auth_error() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let provider = RefreshingTokenProvider::builder(
        RefreshToken::new(REFRESH),
        ClientAssertion::presigned(JWT),
    )
    .environment(Environment::custom(&format!("http://127.0.0.1:{port}")).unwrap())
    .retry_policy(fast_retries())
    .build()
    .unwrap();
    let e = auth_error(provider.access_token().await);
    assert_eq!(e.kind, AuthErrorKind::Unavailable);
    assert!(e.is_transient());
    assert!(std::error::Error::source(&e).is_some());
    assert!(!format!("{e} {e:?}").contains(REFRESH));
}

#[maybe_io]
pub(super) async fn the_provider_and_its_errors_never_print_secrets() {
    let server = MockServer::start();
    // A server that echoes what it got must not make the error print it.
    server.mock(|when, then| {
        when.method(POST).path(TOKEN_PATH);
        then.status(401).body(format!(
            r#"{{"error":"unauthorized_client","error_description":"bad assertion {JWT} for {REFRESH}"}}"#
        ));
    });
    let clock = ManualClock::new(START);
    let builder = RefreshingTokenProvider::builder(
        RefreshToken::new(REFRESH),
        ClientAssertion::presigned(JWT),
    )
    .environment(environment(&server))
    .clock(clock.clone())
    .tokens(TokenSet::new(
        AccessToken::new("token-1-secret"),
        RefreshToken::new(REFRESH),
        START + time::Duration::minutes(40),
    ));
    let mut shown = format!("{builder:?} {builder:#?}");
    let provider = builder.build().unwrap();
    shown += &format!("{provider:?} {provider:#?}");
    clock.set(datetime!(2026-11-25 13:00 UTC));
    let result = provider.access_token().await;
    shown += &format!("{result:?}");
    let err = result.unwrap_err();
    shown += &format!("{err} {err:?} {err:#?}");
    match &err {
        Error::Auth(e) => {
            assert_eq!(e.kind, AuthErrorKind::InvalidAssertion);
            shown += &format!("{e} {e:?} {}", e.server_message.as_deref().unwrap());
        }
        other => panic!("expected an auth error, got {other:?}"),
    }
    for secret in [REFRESH, JWT, "token-1-secret", "c2lnbmF0dXJlLXNlY3JldA"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
}

/// The default policy with millisecond backoffs.
fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .with_base_delay(Duration::from_millis(1))
        .with_max_delay(Duration::from_millis(5))
}

fn token_reply(access: &str) -> Reply {
    Reply::json(token_body(access))
}

fn unavailable(status: u16) -> Reply {
    Reply::status(status, r#"{"error":"temporarily_unavailable"}"#).header("retry-after", "0")
}

/// A provider with no access token yet, for a fault server.
fn provider_at(url: &str, refresh: &str, policy: Option<RetryPolicy>) -> RefreshingTokenProvider {
    let mut builder = RefreshingTokenProvider::builder(
        RefreshToken::new(refresh),
        ClientAssertion::presigned(JWT),
    )
    .environment(Environment::custom(url).unwrap())
    .timeout(Duration::from_secs(5));
    if let Some(policy) = policy {
        builder = builder.retry_policy(policy);
    }
    builder.build().unwrap()
}

fn token_requests(server: &Server) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.path == TOKEN_PATH)
        .count()
}

#[maybe_io]
pub(super) async fn a_503_or_429_from_the_token_endpoint_is_retried_and_counted() {
    // Under the default policy: each answer says Retry-After: 0, so nothing waits.
    let server = Server::scripted([unavailable(503), unavailable(429), token_reply("token-2")]);
    let provider = provider_at(&server.url(), REFRESH, None);
    let token = provider.access_token().await.unwrap();
    assert_eq!(token.expose_secret(), "token-2");
    assert_eq!(token_requests(&server), 3);
    // Every attempt sent the same request.
    for request in server.requests() {
        assert_eq!(request.body_str(), FORM_BODY);
    }

    // Still unavailable after the retries: the error says how many were made.
    let server = Server::scripted([unavailable(503), unavailable(503), unavailable(503)]);
    let provider = provider_at(&server.url(), REFRESH, Some(fast_retries()));
    let err = provider.access_token().await.unwrap_err();
    assert_eq!(err.attempts(), 3, "{err}");
    assert!(err.to_string().ends_with("[after 3 attempts]"), "{err}");
    let e = auth_error(Err(err));
    assert_eq!(
        (e.kind, e.status, e.attempts),
        (AuthErrorKind::Unavailable, Some(503), 3)
    );
    assert_eq!(token_requests(&server), 3);

    // A Retry-After above the cap is not waited for: returned at once, with the wait.
    let server = Server::scripted([Reply::status(429, "{}").header("retry-after", "3600")]);
    let provider = provider_at(&server.url(), REFRESH, Some(fast_retries()));
    let err = provider.access_token().await.unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    assert_eq!(err.attempts(), 1);
    assert_eq!(token_requests(&server), 1);
}

#[maybe_io]
pub(super) async fn a_500_during_a_refresh_is_retried_but_not_during_a_code_exchange() {
    // A refresh can be sent twice without harm: a 500 or a reset is retried.
    let server = Server::scripted([
        Reply::status(500, "{}"),
        Reply::Reset {
            declared: 100,
            sent: b"{".to_vec(),
        },
        token_reply("token-2"),
    ]);
    let provider = provider_at(&server.url(), REFRESH, Some(fast_retries()));
    let token = provider.access_token().await.unwrap();
    assert_eq!(token.expose_secret(), "token-2");
    assert_eq!(token_requests(&server), 3);

    // A code works once: after a 500 it may be used up, so it is not sent again.
    let server = Server::scripted([Reply::status(500, "{}"), token_reply("token-2")]);
    let env = Environment::custom(&server.url()).unwrap();
    let err = exchange_authorization_code(&env, "oa_sand_code-1", &ClientAssertion::presigned(JWT))
        .await
        .unwrap_err();
    assert_eq!(err.attempts(), 1, "{err}");
    assert_eq!(token_requests(&server), 1);
    // A 503 with Retry-After says it was not processed: retried.
    let body = r#"{"access_token":"a","token_type":"bearer","expires_in":60,"refresh_token":"r2"}"#;
    let server = Server::scripted([unavailable(503), Reply::json(body)]);
    let env = Environment::custom(&server.url()).unwrap();
    let set = exchange_authorization_code(&env, "oa_sand_code-1", &ClientAssertion::presigned(JWT))
        .await
        .unwrap();
    assert_eq!(set.refresh_token.expose_secret(), "r2");
    assert_eq!(token_requests(&server), 2);
}

#[maybe_io]
pub(super) async fn a_refused_token_endpoint_is_retried_and_counted() {
    let url = format!("http://127.0.0.1:{}", refused_port());
    let provider = provider_at(&url, REFRESH, Some(fast_retries()));
    let err = provider.access_token().await.unwrap_err();
    assert_eq!(err.attempts(), 3, "{err}");
    let e = auth_error(Err(err));
    assert_eq!(e.kind, AuthErrorKind::Unavailable);
    assert!(std::error::Error::source(&e).is_some());
    // Retries off: one attempt.
    let provider = provider_at(&url, REFRESH, Some(RetryPolicy::none()));
    let err = provider.access_token().await.unwrap_err();
    assert_eq!(err.attempts(), 1);
}

#[maybe_io]
pub(super) async fn api_attempts_and_token_attempts_add_up() {
    // The API refuses the stored token; the refresh then meets three 503s.
    let server = Server::start(|request: &Request| {
        if request.path == TOKEN_PATH {
            unavailable(503)
        } else {
            Reply::status(401, EXPIRED)
        }
    });
    let clock = ManualClock::new(START);
    let provider = RefreshingTokenProvider::builder(
        RefreshToken::new(REFRESH),
        ClientAssertion::presigned(JWT),
    )
    .environment(Environment::custom(&server.url()).unwrap())
    .clock(clock.clone())
    .retry_policy(fast_retries())
    .tokens(TokenSet::new(
        AccessToken::new("token-1"),
        RefreshToken::new(REFRESH),
        START + time::Duration::minutes(40),
    ))
    .build()
    .unwrap();
    let client = Client::builder()
        .environment(Environment::custom(&server.url()).unwrap())
        .token_provider(provider)
        .build()
        .unwrap();
    let err = client.webhooks().list().await.unwrap_err();
    assert!(matches!(err, Error::Auth(_)), "{err:?}");
    // One API request and three token requests.
    assert_eq!(server.request_count(), 4);
    assert_eq!(err.attempts(), 4, "{err}");
}

/// Everything an error shows: `Display`, `Debug`, `{:#?}`, and each cause's too.
fn everything_shown(error: &Error) -> String {
    let mut shown = format!("{error}\n{error:?}\n{error:#?}");
    let mut cause = std::error::Error::source(error);
    while let Some(c) = cause {
        shown += &format!("\n{c}\n{c:?}");
        cause = c.source();
    }
    shown
}

fn assert_no_secret(shown: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
}

#[maybe_io]
pub(super) async fn an_api_that_echoes_the_request_puts_no_secret_in_an_error() {
    // A token with no recognisable shape: only knowing it was sent can remove it.
    const TOKEN: &str = "plain-access-SECRET-4242";
    const SIGNING: &str = "wsk_SIGNINGSECRETvalue01";
    // A server, or a proxy, that quotes the request back in every way it can.
    let server = Server::start(|request: &Request| {
        let auth = request.header("authorization").unwrap_or("").to_owned();
        let bare = auth.trim_start_matches("Bearer ").to_owned();
        let id = "c6db947e-e9ce-41c2-b445-02e6eb741d21";
        let case = request.path.rsplit('-').next().unwrap_or("");
        match case.trim_start_matches('0') {
            "1" => Reply::status(
                400,
                format!(
                    r#"{{"code":3000,"message":"bad header: {auth} ({bare})","error_id":"{bare}"}}"#
                ),
            ),
            "2" => Reply::html(
                403,
                &format!(
                    "<html><pre>Authorization: {auth}\nx-token: {bare}\nkey {SIGNING}</pre></html>"
                ),
            ),
            "3" => Reply::html(
                403,
                // The token straddles the snippet's 200-character cut.
                &format!("{}{bare}", "x".repeat(190)),
            ),
            "4" => Reply::json(format!(
                r#"{{"id":"{id}","url":"https://example.com","events":"{bare} {SIGNING}","signing_secret":"{SIGNING}"}}"#
            )),
            _ => Reply::json(format!(
                r#"{{"id":"{bare}","url":"https://example.com","events":[]}}"#
            )),
        }
    });
    let client = Client::builder()
        .environment(Environment::custom(&server.url()).unwrap())
        .token_provider(StaticToken::new(TOKEN))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let mut shown = String::new();
    for n in 1..=5u128 {
        let id = revolut_webhooks::WebhookId::from(uuid::Uuid::from_u128(n));
        let err = client.webhooks().get(id).await.unwrap_err();
        shown += &everything_shown(&err);
        shown += "\n";
    }
    // Each kind of error came back, with what is useful kept.
    assert!(
        shown.contains("HTTP 400, code 3000: bad header: Bearer <redacted>"),
        "{shown}"
    );
    assert!(
        shown.contains("(body starts: \"<html><pre>Authorization: Bearer <redacted>"),
        "{shown}"
    );
    assert!(
        shown.contains("invalid type: string, expected a sequence"),
        "{shown}"
    );
    assert!(
        shown.contains("could not decode the 200 response"),
        "{shown}"
    );
    assert_no_secret(
        &shown,
        &[TOKEN, "SECRET-4242", "SIGNINGSECRET", "plain-acc"],
    );
}

#[maybe_io]
pub(super) async fn a_token_endpoint_that_echoes_the_form_puts_no_secret_in_an_error() {
    // A refresh token with characters the form encodes: the echo carries the encoded form.
    const ODD_REFRESH: &str = "rt/ODD+refresh=SECRET";
    let server = Server::start(|request: &Request| {
        let form = request.body_str().to_owned();
        let auth = request.header("authorization").unwrap_or("none").to_owned();
        Reply::status(
            401,
            format!(
                r#"{{"error":"invalid_client {form}","error_description":"refused {form} with {auth}","message":"{form}"}}"#
            ),
        )
    });
    let provider = provider_at(&server.url(), ODD_REFRESH, Some(RetryPolicy::none()));
    let err = provider.access_token().await.unwrap_err();
    let shown = everything_shown(&err);
    let e = auth_error(Err(err));
    assert_eq!(e.kind, AuthErrorKind::InvalidAssertion);
    // The server's words are kept, the secrets in them are not.
    assert!(
        shown.contains("refused grant_type=refresh_token&refresh_token=<redacted>"),
        "{shown}"
    );
    assert_no_secret(
        &shown,
        &[
            ODD_REFRESH,
            "rt%2FODD%2Brefresh%3DSECRET",
            "SECRET",
            JWT,
            "c2lnbmF0dXJlLXNlY3JldA",
        ],
    );
}

/// `ClientBuilder::refreshing`: the provider is built with the client's environment,
/// so its token request goes to the same host as the API calls.
#[maybe_io]
pub(super) async fn a_client_builds_its_refreshing_provider_in_its_own_environment() {
    let server = MockServer::start();
    let tokens = token_endpoint(&server, "oa_sand_from-client", Duration::ZERO);
    let list = server.mock(|when, then| {
        when.method(GET)
            .path(WEBHOOKS)
            .header("authorization", "Bearer oa_sand_from-client");
        then.status(200).body("[]");
    });
    let client = Client::builder()
        .environment(environment(&server))
        .refreshing(RefreshingTokenProvider::builder(
            RefreshToken::new(REFRESH),
            ClientAssertion::presigned(JWT),
        ))
        .build()
        .unwrap();
    let first = client.webhooks().list().await.unwrap();
    let second = client.webhooks().list().await.unwrap();
    assert!(first.is_empty() && second.is_empty());
    tokens.assert_calls(1);
    list.assert_calls(2);
}

/// A provider set to another environment than its client's is refused at build,
/// before anything is sent, instead of failing later with a 401.
#[maybe_io]
pub(super) async fn a_provider_in_another_environment_than_its_client_is_refused() {
    let server = MockServer::start();
    let any = server.mock(|_, then| {
        then.status(500);
    });
    let result = Client::builder()
        .environment(environment(&server))
        .refreshing(
            RefreshingTokenProvider::builder(
                RefreshToken::new(REFRESH),
                ClientAssertion::presigned(JWT),
            )
            .environment(Environment::Sandbox),
        )
        .build();
    match result {
        Err(Error::Validation(e)) => {
            assert_eq!(e.field, "environment");
            assert!(e.reason.contains("sandbox"), "{e}");
            assert!(
                e.reason.contains("leave the provider's environment unset"),
                "{e}"
            );
        }
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("a Sandbox provider for a local client was accepted"),
    }
    // The same environment, set twice, is fine.
    let same = Client::builder()
        .environment(environment(&server))
        .refreshing(
            RefreshingTokenProvider::builder(
                RefreshToken::new(REFRESH),
                ClientAssertion::presigned(JWT),
            )
            .environment(environment(&server)),
        )
        .build();
    assert!(same.is_ok());
    any.assert_calls(0);
}
