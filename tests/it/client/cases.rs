// The client's integration tests, written once and compiled per mode
// (`client_blocking.rs` under `must_be_sync`, `client_async.rs` under `must_be_async`),
// exactly as the crate compiles its own I/O shell.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use httpmock::prelude::*;
use revolut_webhooks::auth::{AccessToken, StaticToken};
use revolut_webhooks::codes;
use revolut_webhooks::{
    CreateWebhook, Environment, Error, EventType, FailedEventsQuery, ManualClock, RateLimiter,
    RetryPolicy, SecretExpiration, TransportErrorKind, UpdateWebhook,
};
use serde_json::json;
use time::macros::datetime;

use super::{Client, TokenProvider, collect_all, maybe_io};

/// Calls `$m!` with the names of the plain cases and of the cases that do I/O,
/// so each mode's test file lists them once, here.
macro_rules! all_cases {
    ($m:ident) => {
        $m!(
            plain: building_without_a_token_provider_fails,
            client_is_send_sync_clone;
            io: list_sends_get_with_bearer_token_and_parses,
            unknown_event_types_and_fields_never_fail_a_list,
            get_returns_the_secret_but_debug_hides_it,
            create_posts_the_exact_json_body,
            create_without_events_omits_them,
            update_patches_only_what_is_set,
            delete_accepts_204_without_body,
            rotate_always_sends_a_json_body,
            failed_events_sends_limit_and_bound_and_keeps_payloads,
            api_errors_carry_status_code_and_message,
            unauthorized_is_reported_without_the_token,
            rate_limit_carries_retry_after,
            html_bad_gateway_gives_a_snippet,
            malformed_success_body_is_a_decode_error,
            validation_errors_make_no_request,
            the_clock_decides_the_21_day_window,
            failed_events_all_loses_no_tie_across_three_pages,
            failed_events_all_stops_after_an_error,
            connection_refused_is_a_connect_error,
            a_slow_server_times_out,
            oversized_bodies_are_refused,
            expired_token_is_replaced_and_the_request_replayed_once,
            a_second_401_is_returned_not_retried_again,
            a_static_token_is_not_replayed_after_401,
            retry_after_within_the_cap_is_waited_for_then_retried,
            create_is_never_retried_after_a_500,
            rotate_is_retried_on_429_since_nothing_happened,
            retries_can_be_turned_off,
            the_rate_limiter_spaces_requests_out
        );
    };
}

const TOKEN: &str = "test-token-not-a-secret";
const ID: &str = "c6db947e-e9ce-41c2-b445-02e6eb741d21";
const WEBHOOKS: &str = "/api/2.0/webhooks";

fn id() -> revolut_webhooks::WebhookId {
    ID.parse().unwrap()
}

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn environment(server: &MockServer) -> Environment {
    Environment::custom(&server.base_url()).unwrap()
}

/// Retries as the default policy says, but with millisecond waits.
fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .with_base_delay(Duration::from_millis(1))
        .with_max_delay(Duration::from_millis(5))
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .environment(environment(server))
        .token_provider(StaticToken::new(TOKEN))
        .retry_policy(fast_retries())
        .build()
        .unwrap()
}

fn clock() -> ManualClock {
    ManualClock::new(datetime!(2026-11-25 12:00 UTC))
}

fn client_at(server: &MockServer, clock: ManualClock) -> Client {
    Client::builder()
        .environment(environment(server))
        .token_provider(StaticToken::new(TOKEN))
        .retry_policy(fast_retries())
        .clock(clock)
        .build()
        .unwrap()
}

