//! Failures: API errors, transport errors, tokens rejected, retries and the rate limiter.

#[allow(unused_imports)]
use super::*;

#[maybe_io]
pub(crate) async fn api_errors_carry_status_code_and_message() {
    let server = MockServer::start();
    let cases: [(u16, &str, i64); 4] = [
        (
            400,
            r#"{"message":"url or events must be provided","code":3000}"#,
            codes::VALIDATION,
        ),
        (
            404,
            r#"{"message":"Webhook not found","code":3040}"#,
            codes::WEBHOOK_NOT_FOUND,
        ),
        (
            422,
            r#"{"message":"Owner [ownerId=a3e64c3f-eedd-4487-9ab3-246e23c9ec3e,ownerType=BUSINESS] already has 10 webhooks. Only 10 are allowed.","code":3352}"#,
            codes::TOO_MANY_WEBHOOKS,
        ),
        (
            500,
            r#"{"error_id":"7f96652e-7518-4229-872b-4e4c867fb4da","code":5000,"message":"An unexpected error occurred while processing your request."}"#,
            5000,
        ),
    ];
    for (status, body, code) in cases {
        let mut mock = server.mock(|when, then| {
            when.method(GET).path(format!("{WEBHOOKS}/{ID}"));
            then.status(status).body(body);
        });
        let e = api_error(client(&server).webhooks().get(id()).await);
        assert_eq!(e.status, status);
        assert_eq!(e.code, Some(code));
        let expected: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(e.message, expected["message"].as_str().unwrap());
        assert_eq!(e.is_not_found(), status == 404);
        if status == 500 {
            assert_eq!(
                e.error_id.as_deref(),
                Some("7f96652e-7518-4229-872b-4e4c867fb4da")
            );
        }
        mock.delete();
    }
}

#[maybe_io]
pub(crate) async fn unauthorized_is_reported_without_the_token() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET).path(WEBHOOKS);
        then.status(401).body(
            r#"{"error_id":"69bb3be2-24b7-afe7-8c69-c9f26aa37a69","code":1000,"message":"Access token is invalid or has expired."}"#,
        );
    });
    let result = client(&server).webhooks().list().await;
    let shown = format!("{result:?} {}", result.as_ref().unwrap_err());
    assert!(!shown.contains(TOKEN), "{shown}");
    let e = api_error(result);
    assert!(e.is_token_expired());
    assert_eq!(
        e.error_id.as_deref(),
        Some("69bb3be2-24b7-afe7-8c69-c9f26aa37a69")
    );
}

#[maybe_io]
pub(crate) async fn rate_limit_carries_retry_after() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(GET).path(WEBHOOKS);
        then.status(429).header("retry-after", "3600").body(
            r#"{"error_id":"06153eec-c5cd-4db8-8898-7ae96b9d89ab","code":3162,"message":"Request rate limit has been reached. Try again later."}"#,
        );
    });
    let err = client(&server).webhooks().list().await.unwrap_err();
    assert!(err.is_rate_limited());
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    assert_eq!(api_error(Err::<(), _>(err)).code, Some(codes::RATE_LIMITED));
    assert!(mock.calls() >= 1);
}

#[maybe_io]
pub(crate) async fn html_bad_gateway_gives_a_snippet() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET).path(WEBHOOKS);
        then.status(502)
            .header("content-type", "text/html")
            .body("<html><head><title>502 Bad Gateway</title></head>\n<body><center>nginx</center></body></html>");
    });
    let e = api_error(client(&server).webhooks().list().await);
    assert_eq!(e.status, 502);
    assert_eq!(e.code, None);
    assert!(e.message.contains("Bad Gateway"), "{}", e.message);
    assert!(
        e.body_snippet
            .as_deref()
            .unwrap()
            .starts_with("<html><head><title>502 Bad Gateway")
    );
}

#[maybe_io]
pub(crate) async fn malformed_success_body_is_a_decode_error() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET).path(WEBHOOKS);
        then.status(200)
            .body(r#"[{"id":"c6db947e-e9ce-41c2-b445-02e6eb741d21","url":"#);
    });
    match client(&server).webhooks().list().await {
        Err(Error::Decode(e)) => {
            assert_eq!(e.status, 200);
            assert_eq!(e.path, WEBHOOKS);
        }
        other => panic!("{other:?}"),
    }
}

#[maybe_io]
pub(crate) async fn connection_refused_is_a_connect_error() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = Client::builder()
        .environment(Environment::custom(&format!("http://127.0.0.1:{port}")).unwrap())
        .token_provider(StaticToken::new(TOKEN))
        .retry_policy(fast_retries())
        .build()
        .unwrap();
    match client.webhooks().list().await {
        Err(Error::Transport(e)) => {
            assert_eq!(e.kind, TransportErrorKind::Connect, "{e}");
            assert_eq!(e.attempts, 3);
            assert_eq!(e.path, WEBHOOKS);
            assert!(!e.to_string().contains(TOKEN));
        }
        other => panic!("{other:?}"),
    }
}

