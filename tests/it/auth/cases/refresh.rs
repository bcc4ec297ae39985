//! The refreshing provider: its request, when it refreshes, single flight, invalidation, environments.

#[allow(unused_imports)]
use super::*;

#[maybe_io]
pub(crate) async fn a_refresh_posts_the_exact_form_body() {
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
pub(crate) async fn refreshes_ahead_of_expiry_by_the_injected_clock() {
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
pub(crate) async fn sixty_four_concurrent_callers_at_expiry_make_one_refresh() {
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
pub(crate) async fn a_failed_refresh_reaches_every_waiter_and_the_next_call_retries() {
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
pub(crate) async fn a_401_code_1000_refreshes_once_and_replays_once() {
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
pub(crate) async fn a_second_401_is_returned_with_advice() {
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
pub(crate) async fn invalidate_drops_only_the_rejected_token() {
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
pub(crate) async fn the_authorization_code_is_exchanged_for_a_token_set() {
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

/// `ClientBuilder::refreshing`: the provider is built with the client's environment,
/// so its token request goes to the same host as the API calls.
#[maybe_io]
pub(crate) async fn a_client_builds_its_refreshing_provider_in_its_own_environment() {
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
pub(crate) async fn a_provider_in_another_environment_than_its_client_is_refused() {
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