fn api_error(result: Result<impl std::fmt::Debug, Error>) -> revolut_webhooks::ApiError {
    match result {
        Err(Error::Api(e)) => e,
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[maybe_io]
pub(super) async fn list_sends_get_with_bearer_token_and_parses() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(GET)
            .path(WEBHOOKS)
            .header("authorization", format!("Bearer {TOKEN}"))
            .header("accept", "application/json")
            .header(
                "user-agent",
                concat!("revolut-webhooks/", env!("CARGO_PKG_VERSION")),
            )
            .is_true(|req| req.body().is_empty());
        then.status(200)
            .header("content-type", "application/json")
            .body(fixture("webhooks_list.json"));
    });
    let hooks = client(&server).webhooks().list().await.unwrap();
    mock.assert();
    assert_eq!(hooks.len(), 2);
    assert_eq!(hooks[0].id, id());
    assert_eq!(hooks[0].url, "https://www.example.com");
    assert_eq!(
        hooks[0].events,
        [EventType::TransactionCreated, EventType::PayoutLinkCreated]
    );
    assert_eq!(hooks[1].events.len(), 4);
}

#[maybe_io]
pub(super) async fn unknown_event_types_and_fields_never_fail_a_list() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET).path(WEBHOOKS);
        then.status(200)
            .body(fixture("webhooks_list_unknown_event.json"));
    });
    let hooks = client(&server).webhooks().list().await.unwrap();
    assert_eq!(
        hooks[0].events,
        [
            EventType::TransactionCreated,
            EventType::Unknown("CardIssued".into())
        ]
    );
}

#[maybe_io]
pub(super) async fn get_returns_the_secret_but_debug_hides_it() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(GET)
            .path(format!("{WEBHOOKS}/{ID}"))
            .header("authorization", format!("Bearer {TOKEN}"));
        then.status(200).body(fixture("webhook_with_secret.json"));
    });
    let hook = client(&server).webhooks().get(id()).await.unwrap();
    mock.assert();
    assert_eq!(
        hook.signing_secret.expose_secret(),
        "wsk_4jETWMz1g1b37gCONjNp84t2KSSIT7dK"
    );
    assert!(!format!("{hook:?}").contains("4jETWMz1g1b37gCONjNp84t2KSSIT7dK"));
}

#[maybe_io]
pub(super) async fn create_posts_the_exact_json_body() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(POST)
            .path(WEBHOOKS)
            .header("authorization", format!("Bearer {TOKEN}"))
            .header("content-type", "application/json")
            .body(r#"{"url":"https://www.example.com","events":["TransactionCreated","PayoutLinkCreated"]}"#);
        then.status(201).body(fixture("webhook_with_secret.json"));
    });
    let created = client(&server)
        .webhooks()
        .create(
            &CreateWebhook::new("https://www.example.com")
                .unwrap()
                .with_events([EventType::TransactionCreated, EventType::PayoutLinkCreated])
                .unwrap(),
        )
        .await
        .unwrap();
    mock.assert();
    assert_eq!(created.id, id());
    assert!(created.signing_secret.expose_secret().starts_with("wsk_"));
}

#[maybe_io]
pub(super) async fn create_without_events_omits_them() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(POST)
            .path(WEBHOOKS)
            .body(r#"{"url":"https://www.example.com"}"#);
        then.status(201).body(fixture("webhook_with_secret.json"));
    });
    client(&server)
        .webhooks()
        .create(&CreateWebhook::new("https://www.example.com").unwrap())
        .await
        .unwrap();
    mock.assert();
}

#[maybe_io]
pub(super) async fn update_patches_only_what_is_set() {
    let server = MockServer::start();
    let by_events = server.mock(|when, then| {
        when.method(PATCH)
            .path(format!("{WEBHOOKS}/{ID}"))
            .header("content-type", "application/json")
            .body(r#"{"events":["TransactionCreated","PayoutLinkCreated"]}"#);
        then.status(200).body(fixture("webhook_updated.json"));
    });
    let by_url = server.mock(|when, then| {
        when.method(PATCH)
            .path(format!("{WEBHOOKS}/{ID}"))
            .body(r#"{"url":"https://www.example.com/"}"#);
        then.status(200).body(fixture("webhook_updated.json"));
    });
    let hooks = client(&server);
    let updated = hooks
        .webhooks()
        .update(
            id(),
            &UpdateWebhook::from_events([
                EventType::TransactionCreated,
                EventType::PayoutLinkCreated,
            ])
            .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(updated.id, id());
    hooks
        .webhooks()
        .update(
            id(),
            &UpdateWebhook::from_url("https://www.example.com/").unwrap(),
        )
        .await
        .unwrap();
    by_events.assert();
    by_url.assert();
}

#[maybe_io]
pub(super) async fn delete_accepts_204_without_body() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(DELETE)
            .path(format!("{WEBHOOKS}/{ID}"))
            .header("authorization", format!("Bearer {TOKEN}"));
        then.status(204);
    });
    client(&server).webhooks().delete(id()).await.unwrap();
    mock.assert();
}