#[maybe_io]
pub(crate) async fn a_slow_server_times_out() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET).path(WEBHOOKS);
        then.status(200).body("[]").delay(Duration::from_secs(3));
    });
    let client = Client::builder()
        .environment(environment(&server))
        .token_provider(StaticToken::new(TOKEN))
        .timeout(Duration::from_millis(300))
        .retry_policy(fast_retries())
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = client.webhooks().list().await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(err.attempts(), 3);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[maybe_io]
pub(crate) async fn oversized_bodies_are_refused() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET).path(WEBHOOKS);
        then.status(200).body(format!("[{}]", " ".repeat(5000)));
    });
    let client = Client::builder()
        .environment(environment(&server))
        .token_provider(StaticToken::new(TOKEN))
        .max_response_bytes(1024)
        .build()
        .unwrap();
    match client.webhooks().list().await {
        Err(Error::Transport(e)) => assert_eq!(e.kind, TransportErrorKind::BodyTooLarge, "{e}"),
        other => panic!("{other:?}"),
    }
}

#[maybe_io]
pub(crate) async fn expired_token_is_replaced_and_the_request_replayed_once() {
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
    let provider = Arc::new(Rotating::default());
    let client = Client::builder()
        .environment(environment(&server))
        .token_provider(provider.clone())
        .build()
        .unwrap();
    let hooks = client.webhooks().list().await.unwrap();
    assert!(hooks.is_empty());
    old.assert_calls(1);
    new.assert_calls(1);
    assert_eq!(provider.invalidations.load(Ordering::SeqCst), 1);
}

#[maybe_io]
pub(crate) async fn a_second_401_is_returned_not_retried_again() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(GET).path(WEBHOOKS);
        then.status(401).body(EXPIRED);
    });
    let provider = Arc::new(Rotating::default());
    let client = Client::builder()
        .environment(environment(&server))
        .token_provider(provider.clone())
        .build()
        .unwrap();
    let err = client.webhooks().list().await.unwrap_err();
    assert!(api_error(Err::<(), _>(err)).is_token_expired());
    mock.assert_calls(2);
    assert_eq!(provider.invalidations.load(Ordering::SeqCst), 1);
}

#[maybe_io]
pub(crate) async fn a_static_token_is_not_replayed_after_401() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(GET).path(WEBHOOKS);
        then.status(401).body(EXPIRED);
    });
    let err = client(&server).webhooks().list().await.unwrap_err();
    assert_eq!(err.attempts(), 1);
    mock.assert_calls(1);
}

#[maybe_io]
pub(crate) async fn retry_after_within_the_cap_is_waited_for_then_retried() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(GET).path(WEBHOOKS);
        then.status(503).header("retry-after", "0").body(
            r#"{"error_id":"201768bc-c5cd-4db8-8898-7ae96b9d89ab","code":5003,"message":"The service is temporarily unavailable."}"#,
        );
    });
    let err = client(&server).webhooks().list().await.unwrap_err();
    assert_eq!(err.attempts(), 3);
    assert_eq!(err.retry_after(), Some(Duration::ZERO));
    mock.assert_calls(3);
}

#[maybe_io]
pub(crate) async fn create_is_never_retried_after_a_500() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(POST).path(WEBHOOKS);
        then.status(500)
            .body(r#"{"code":5000,"message":"An unexpected error occurred"}"#);
    });
    let err = client(&server)
        .webhooks()
        .create(&CreateWebhook::new("https://www.example.com").unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.attempts(), 1);
    mock.assert_calls(1);
}

#[maybe_io]
pub(crate) async fn rotate_is_retried_on_429_since_nothing_happened() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(POST)
            .path(format!("{WEBHOOKS}/{ID}/rotate-signing-secret"));
        then.status(429)
            .body(r#"{"code":3162,"message":"Request rate limit has been reached."}"#);
    });
    let err = client(&server)
        .webhooks()
        .rotate_signing_secret(id(), None)
        .await
        .unwrap_err();
    assert!(err.is_rate_limited());
    assert_eq!(err.attempts(), 3);
    mock.assert_calls(3);
}

#[maybe_io]
pub(crate) async fn retries_can_be_turned_off() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(GET).path(WEBHOOKS);
        then.status(502).body("<html>bad gateway</html>");
    });
    let client = Client::builder()
        .environment(environment(&server))
        .token_provider(StaticToken::new(TOKEN))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let err = client.webhooks().list().await.unwrap_err();
    assert_eq!(err.attempts(), 1);
    mock.assert_calls(1);
}

#[maybe_io]
pub(crate) async fn the_rate_limiter_spaces_requests_out() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(GET).path(WEBHOOKS);
        then.status(200).body("[]");
    });
    let limiter = RateLimiter::new(2, Duration::from_millis(300));
    let client = Client::builder()
        .environment(environment(&server))
        .token_provider(StaticToken::new(TOKEN))
        .rate_limiter(limiter.clone())
        .build()
        .unwrap();
    let clone = client.clone();
    let started = std::time::Instant::now();
    client.webhooks().list().await.unwrap();
    clone.webhooks().list().await.unwrap();
    let third = client.webhooks().list().await;
    third.unwrap();
    // The third request waited for the first to leave the 300 ms window.
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
    mock.assert_calls(3);
}
