// The tracing tests, written once and compiled per mode (`blocking.rs`
// under `must_be_sync`, `nonblocking.rs` under `must_be_async`). Each runs one
// path of the client or the verifier under the capturing subscriber, checks the
// spans and fields it expects, and checks that no token, secret, id, URL or body
// text was recorded by anyone.

use std::time::Duration;

use httpmock::prelude::*;
use revolut_webhooks::auth::{AccessToken, StaticToken};
use revolut_webhooks::auth::{ClientAssertion, RefreshToken, TokenSet};
use revolut_webhooks::signature::Verifier;
use revolut_webhooks::signature::{sign_delivery, timestamp_ms};
use revolut_webhooks::{
    CreateWebhook, Environment, Error, EventType, FailedEventsQuery, ManualClock, RateLimiter,
    RetryPolicy, SigningSecret, WebhookId,
};
use time::OffsetDateTime;
use time::macros::datetime;

use super::capture::{Record, Recorded, Session};
use super::{Client, RefreshingTokenProvider, collect_all, maybe_io};

/// Calls `$m!` with every case's name, so each mode's test file lists them once, here.
macro_rules! all_cases {
    ($m:ident) => {
        $m!(
            plain: verification_outcomes_are_events_without_the_body_or_secret;
            io: calls_trace_method_template_status_code_and_error_id,
                retries_trace_each_attempt_and_wait,
                a_rate_limiter_past_the_budget_is_traced,
                a_401_refresh_and_replay_are_traced_without_tokens,
                a_shared_store_and_budget_are_traced_without_tokens,
                a_failed_refresh_is_traced_without_the_server_text,
                a_failed_events_walk_traces_each_page,
        );
    };
}

const WEBHOOKS: &str = "/api/2.0/webhooks";
const TOKEN_PATH: &str = "/api/1.0/auth/token";
const ID: &str = "c6db947e-e9ce-41c2-b445-02e6eb741d21";
const ACCESS: &str = "oa_sand_access-SECRET-one";
const NEW_ACCESS: &str = "oa_sand_access-SECRET-two";
const REFRESH: &str = "oa_sand_refresh-SECRET";
const JWT: &str =
    "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJjbGllbnQtaWQifQ.c2lnbmF0dXJlLXNlY3JldA";
const SIGNING: &str = "wsk_SECRETsigningSECRETsigning01";
const HOOK_URL: &str = "https://receiver.example/hooks/private-path";
const EXPIRED: &str = r#"{"error_id":"69bb3be2-24b7-afe7-8c69-c9f26aa37a69","code":1000,"message":"Access token is invalid or has expired."}"#;
const START: OffsetDateTime = datetime!(2026-11-25 12:00 UTC);

/// What no record may ever hold, on any path.
const NEVER: &[&str] = &[
    ACCESS,
    NEW_ACCESS,
    REFRESH,
    JWT,
    SIGNING,
    HOOK_URL,
    ID,
    "Bearer",
    "authorization",
];

fn environment(server: &MockServer) -> Environment {
    Environment::custom(&server.base_url()).unwrap()
}

fn id() -> WebhookId {
    ID.parse().unwrap()
}

fn client(server: &MockServer, retry: RetryPolicy) -> Client {
    Client::builder()
        .environment(environment(server))
        .token_provider(StaticToken::new(ACCESS))
        .retry_policy(retry)
        .build()
        .unwrap()
}

fn token_body(access: &str) -> String {
    format!(
        r#"{{"access_token":"{access}","refresh_token":"{REFRESH}","token_type":"bearer","expires_in":2400}}"#
    )
}

fn field<'a>(record: &'a Record, name: &str) -> &'a str {
    record
        .field(name)
        .unwrap_or_else(|| panic!("no `{name}` in {record:?}"))
}

fn only<'a>(records: Vec<&'a Record>, what: &str) -> &'a Record {
    assert_eq!(records.len(), 1, "expected one {what}: {records:?}");
    records[0]
}

fn assert_timed(span: &Record) {
    field(span, "duration_ms").parse::<u64>().unwrap();
}

fn recorded_free(session: &Session, extra: &[&str]) -> Recorded {
    let recorded = session.records();
    recorded.assert_free_of(NEVER);
    recorded.assert_free_of(extra);
    recorded
}