#[maybe_io]
pub(super) async fn rotate_always_sends_a_json_body() {
    let server = MockServer::start();
    let bare = server.mock(|when, then| {
        when.method(POST)
            .path(format!("{WEBHOOKS}/{ID}/rotate-signing-secret"))
            .header("content-type", "application/json")
            .body("{}");
        then.status(200).body(fixture("webhook_with_secret.json"));
    });
    let with_expiry = server.mock(|when, then| {
        when.method(POST)
            .path(format!("{WEBHOOKS}/{ID}/rotate-signing-secret"))
            .body(r#"{"expiration_period":"PT5H30M"}"#);
        then.status(200).body(fixture("webhook_with_secret.json"));
    });
    let c = client(&server);
    let rotated = c
        .webhooks()
        .rotate_signing_secret(id(), None)
        .await
        .unwrap();
    assert!(rotated.signing_secret.expose_secret().starts_with("wsk_"));
    let expiry = SecretExpiration::from_hours(5)
        .unwrap()
        .checked_add_minutes(30)
        .unwrap();
    c.webhooks()
        .rotate_signing_secret(id(), Some(expiry))
        .await
        .unwrap();
    bare.assert();
    with_expiry.assert();
}

#[maybe_io]
pub(super) async fn failed_events_sends_limit_and_bound_and_keeps_payloads() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(GET)
            .path(format!("{WEBHOOKS}/{ID}/failed-events"))
            .query_param("limit", "2")
            .query_param("created_before", "2026-11-20T10:00:00.000000Z");
        then.status(200).body(fixture("failed_events.json"));
    });
    let by_date = server.mock(|when, then| {
        when.method(GET)
            .path(format!("{WEBHOOKS}/{ID}/failed-events"))
            .query_param("created_before", "2026-11-20")
            .query_param_missing("limit");
        then.status(200).body("[]");
    });
    let c = client_at(&server, clock());
    let query = FailedEventsQuery::new()
        .with_limit(2)
        .unwrap()
        .with_created_before(datetime!(2026-11-20 10:00 UTC));
    let events = c.webhooks().failed_events(id(), &query).await.unwrap();
    mock.assert();
    assert_eq!(events.len(), 2);
    assert_eq!(
        events[0].created_at,
        datetime!(2023-01-26 16:22:21.29757 UTC)
    );
    assert_eq!(
        events[1].last_sent_date,
        Some(datetime!(2023-07-22 12:52:21.534798 UTC))
    );
    // A failed event's payload is the same typed event a receiver gets.
    let replayed = events[0].event().unwrap();
    assert_eq!(replayed.event, EventType::TransactionCreated);
    match &replayed.data {
        revolut_webhooks::events::EventData::TransactionCreated(t) => assert_eq!(t.legs.len(), 1),
        other => panic!("{other:?}"),
    }
    let payload: serde_json::Value = events[1].payload_as().unwrap();
    assert_eq!(payload["event"], "PayoutLinkStateChanged");
    assert_eq!(payload["data"]["new_state"], "processed");
    assert!(
        events[0]
            .payload_json()
            .contains(r#""request_id": "6a8b2ad9-d8b9-4348-9207-1c5737ccf11b""#)
    );

    let by_day = FailedEventsQuery::new().with_created_before(time::macros::date!(2026 - 11 - 20));
    let none = c.webhooks().failed_events(id(), &by_day).await.unwrap();
    assert!(none.is_empty());
    by_date.assert();
}

