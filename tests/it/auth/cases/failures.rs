//! Token endpoint failures and their retries, attempt counts, and secrets kept out of errors.

#[allow(unused_imports)]
use super::*;

#[maybe_io]
pub(crate) async fn an_unreachable_token_endpoint_is_a_transient_auth_error() {
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
pub(crate) async fn the_provider_and_its_errors_never_print_secrets() {
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

#[maybe_io]
pub(crate) async fn a_503_or_429_from_the_token_endpoint_is_retried_and_counted() {
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
pub(crate) async fn a_500_during_a_refresh_is_retried_but_not_during_a_code_exchange() {
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
pub(crate) async fn a_refused_token_endpoint_is_retried_and_counted() {
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
pub(crate) async fn api_attempts_and_token_attempts_add_up() {
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

#[maybe_io]
pub(crate) async fn an_api_that_echoes_the_request_puts_no_secret_in_an_error() {
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
pub(crate) async fn a_token_endpoint_that_echoes_the_form_puts_no_secret_in_an_error() {
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