pub(super) fn verification_outcomes_are_events_without_the_body_or_secret() {
    let session = Session::start();
    let secret = SigningSecret::from(SIGNING);
    let clock = ManualClock::new(START);
    let verifier = Verifier::new(secret.clone())
        .unwrap()
        .with_clock(std::sync::Arc::new(clock.clone()));
    let body = br#"{"event":"TransactionCreated","timestamp":"2023-05-09T16:36:38.028960Z","data":{"id":"BODY-MARKER"}}"#;
    let ts = timestamp_ms(START);
    let signature = sign_delivery(&secret, ts, body);
    let not_json = b"BODY-MARKER is not json";
    let not_json_signature = sign_delivery(&secret, ts, not_json);

    verifier.verify(body, &ts.to_string(), &signature).unwrap();
    verifier
        .verify(b"{\"BODY-MARKER\":1}", &ts.to_string(), &signature)
        .unwrap_err();
    // The signature verifies; the event does not parse: one event for each.
    verifier
        .verify(not_json, &ts.to_string(), &not_json_signature)
        .unwrap()
        .event()
        .unwrap_err();
    clock.advance(time::Duration::hours(1));
    verifier
        .verify(body, &ts.to_string(), &signature)
        .unwrap_err();
    clock.set(START);
    verifier.verify(body, "", &signature).unwrap_err();

    let recorded = recorded_free(
        &session,
        &[
            "BODY-MARKER",
            &signature,
            &not_json_signature,
            &signature[3..],
        ],
    );
    let events = recorded.events_with("webhook delivery verification");
    let outcomes: Vec<_> = events
        .iter()
        .map(|e| {
            (
                field(e, "outcome"),
                e.field("reason").unwrap_or("-"),
                e.field("status").unwrap_or("-"),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            ("verified", "-", "-"),
            ("rejected", "no_match", "401"),
            ("verified", "-", "-"),
            ("rejected", "invalid_event", "400"),
            ("rejected", "timestamp_too_old", "401"),
            ("rejected", "missing_timestamp_header", "400"),
        ],
        "one event per verification, and one for an event that does not parse: {events:?}"
    );
}

#[maybe_io]
pub(super) async fn calls_trace_method_template_status_code_and_error_id() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET).path(WEBHOOKS);
        then.status(200).body(format!(
            r#"[{{"id":"{ID}","url":"{HOOK_URL}","events":["TransactionCreated"]}}]"#
        ));
    });
    server.mock(|when, then| {
        when.method(GET).path(format!("{WEBHOOKS}/{ID}"));
        then.status(404).body(format!(
            r#"{{"code":3040,"message":"Webhook {ID} not found for {ACCESS}","error_id":"err-3040-abc"}}"#
        ));
    });
    server.mock(|when, then| {
        when.method(POST).path(WEBHOOKS);
        then.status(200).body(format!(
            r#"{{"id":"{ID}","url":"{HOOK_URL}","events":["TransactionCreated"],"signing_secret":"{SIGNING}"}}"#
        ));
    });
    let client = client(&server, RetryPolicy::none());
    let session = Session::start();
    client.webhooks().list().await.unwrap();
    let missing = client.webhooks().get(id()).await.unwrap_err();
    assert!(missing.is_not_found());
    let create = CreateWebhook::new(HOOK_URL)
        .unwrap()
        .with_events([EventType::TransactionCreated])
        .unwrap();
    client.webhooks().create(&create).await.unwrap();

    let recorded = recorded_free(&session, &["not found for", "Webhook c6db"]);
    let calls = recorded.spans("api_call");
    assert_eq!(calls.len(), 3, "{calls:?}");
    let fields = |span: &Record| {
        [
            "method", "path", "status", "code", "error_id", "attempts", "error",
        ]
        .map(|name| span.field(name).unwrap_or("-").to_owned())
    };
    assert_eq!(
        fields(calls[0]),
        ["GET", "/webhooks", "200", "-", "-", "1", "-"]
    );
    assert_eq!(
        fields(calls[1]),
        [
            "GET",
            "/webhooks/{id}",
            "404",
            "3040",
            "err-3040-abc",
            "1",
            "api"
        ]
    );
    assert_eq!(
        fields(calls[2]),
        ["POST", "/webhooks", "200", "-", "-", "1", "-"]
    );
    calls.iter().for_each(|span| assert_timed(span));
}

#[maybe_io]
pub(super) async fn retries_trace_each_attempt_and_wait() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET).path(WEBHOOKS);
        then.status(503).body(format!(
            r#"{{"code":9000,"message":"down, {ACCESS}","error_id":"e-503"}}"#
        ));
    });
    let retry = RetryPolicy::default()
        .with_max_retries(2)
        .with_base_delay(Duration::from_millis(1))
        .with_max_delay(Duration::from_millis(2));
    let client = client(&server, retry);
    let session = Session::start();
    let error = client.webhooks().list().await.unwrap_err();
    assert_eq!(error.attempts(), 3);

    let recorded = recorded_free(&session, &["down,"]);
    let call = only(recorded.spans("api_call"), "api_call span");
    assert_eq!(field(call, "attempts"), "3");
    assert_eq!(field(call, "status"), "503");
    assert_eq!(field(call, "error_id"), "e-503");
    assert_timed(call);
    let failed = recorded.events_with("attempt failed");
    let numbers: Vec<_> = failed.iter().map(|e| field(e, "attempt")).collect();
    assert_eq!(numbers, ["1", "2", "3"]);
    assert!(
        failed.iter().all(|e| e.parent == Some(call.id)),
        "{failed:?}"
    );
    let waits = recorded.events_with("retrying after a wait");
    assert_eq!(waits.len(), 2, "{waits:?}");
    for wait in waits {
        assert!(field(wait, "wait_ms").parse::<u64>().unwrap() <= 2);
        assert_eq!(wait.parent, Some(call.id));
    }
}