#[maybe_io]
pub(super) async fn api_errors_carry_status_code_and_message() {
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
pub(super) async fn unauthorized_is_reported_without_the_token() {
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
pub(super) async fn rate_limit_carries_retry_after() {
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
pub(super) async fn html_bad_gateway_gives_a_snippet() {
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
pub(super) async fn malformed_success_body_is_a_decode_error() {
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
pub(super) async fn validation_errors_make_no_request() {
    let server = MockServer::start();
    let any = server.mock(|_, then| {
        then.status(500);
    });
    let c = client_at(&server, clock());
    let hooks = c.webhooks();
    // An empty update or event list cannot even be built (see the models' tests).
    assert!(UpdateWebhook::from_events([]).is_err());
    assert!(
        CreateWebhook::new("https://x.example")
            .unwrap()
            .with_events([])
            .is_err()
    );
    let too_old = FailedEventsQuery::new().with_created_before(datetime!(2026-11-04 11:59 UTC));
    let err = hooks.failed_events(id(), &too_old).await.unwrap_err();
    assert!(
        matches!(&err, Error::Validation(v) if v.field == "created_before"),
        "{err:?}"
    );
    assert_eq!(err.attempts(), 0);
    let walk = collect_all(&c, id(), &too_old).await;
    assert!(walk.is_err());
    assert!(CreateWebhook::new("http://x.example").is_err());
    assert!(FailedEventsQuery::new().with_limit(1001).is_err());
    assert!(SecretExpiration::from_days(8).is_err());
    assert_eq!(any.calls(), 0);
}

#[maybe_io]
pub(super) async fn the_clock_decides_the_21_day_window() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(GET)
            .path(format!("{WEBHOOKS}/{ID}/failed-events"));
        then.status(200).body("[]");
    });
    let clock = clock();
    let c = client_at(&server, clock.clone());
    let bound = FailedEventsQuery::new().with_created_before(datetime!(2026-11-10 12:00 UTC));
    c.webhooks().failed_events(id(), &bound).await.unwrap();
    clock.advance(time::Duration::days(7));
    let late = c.webhooks().failed_events(id(), &bound).await;
    assert!(late.is_err());
    mock.assert_calls(1);
}

/// Three pages of three, with events sharing the timestamp at both page boundaries:
/// a cursor that passed the last `created_at` as is would lose `D` and `F`.
#[maybe_io]
pub(super) async fn failed_events_all_loses_no_tie_across_three_pages() {
    let server = MockServer::start();
    let path = format!("{WEBHOOKS}/{ID}/failed-events");
    let ev = |n: u8, secs: u8| {
        json!({
            "id": format!("00000000-0000-0000-0000-0000000000{n:02}"),
            "created_at": format!("2026-11-20T10:00:{secs:02}.000000Z"),
            "updated_at": format!("2026-11-20T10:00:{secs:02}.000000Z"),
            "webhook_id": ID,
            "webhook_url": "https://www.example.com",
            "payload": {"event": "TransactionCreated", "timestamp": "2026-11-20T10:00:00Z", "data": {"n": n}}
        })
    };
    let (a, b, c, d, e, f) = (ev(1, 5), ev(2, 5), ev(3, 4), ev(4, 4), ev(5, 3), ev(6, 3));
    let page1 = server.mock(|when, then| {
        when.method(GET)
            .path(path.clone())
            .query_param("limit", "3")
            .query_param_missing("created_before");
        then.status(200).json_body(json!([a, b, c]));
    });
    let page2 = server.mock(|when, then| {
        when.method(GET)
            .path(path.clone())
            .query_param("limit", "3")
            .query_param("created_before", "2026-11-20T10:00:04.000001Z");
        then.status(200).json_body(json!([c, d, e]));
    });
    let page3 = server.mock(|when, then| {
        when.method(GET)
            .path(path.clone())
            .query_param("limit", "3")
            .query_param("created_before", "2026-11-20T10:00:03.000001Z");
        then.status(200).json_body(json!([e, f]));
    });
    let client = client_at(&server, clock());
    let events = collect_all(
        &client,
        id(),
        &FailedEventsQuery::new().with_limit(3).unwrap(),
    )
    .await
    .unwrap();
    let numbers: Vec<u128> = events.iter().map(|e| e.id.as_uuid().as_u128()).collect();
    assert_eq!(numbers, [1, 2, 3, 4, 5, 6]);
    page1.assert();
    page2.assert();
    page3.assert();
}

#[maybe_io]
pub(super) async fn failed_events_all_stops_after_an_error() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(GET)
            .path(format!("{WEBHOOKS}/{ID}/failed-events"));
        then.status(404)
            .body(r#"{"message":"Webhook not found","code":3040}"#);
    });
    let client = client_at(&server, clock());
    let err = collect_all(&client, id(), &FailedEventsQuery::new())
        .await
        .unwrap_err();
    assert!(err.ends_walk());
    assert!(
        matches!(&err, revolut_webhooks::pagination::WalkError::Request(e) if e.is_not_found()),
        "{err:?}"
    );
    mock.assert_calls(1);
}