#[maybe_io]
pub(super) async fn a_rate_limiter_past_the_budget_is_traced() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET).path(WEBHOOKS);
        then.status(200).body("[]");
    });
    // One request an hour: the second call's slot lies far past its budget.
    let client = Client::builder()
        .environment(environment(&server))
        .token_provider(StaticToken::new(ACCESS))
        .rate_limiter(RateLimiter::new(1, Duration::from_secs(3600)))
        .build()
        .unwrap();
    let session = Session::start();
    client.webhooks().list().await.unwrap();
    let error = client.webhooks().list().await.unwrap_err();
    assert!(
        matches!(error, Error::RateLimitedLocally { .. }),
        "{error:?}"
    );

    let recorded = recorded_free(&session, &[]);
    let calls = recorded.spans("api_call");
    assert_eq!(calls.len(), 2);
    assert_eq!(field(calls[1], "error"), "rate_limited_locally");
    let wait = only(
        recorded.events_with("past the call's budget"),
        "rate limiter event",
    );
    assert!(field(wait, "wait_ms").parse::<u64>().unwrap() > 60_000);
    assert_eq!(wait.parent, Some(calls[1].id));
}

#[maybe_io]
pub(super) async fn a_401_refresh_and_replay_are_traced_without_tokens() {
    let server = MockServer::start();
    let old = server.mock(|when, then| {
        when.method(GET)
            .path(WEBHOOKS)
            .header("authorization", format!("Bearer {ACCESS}"));
        then.status(401).body(EXPIRED);
    });
    let new = server.mock(|when, then| {
        when.method(GET)
            .path(WEBHOOKS)
            .header("authorization", format!("Bearer {NEW_ACCESS}"));
        then.status(200).body("[]");
    });
    let tokens = server.mock(|when, then| {
        when.method(POST).path(TOKEN_PATH);
        then.status(200)
            .header("content-type", "application/json")
            .body(token_body(NEW_ACCESS));
    });
    let clock = ManualClock::new(START);
    let stored = TokenSet::new(
        AccessToken::new(ACCESS),
        RefreshToken::new(REFRESH),
        START + time::Duration::minutes(40),
    );
    let provider = RefreshingTokenProvider::builder(
        RefreshToken::new(REFRESH),
        ClientAssertion::presigned(JWT),
    )
    .environment(environment(&server))
    .clock(clock.clone())
    .tokens(stored)
    .build()
    .unwrap();
    let client = Client::builder()
        .environment(environment(&server))
        .token_provider(provider)
        .build()
        .unwrap();
    let session = Session::start();
    client.webhooks().list().await.unwrap();
    old.assert_calls(1);
    new.assert_calls(1);
    tokens.assert_calls(1);

    let recorded = recorded_free(&session, &["Access token is invalid", "refresh_token="]);
    let call = only(recorded.spans("api_call"), "api_call span");
    assert_eq!(field(call, "status"), "200");
    assert_eq!(field(call, "attempts"), "2");
    let rejected = only(
        recorded.events_with("token rejected"),
        "token rejected event",
    );
    assert_eq!(rejected.parent, Some(call.id));
    let refresh = only(recorded.spans("token_refresh"), "token_refresh span");
    assert_eq!(field(refresh, "outcome"), "ok");
    assert_eq!(field(refresh, "status"), "200");
    assert_eq!(field(refresh, "attempts"), "1");
    assert_timed(refresh);
    // In the call that needed the token, even where the refresh runs as its own task.
    assert_eq!(refresh.parent, Some(call.id));
}

/// The same 401, refresh and replay through a shared file store and budget: the
/// store's reads and writes add no token to any record.
#[maybe_io]
pub(super) async fn a_shared_store_and_budget_are_traced_without_tokens() {
    use revolut_webhooks::shared_state::SharedState;
    let server = MockServer::start();
    let old = server.mock(|when, then| {
        when.method(GET)
            .path(WEBHOOKS)
            .header("authorization", format!("Bearer {ACCESS}"));
        then.status(401).body(EXPIRED);
    });
    let new = server.mock(|when, then| {
        when.method(GET)
            .path(WEBHOOKS)
            .header("authorization", format!("Bearer {NEW_ACCESS}"));
        then.status(200).body("[]");
    });
    let tokens = server.mock(|when, then| {
        when.method(POST).path(TOKEN_PATH);
        then.status(200)
            .header("content-type", "application/json")
            .body(token_body(NEW_ACCESS));
    });
    let dir = std::env::temp_dir().join(format!(
        "rw-tracing-shared-{}-{}",
        std::process::id(),
        std::time::SystemTime::UNIX_EPOCH
            .elapsed()
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let store = SharedState::file(dir.join("state.json")).unwrap();
    let stored = TokenSet::new(
        AccessToken::new(ACCESS),
        RefreshToken::new(REFRESH),
        OffsetDateTime::now_utc() + time::Duration::minutes(40),
    );
    let client = Client::builder()
        .environment(environment(&server))
        .refreshing(
            RefreshingTokenProvider::builder(
                RefreshToken::new(REFRESH),
                ClientAssertion::presigned(JWT),
            )
            .tokens(stored),
        )
        .shared_state(store)
        .build()
        .unwrap();
    let session = Session::start();
    client.webhooks().list().await.unwrap();
    old.assert_calls(1);
    new.assert_calls(1);
    tokens.assert_calls(1);
    let recorded = recorded_free(&session, &["Access token is invalid", "refresh_token="]);
    let refresh = only(recorded.spans("token_refresh"), "token_refresh span");
    assert_eq!(field(refresh, "outcome"), "ok");
    let _ = std::fs::remove_dir_all(&dir);
}

#[maybe_io]
pub(super) async fn a_failed_refresh_is_traced_without_the_server_text() {
    let server = MockServer::start();
    let api = server.mock(|when, then| {
        when.method(GET).path(WEBHOOKS);
        then.status(200).body("[]");
    });
    server.mock(|when, then| {
        when.method(POST).path(TOKEN_PATH);
        then.status(400).body(format!(
            r#"{{"error":"invalid_grant","error_description":"Refresh token {REFRESH} was revoked"}}"#
        ));
    });
    let provider = RefreshingTokenProvider::builder(
        RefreshToken::new(REFRESH),
        ClientAssertion::presigned(JWT),
    )
    .environment(environment(&server))
    .clock(ManualClock::new(START))
    .build()
    .unwrap();
    let client = Client::builder()
        .environment(environment(&server))
        .token_provider(provider)
        .build()
        .unwrap();
    let session = Session::start();
    let error = client.webhooks().list().await.unwrap_err();
    assert!(matches!(error, Error::Auth(_)), "{error:?}");
    api.assert_calls(0);

    let recorded = recorded_free(&session, &["was revoked", "invalid_grant"]);
    let refresh = only(recorded.spans("token_refresh"), "token_refresh span");
    assert_eq!(field(refresh, "outcome"), "error");
    assert_eq!(field(refresh, "error"), "InvalidRefreshToken");
    assert_eq!(field(refresh, "status"), "400");
    assert_eq!(field(refresh, "attempts"), "1");
    assert_timed(refresh);
    let call = only(recorded.spans("api_call"), "api_call span");
    assert_eq!(field(call, "error"), "auth");
    assert_eq!(field(call, "status"), "400");
    assert_eq!(refresh.parent, Some(call.id));
}

#[maybe_io]
pub(super) async fn a_failed_events_walk_traces_each_page() {
    let server = MockServer::start();
    let page = include_str!("../fixtures/failed_events.json");
    server.mock(|when, then| {
        when.method(GET)
            .path(format!("{WEBHOOKS}/{ID}/failed-events"));
        then.status(200).body(page);
    });
    let client = client(&server, RetryPolicy::none());
    let session = Session::start();
    let events = collect_all(
        &client,
        id(),
        &FailedEventsQuery::new().with_limit(5).unwrap(),
    )
    .await
    .unwrap();
    assert!(!events.is_empty());

    // Ids and URLs from the payloads never reach a trace.
    let recorded = recorded_free(
        &session,
        &[
            "d6d04ec2-2a48-4825-8fba-3603cdacdba7",
            "63d2a8bd-8b67-a2de-b1d2-b58ee21d7073",
            "www.example.com",
        ],
    );
    let pages = recorded.spans("failed_events_page");
    assert_eq!(pages.len(), 1, "{pages:?}");
    let page = pages[0];
    assert_eq!(field(page, "limit"), "5");
    assert_eq!(field(page, "received"), "2");
    assert_eq!(field(page, "events"), events.len().to_string());
    assert_eq!(field(page, "overflow"), "false");
    let call = only(recorded.spans("api_call"), "api_call span");
    assert_eq!(field(call, "path"), "/webhooks/{id}/failed-events");
    assert_eq!(call.parent, Some(page.id));
}