#[maybe_io]
pub(super) async fn connection_refused_is_a_connect_error() {
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
pub(super) async fn a_slow_server_times_out() {
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
pub(super) async fn oversized_bodies_are_refused() {
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

/// A provider that hands out `token-1`, then `token-2` after an invalidation.
#[derive(Default)]
struct Rotating {
    generation: AtomicUsize,
    invalidations: AtomicUsize,
}

#[maybe_io]
impl TokenProvider for Rotating {
    async fn access_token(&self) -> revolut_webhooks::Result<AccessToken> {
        Ok(AccessToken::new(format!(
            "token-{}",
            self.generation.load(Ordering::SeqCst) + 1
        )))
    }

    fn invalidate(&self, rejected: &AccessToken) -> bool {
        assert!(rejected.expose_secret().starts_with("token-"));
        self.invalidations.fetch_add(1, Ordering::SeqCst);
        self.generation.fetch_add(1, Ordering::SeqCst);
        true
    }
}

const EXPIRED: &str = r#"{"error_id":"69bb3be2-24b7-afe7-8c69-c9f26aa37a69","code":1000,"message":"Access token is invalid or has expired."}"#;

#[maybe_io]
pub(super) async fn expired_token_is_replaced_and_the_request_replayed_once() {
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
pub(super) async fn a_second_401_is_returned_not_retried_again() {
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
pub(super) async fn a_static_token_is_not_replayed_after_401() {
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
pub(super) async fn retry_after_within_the_cap_is_waited_for_then_retried() {
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
pub(super) async fn create_is_never_retried_after_a_500() {
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
pub(super) async fn rotate_is_retried_on_429_since_nothing_happened() {
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
pub(super) async fn retries_can_be_turned_off() {
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
pub(super) async fn the_rate_limiter_spaces_requests_out() {
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

pub(super) fn building_without_a_token_provider_fails() {
    let err = Client::builder().build().unwrap_err();
    assert!(
        matches!(&err, Error::Validation(v) if v.field == "token_provider"),
        "{err:?}"
    );
    let err = Client::builder()
        .token_provider(StaticToken::new(TOKEN))
        .timeout(Duration::ZERO)
        .build()
        .unwrap_err();
    assert!(
        matches!(&err, Error::Validation(v) if v.field == "timeout"),
        "{err:?}"
    );
    let c = Client::builder()
        .token_provider(StaticToken::new(TOKEN))
        .build()
        .unwrap();
    assert_eq!(c.environment(), &Environment::Production);
    assert!(!format!("{c:?}").contains(TOKEN));
}

pub(super) fn client_is_send_sync_clone() {
    fn assert_traits<T: Send + Sync + Clone + 'static>() {}
    assert_traits::<Client>();
    let _: Arc<dyn TokenProvider> = Arc::new(StaticToken::new(TOKEN));
}
