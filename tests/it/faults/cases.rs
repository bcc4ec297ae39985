// The fault-injection suite, written once and compiled per mode
// (`faults_blocking.rs` under `must_be_sync`, `faults_async.rs` under
// `must_be_async`), against the fault-injecting server in `server.rs`.
//
// Every case says which fault it injects, and asserts the outcome (success after
// a retry, or a typed error naming the fault), the attempts the error reports,
// the requests the server saw, and that nothing hung past its timeout.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use revolut_webhooks::auth::StaticToken;
use revolut_webhooks::{
    CreateWebhook, Environment, Error, FailedEventsQuery, RetryPolicy, TransportErrorKind,
    UpdateWebhook, WebhookId,
};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use super::server::{Reply, Request, Server, refused_port};
use super::{
    Client, ClientBuilder, TokenProvider, each_concurrently, maybe_io, next_event, pause,
    walk_failed_events,
};

/// Calls `$m!` with every case's name, so each mode's test file lists them once, here.
macro_rules! all_cases {
    ($m:ident) => {
        $m!(
            connection_refused_is_a_connect_error_and_creates_nothing,
            a_reset_mid_body_is_retried_for_reads,
            a_reset_mid_body_after_a_create_is_not_retried,
            a_connection_closed_without_an_answer,
            a_stalled_response_times_out_on_every_attempt,
            a_stalled_create_times_out_once,
            a_dribbling_response_times_out,
            truncated_json_is_an_io_error_and_retried,
            complete_invalid_json_is_a_decode_error_not_retried,
            an_html_502_is_an_api_error_with_a_snippet_and_retried,
            a_5mb_garbage_body_trips_the_configured_limit,
            the_default_limit_is_16_mib,
            rate_limits_and_unavailability_with_retry_after_are_waited_for,
            rate_limits_and_unavailability_without_retry_after_back_off,
            endless_429_returns_the_last_error_with_its_attempts,
            a_retry_after_above_the_cap_returns_at_once,
            a_500_after_the_create_is_not_retried,
            a_429_before_the_create_is_retried_and_creates_once,
            updates_and_deletes_are_retried_with_the_same_request,
            draining_failed_events_holds_one_page_at_a_time,
            soak_5000_calls_with_20_percent_faults,
            a_create_after_the_server_closed_an_idle_connection_is_sent_fresh,
            a_retry_after_date_is_honoured_or_returned,
            the_rate_limiter_keeps_a_job_under_the_servers_limit,
            the_rate_limiter_keeps_the_window_with_slow_answers_and_a_refresh,
            a_call_whose_slot_is_past_its_budget_returns_at_once,
            the_total_budget_stops_retrying
        );
    };
}

const TOKEN: &str = "fault-token-not-a-secret";
const WEBHOOKS: &str = "/api/2.0/webhooks";
/// Generous for a loopback answer, short enough that a hang fails fast.
const TIMEOUT: Duration = Duration::from_secs(5);
/// For the faults that are meant to time out.
const SHORT: Duration = Duration::from_millis(300);
/// What a loaded 2-core CI machine may add on top of the expected time.
const SLACK: Duration = Duration::from_millis(1500);

/// The default policy with millisecond backoffs.
fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .with_base_delay(Duration::from_millis(1))
        .with_max_delay(Duration::from_millis(5))
}

fn builder(url: &str) -> ClientBuilder {
    Client::builder()
        .environment(Environment::custom(url).unwrap())
        .token_provider(StaticToken::new(TOKEN))
        .retry_policy(fast_retries())
        .timeout(TIMEOUT)
}

fn client(server: &Server) -> Client {
    builder(&server.url()).build().unwrap()
}

fn hook_id(n: u128) -> WebhookId {
    Uuid::from_u128(0x5eed_0000_0000_0000_0000_0000_0000_0000 + n).into()
}

fn webhook_json(id: WebhookId, secret: &str) -> String {
    format!(
        r#"{{"id":"{id}","url":"https://example.com/hook","events":["TransactionCreated"],"signing_secret":"{secret}"}}"#
    )
}

const LIST: &str = r#"[{"id":"c6db947e-e9ce-41c2-b445-02e6eb741d21","url":"https://example.com/hook","events":["TransactionCreated"]}]"#;
const RATE_LIMITED: &str = r#"{"error_id":"06153eec-c5cd-4db8-8898-7ae96b9d89ab","code":3162,"message":"Request rate limit has been reached. Try again later."}"#;
const UNAVAILABLE: &str = r#"{"error_id":"201768bc-c5cd-4db8-8898-7ae96b9d89ab","code":5003,"message":"The service is temporarily unavailable."}"#;
const INTERNAL: &str = r#"{"error_id":"7f96652e-7518-4229-872b-4e4c867fb4da","code":5000,"message":"An unexpected error occurred while processing your request."}"#;
const BAD_GATEWAY: &str =
    "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";

fn reset() -> Reply {
    Reply::Reset {
        declared: LIST.len(),
        sent: LIST.as_bytes()[..20].to_vec(),
    }
}

fn truncated() -> Reply {
    Reply::Truncated {
        declared: LIST.len(),
        sent: LIST.as_bytes()[..30].to_vec(),
    }
}

fn transport_kind(error: &Error) -> TransportErrorKind {
    match error {
        Error::Transport(e) => e.kind,
        other => panic!("expected a transport error, got {other:?}"),
    }
}

fn api(error: &Error) -> &revolut_webhooks::ApiError {
    match error {
        Error::Api(e) => e,
        other => panic!("expected an API error, got {other:?}"),
    }
}

fn assert_within(started: Instant, limit: Duration) {
    let elapsed = started.elapsed();
    assert!(elapsed < limit, "took {elapsed:?}, limit {limit:?}");
}

/// A fake of the webhooks API that really creates what it is asked to, so a
/// test can count creates whatever the reply says.
#[derive(Default)]
struct Fake {
    created: Mutex<Vec<WebhookId>>,
}

impl Fake {
    /// Creates a webhook and returns the 200 that would answer it.
    fn create(&self) -> Reply {
        let mut created = self.created.lock().unwrap();
        let id = hook_id(created.len() as u128);
        created.push(id);
        Reply::json(webhook_json(id, &format!("wsk_{}", created.len())))
    }

    fn creates(&self) -> usize {
        self.created.lock().unwrap().len()
    }
}

fn create_request() -> CreateWebhook {
    CreateWebhook::new("https://example.com/hook").unwrap()
}

// --- connection refused --------------------------------------------------------

#[maybe_io]
pub(super) async fn connection_refused_is_a_connect_error_and_creates_nothing() {
    let url = format!("http://127.0.0.1:{}", refused_port());
    let client = builder(&url).build().unwrap();
    let started = Instant::now();
    let err = client.webhooks().list().await.unwrap_err();
    assert_eq!(transport_kind(&err), TransportErrorKind::Connect, "{err}");
    assert_eq!(err.attempts(), 3);
    // Nothing reached a server, so even a create is safe to send again.
    let err = client
        .webhooks()
        .create(&create_request())
        .await
        .unwrap_err();
    assert_eq!(transport_kind(&err), TransportErrorKind::Connect, "{err}");
    assert_eq!(err.attempts(), 3);
    assert!(!err.is_ambiguous(), "nothing was sent: {err}");
    assert!(!err.to_string().contains("list()"), "{err}");
    assert!(!err.to_string().contains(TOKEN));
    assert_within(started, SLACK);
}

// --- connection reset mid-body ---------------------------------------------------

#[maybe_io]
pub(super) async fn a_reset_mid_body_is_retried_for_reads() {
    let server = Server::scripted([reset(), reset(), Reply::json(LIST)]);
    let hooks = client(&server).webhooks().list().await.unwrap();
    assert_eq!(hooks.len(), 1);
    assert_eq!(server.request_count(), 3);

    let server = Server::with_default(reset());
    let started = Instant::now();
    let err = client(&server).webhooks().list().await.unwrap_err();
    assert_eq!(transport_kind(&err), TransportErrorKind::Io, "{err}");
    assert_eq!(err.attempts(), 3);
    assert_eq!(server.request_count(), 3);
    assert_within(started, SLACK);
}

#[maybe_io]
pub(super) async fn a_reset_mid_body_after_a_create_is_not_retried() {
    let fake = Arc::new(Fake::default());
    let f = fake.clone();
    // The server creates the webhook, then the connection breaks mid-answer.
    let server = Server::start(move |_| {
        f.create();
        reset()
    });
    let err = client(&server)
        .webhooks()
        .create(&create_request())
        .await
        .unwrap_err();
    assert_eq!(transport_kind(&err), TransportErrorKind::Io, "{err}");
    assert_eq!(err.attempts(), 1);
    assert_ambiguous_create(&err);
    assert_eq!(server.request_count(), 1);
    assert_eq!(fake.creates(), 1, "a duplicate create");
}

#[maybe_io]
pub(super) async fn a_connection_closed_without_an_answer() {
    let server = Server::scripted([Reply::Close, Reply::json(LIST)]);
    let hooks = client(&server).webhooks().list().await.unwrap();
    assert_eq!(hooks.len(), 1);
    assert_eq!(server.request_count(), 2);

    // The request was read: a create may have happened, so it is not repeated.
    let server = Server::with_default(Reply::Close);
    let err = client(&server)
        .webhooks()
        .create(&create_request())
        .await
        .unwrap_err();
    assert_eq!(transport_kind(&err), TransportErrorKind::Io, "{err}");
    assert_eq!(err.attempts(), 1);
    assert_ambiguous_create(&err);
    assert_eq!(server.request_count(), 1);
}

// --- stalled responses -----------------------------------------------------------

#[maybe_io]
pub(super) async fn a_stalled_response_times_out_on_every_attempt() {
    let server = Server::with_default(Reply::Stall);
    let client = builder(&server.url()).timeout(SHORT).build().unwrap();
    let started = Instant::now();
    let err = client.webhooks().list().await.unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(transport_kind(&err), TransportErrorKind::Timeout, "{err}");
    assert!(err.is_timeout());
    assert_eq!(err.attempts(), 3);
    assert_eq!(server.request_count(), 3);
    assert!(elapsed >= SHORT * 3, "{elapsed:?}");
    assert!(elapsed < SHORT * 3 + SLACK, "{elapsed:?}");
}

#[maybe_io]
pub(super) async fn a_stalled_create_times_out_once() {
    let server = Server::with_default(Reply::Stall);
    let client = builder(&server.url()).timeout(SHORT).build().unwrap();
    let started = Instant::now();
    let err = client
        .webhooks()
        .create(&create_request())
        .await
        .unwrap_err();
    assert_eq!(transport_kind(&err), TransportErrorKind::Timeout, "{err}");
    assert_eq!(err.attempts(), 1);
    assert_ambiguous_create(&err);
    assert_eq!(server.request_count(), 1);
    assert_within(started, SHORT + SLACK);
}

#[maybe_io]
pub(super) async fn a_dribbling_response_times_out() {
    // A valid answer, one byte every 20 ms: about 4 s in all, against a 300 ms timeout.
    let mut response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        LIST.len()
    )
    .into_bytes();
    response.extend_from_slice(LIST.as_bytes());
    let head_len = response.len() - LIST.len();
    // Headers a byte at a time, then the same with the headers at once and the
    // body a byte at a time.
    for at_once in [0, head_len] {
        let server = Server::with_default(Reply::Dribble {
            every: Duration::from_millis(20),
            at_once,
            response: response.clone(),
        });
        let client = builder(&server.url()).timeout(SHORT).build().unwrap();
        let started = Instant::now();
        let err = client.webhooks().list().await.unwrap_err();
        assert_eq!(
            transport_kind(&err),
            TransportErrorKind::Timeout,
            "at once: {at_once}: {err}"
        );
        assert_eq!(err.attempts(), 3);
        assert_eq!(server.request_count(), 3);
        assert_within(started, SHORT * 3 + SLACK);
    }
}

// --- truncated and invalid JSON --------------------------------------------------

#[maybe_io]
pub(super) async fn truncated_json_is_an_io_error_and_retried() {
    let server = Server::with_default(truncated());
    let err = client(&server).webhooks().list().await.unwrap_err();
    assert_eq!(transport_kind(&err), TransportErrorKind::Io, "{err}");
    assert_eq!(err.attempts(), 3);
    assert_eq!(server.request_count(), 3);

    let server = Server::scripted([truncated(), Reply::json(LIST)]);
    let hooks = client(&server).webhooks().list().await.unwrap();
    assert_eq!(hooks.len(), 1);
    assert_eq!(server.request_count(), 2);
}

#[maybe_io]
pub(super) async fn complete_invalid_json_is_a_decode_error_not_retried() {
    let server = Server::with_default(Reply::json(r#"[{"id": 12, "url": "#));
    let err = client(&server).webhooks().list().await.unwrap_err();
    assert!(
        matches!(&err, Error::Decode(d) if d.status == 200),
        "{err:?}"
    );
    assert_eq!(err.attempts(), 1);
    assert_eq!(server.request_count(), 1);

    // After a retry, the decode error still counts every attempt.
    let server = Server::scripted([
        Reply::status(503, UNAVAILABLE).header("retry-after", "0"),
        Reply::json("{not json"),
    ]);
    let err = client(&server).webhooks().list().await.unwrap_err();
    assert!(matches!(&err, Error::Decode(_)), "{err:?}");
    assert_eq!(server.request_count(), 2);
    assert_eq!(err.attempts(), 2, "{err}");
}

// --- HTML 502 --------------------------------------------------------------------

#[maybe_io]
pub(super) async fn an_html_502_is_an_api_error_with_a_snippet_and_retried() {
    let server = Server::with_default(Reply::html(502, BAD_GATEWAY));
    let err = client(&server).webhooks().list().await.unwrap_err();
    let e = api(&err);
    assert_eq!(e.status, 502);
    assert_eq!(e.code, None);
    assert!(
        e.body_snippet
            .as_deref()
            .unwrap_or("")
            .contains("502 Bad Gateway"),
        "{e:?}"
    );
    assert_eq!(err.attempts(), 3);
    assert_eq!(server.request_count(), 3);

    let server = Server::scripted([Reply::html(502, BAD_GATEWAY), Reply::json(LIST)]);
    let hooks = client(&server).webhooks().list().await.unwrap();
    assert_eq!(hooks.len(), 1);
    assert_eq!(server.request_count(), 2);

    // A create is not repeated after a 502: the gateway may have passed it on.
    let server = Server::with_default(Reply::html(502, BAD_GATEWAY));
    let err = client(&server)
        .webhooks()
        .create(&create_request())
        .await
        .unwrap_err();
    assert_eq!(api(&err).status, 502);
    assert_eq!(err.attempts(), 1);
    assert_eq!(server.request_count(), 1);
}

// --- oversized bodies ------------------------------------------------------------

const MIB: usize = 1024 * 1024;

#[maybe_io]
pub(super) async fn a_5mb_garbage_body_trips_the_configured_limit() {
    for chunked in [false, true] {
        let server = Server::with_default(Reply::Garbage {
            len: 5 * MIB,
            chunked,
        });
        let client = builder(&server.url())
            .max_response_bytes(MIB as u64)
            .build()
            .unwrap();
        let started = Instant::now();
        let err = client.webhooks().list().await.unwrap_err();
        assert_eq!(
            transport_kind(&err),
            TransportErrorKind::BodyTooLarge,
            "chunked: {chunked}: {err}"
        );
        assert!(err.to_string().contains("1048576"), "{err}");
        assert_eq!(err.attempts(), 1);
        assert_eq!(server.request_count(), 1);
        assert_within(started, SLACK);
    }
}

#[maybe_io]
pub(super) async fn the_default_limit_is_16_mib() {
    // Under the limit, garbage is read in full and is then a decode error.
    let server = Server::with_default(Reply::Garbage {
        len: 5 * MIB,
        chunked: true,
    });
    let err = client(&server).webhooks().list().await.unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");

    let server = Server::with_default(Reply::Garbage {
        len: 17 * MIB,
        chunked: true,
    });
    let err = client(&server).webhooks().list().await.unwrap_err();
    assert_eq!(
        transport_kind(&err),
        TransportErrorKind::BodyTooLarge,
        "{err}"
    );
    assert!(err.to_string().contains("16777216"), "{err}");
    assert_eq!(server.request_count(), 1);
}

// --- 429 and 503 -----------------------------------------------------------------

#[maybe_io]
pub(super) async fn rate_limits_and_unavailability_with_retry_after_are_waited_for() {
    let server = Server::scripted([
        Reply::status(429, RATE_LIMITED).header("retry-after", "1"),
        Reply::status(503, UNAVAILABLE).header("retry-after", "0"),
        Reply::json(LIST),
    ]);
    let started = Instant::now();
    let hooks = client(&server).webhooks().list().await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!(hooks.len(), 1);
    assert_eq!(server.request_count(), 3);
    assert!(elapsed >= Duration::from_secs(1), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(1) + SLACK, "{elapsed:?}");
    // The requests were the same each time.
    let requests = server.requests();
    assert!(
        requests
            .iter()
            .all(|r| r.method == "GET" && r.path == WEBHOOKS)
    );
    assert!(
        requests
            .iter()
            .all(|r| r.header("authorization") == Some(&format!("Bearer {TOKEN}")))
    );
}

#[maybe_io]
pub(super) async fn rate_limits_and_unavailability_without_retry_after_back_off() {
    let server = Server::scripted([
        Reply::status(429, RATE_LIMITED),
        Reply::status(503, UNAVAILABLE),
        Reply::json(LIST),
    ]);
    let started = Instant::now();
    let hooks = client(&server).webhooks().list().await.unwrap();
    assert_eq!(hooks.len(), 1);
    assert_eq!(server.request_count(), 3);
    assert_within(started, SLACK);

    // Nothing happened on a 429 or a 503, so even a rotation is tried again.
    let fake = Arc::new(Fake::default());
    let f = fake.clone();
    let server = Server::start(move |_| f.create());
    server.push([
        Reply::status(503, UNAVAILABLE),
        Reply::status(429, RATE_LIMITED),
    ]);
    let rotated = client(&server)
        .webhooks()
        .rotate_signing_secret(hook_id(7), None)
        .await
        .unwrap();
    assert_eq!(rotated.signing_secret.expose_secret(), "wsk_1");
    assert_eq!(server.request_count(), 3);
    assert_eq!(fake.creates(), 1);
}

#[maybe_io]
pub(super) async fn endless_429_returns_the_last_error_with_its_attempts() {
    let server = Server::with_default(Reply::status(429, RATE_LIMITED).header("retry-after", "0"));
    let err = client(&server).webhooks().list().await.unwrap_err();
    let e = api(&err);
    assert_eq!(e.status, 429);
    assert_eq!(e.code, Some(3162));
    assert!(err.is_rate_limited());
    assert_eq!(err.retry_after(), Some(Duration::ZERO));
    assert_eq!(err.attempts(), 3);
    assert_eq!(server.request_count(), 3);

    let server = Server::with_default(Reply::status(503, UNAVAILABLE));
    let err = client(&server).webhooks().list().await.unwrap_err();
    assert_eq!(api(&err).status, 503);
    assert_eq!(api(&err).code, Some(5003));
    assert_eq!(err.retry_after(), None);
    assert_eq!(err.attempts(), 3);
}

#[maybe_io]
pub(super) async fn a_retry_after_above_the_cap_returns_at_once() {
    for status in [429, 503] {
        let server =
            Server::with_default(Reply::status(status, RATE_LIMITED).header("retry-after", "120"));
        let started = Instant::now();
        let err = client(&server).webhooks().list().await.unwrap_err();
        assert_within(started, Duration::from_millis(500));
        assert_eq!(api(&err).status, status);
        assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
        assert_eq!(err.attempts(), 1);
        assert_eq!(server.request_count(), 1);
    }
    // A lower cap set by the caller applies the same way.
    let server = Server::with_default(Reply::status(429, RATE_LIMITED).header("retry-after", "1"));
    let client = builder(&server.url())
        .retry_policy(fast_retries().with_max_retry_after(Duration::from_millis(500)))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client.webhooks().list().await.unwrap_err();
    assert_within(started, Duration::from_millis(500));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(1)));
    assert_eq!(err.attempts(), 1);
}

// --- creates are never duplicated -------------------------------------------------

#[maybe_io]
pub(super) async fn a_500_after_the_create_is_not_retried() {
    let fake = Arc::new(Fake::default());
    let f = fake.clone();
    // The server really creates the webhook, then answers 500.
    let server = Server::start(move |request| {
        f.create();
        assert_eq!(request.method, "POST");
        Reply::status(500, INTERNAL)
    });
    let client = client(&server);
    let err = client
        .webhooks()
        .create(&create_request())
        .await
        .unwrap_err();
    assert_eq!(api(&err).status, 500);
    assert_eq!(api(&err).code, Some(5000));
    assert_eq!(err.attempts(), 1);
    assert_ambiguous_create(&err);
    assert_eq!(server.request_count(), 1);
    assert_eq!(fake.creates(), 1, "a duplicate create");

    // The same for a rotation: a repeat could add a fourth key.
    let err = client
        .webhooks()
        .rotate_signing_secret(hook_id(1), None)
        .await
        .unwrap_err();
    assert_eq!(api(&err).status, 500);
    assert_eq!(err.attempts(), 1);
    assert!(err.is_ambiguous(), "{err}");
    let message = err.to_string();
    assert!(
        message.contains("may have been rotated") && message.contains("get()"),
        "{message}"
    );
    assert_eq!(server.request_count(), 2);
    assert_eq!(fake.creates(), 2);

    // A read that failed the same way is safe to repeat: not ambiguous.
    let server = Server::with_default(Reply::status(500, INTERNAL));
    let err = self::client(&server).webhooks().list().await.unwrap_err();
    assert_eq!(api(&err).status, 500);
    assert!(!err.is_ambiguous(), "{err}");
    assert!(!err.to_string().contains("list()"), "{err}");

    // A create refused before it was done (429, 503, a 4xx) is not ambiguous either.
    for reply in [
        Reply::status(422, r#"{"code":3352,"message":"too many webhooks"}"#),
        Reply::status(503, UNAVAILABLE).header("retry-after", "3600"),
        Reply::status(429, RATE_LIMITED).header("retry-after", "3600"),
    ] {
        let server = Server::with_default(reply);
        let err = self::client(&server)
            .webhooks()
            .create(&create_request())
            .await
            .unwrap_err();
        assert!(!err.is_ambiguous(), "{err}");
    }
}

/// The failed create may have happened: the error says so, and how to check.
fn assert_ambiguous_create(err: &Error) {
    assert!(err.is_ambiguous(), "{err}");
    let message = err.to_string();
    assert!(
        message.contains("the webhook may exist") && message.contains("list()"),
        "{message}"
    );
}

#[maybe_io]
pub(super) async fn a_429_before_the_create_is_retried_and_creates_once() {
    let fake = Arc::new(Fake::default());
    let f = fake.clone();
    let server = Server::start(move |_| f.create());
    server.push([Reply::status(429, RATE_LIMITED).header("retry-after", "0")]);
    let created = client(&server)
        .webhooks()
        .create(&create_request())
        .await
        .unwrap();
    assert_eq!(created.id, hook_id(0));
    assert_eq!(server.request_count(), 2);
    assert_eq!(fake.creates(), 1);
    // Both attempts carried the same body.
    let requests = server.requests();
    assert_eq!(requests[0].body, requests[1].body);
    assert!(requests[0].body_str().contains("https://example.com/hook"));
}

#[maybe_io]
pub(super) async fn updates_and_deletes_are_retried_with_the_same_request() {
    let server = Server::scripted([
        Reply::status(500, INTERNAL),
        reset(),
        Reply::json(LIST.trim_start_matches('[').trim_end_matches(']')),
        Reply::status(504, "{}"),
        Reply::Close,
        Reply::Full {
            status: 204,
            headers: vec![],
            body: vec![],
        },
    ]);
    let client = client(&server);
    let update = UpdateWebhook::from_url("https://example.com/new").unwrap();
    let updated = client.webhooks().update(hook_id(3), &update).await.unwrap();
    assert_eq!(updated.url, "https://example.com/hook");
    client.webhooks().delete(hook_id(3)).await.unwrap();
    let requests = server.requests();
    let methods: Vec<_> = requests.iter().map(|r| r.method.as_str()).collect();
    assert_eq!(
        methods,
        ["PATCH", "PATCH", "PATCH", "DELETE", "DELETE", "DELETE"]
    );
    assert!(requests[..3].iter().all(|r| r.body == requests[0].body));
    assert!(requests[0].body_str().contains("https://example.com/new"));
}

// --- draining failed events ------------------------------------------------------

fn failed_event_json(id: Uuid, created_at: OffsetDateTime, webhook: WebhookId) -> String {
    let at = created_at.format(&Rfc3339).unwrap();
    format!(
        r#"{{"id":"{id}","created_at":"{at}","updated_at":"{at}","webhook_id":"{webhook}","webhook_url":"https://example.com/hook","payload":{{"event":"TransactionCreated","data":{{"n":"{id}"}}}}}}"#
    )
}

/// Serves `events` (newest first) like the API: `created_at < created_before`,
/// at most `limit`.
fn failed_events_page(
    events: &[(Uuid, OffsetDateTime)],
    webhook: WebhookId,
    request: &Request,
) -> Reply {
    let limit: usize = request
        .query_param("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(100);
    let bound = request
        .query_param("created_before")
        .map(|b| OffsetDateTime::parse(&b, &Rfc3339).unwrap());
    let page: Vec<String> = events
        .iter()
        .filter(|(_, at)| bound.is_none_or(|b| *at < b))
        .take(limit)
        .map(|(id, at)| failed_event_json(*id, *at, webhook))
        .collect();
    Reply::json(format!("[{}]", page.join(",")))
}

#[maybe_io]
pub(super) async fn draining_failed_events_holds_one_page_at_a_time() {
    const TOTAL: usize = 2_000;
    const PAGE: usize = 100;
    let webhook = hook_id(42);
    // Newest first, one a second, with a pair sharing each page boundary's
    // timestamp so a naive cursor would lose one.
    let newest =
        OffsetDateTime::now_utc().replace_nanosecond(0).unwrap() - time::Duration::minutes(5);
    let events: Vec<(Uuid, OffsetDateTime)> = (0..TOTAL)
        .map(|i| {
            let tick = if i % PAGE == PAGE - 1 { i - 1 } else { i };
            (
                Uuid::from_u128(i as u128 + 1),
                newest - time::Duration::seconds(tick as i64),
            )
        })
        .collect();
    let served = events.clone();
    let server = Server::start(move |request| failed_events_page(&served, webhook, request));
    // A rate limit and a reset part-way through are retried without losing a page.
    let client = client(&server);
    let query = FailedEventsQuery::new().with_limit(PAGE as u32).unwrap();
    let mut stream = walk_failed_events(&client, webhook, &query).unwrap();
    let mut seen = HashSet::new();
    let mut order = Vec::new();
    let mut pages_when = Vec::new();
    loop {
        if seen.len() == 450 {
            server.push([
                Reply::status(429, RATE_LIMITED).header("retry-after", "0"),
                reset(),
            ]);
        }
        let next = next_event(&mut stream).await;
        let Some(event) = next else { break };
        let event = event.unwrap();
        assert!(seen.insert(event.id), "{} yielded twice", event.id);
        order.push(Uuid::from(event.id));
        pages_when.push(server.request_count());
    }
    assert_eq!(seen.len(), TOTAL, "events lost");
    let expected: Vec<Uuid> = events.iter().map(|(id, _)| *id).collect();
    assert_eq!(order, expected, "not newest first");
    // One page at a time: when the k-th event came out, the server had been
    // asked for no page beyond the one holding it.
    for (k, requests) in pages_when.iter().enumerate() {
        let pages_needed = k / PAGE + 1;
        let faults = if k >= 450 { 2 } else { 0 };
        // Each page after the first asks again from just after the previous
        // one's last event, so pages may overlap by the boundary pair.
        assert!(
            *requests <= pages_needed + 1 + faults,
            "event {k}: {requests} requests already"
        );
    }
    let exchanges = server.exchanges();
    let pages = exchanges.iter().filter(|e| e.reply == "200").count();
    let faults = exchanges.iter().filter(|e| e.reply != "200").count();
    assert_eq!(faults, 2);
    // 2000 events in pages of 100, overlapping by one at each boundary: 21
    // pages, then the short one that ends the walk.
    assert!((21..=22).contains(&pages), "{pages} pages");
    eprintln!("drained {TOTAL} events in {pages} pages (+{faults} faulted requests)");
}

// --- soak ------------------------------------------------------------------------

/// splitmix64: a deterministic stream of numbers from a seed.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

const SEED: u64 = 0x00C0_FFEE;

/// Whether attempt `attempt` of call `call` is faulted, and which fault (0..10).
fn fault_for(call: u64, attempt: u64) -> Option<u64> {
    let roll = mix(SEED ^ call.wrapping_mul(0x1000_0001));
    // 20 % of calls are faulted on the first attempt; a quarter of those again
    // on the second; the third always gets through (the policy allows 2 retries).
    let faulted = match attempt {
        1 => roll % 100 < 20,
        2 => roll % 100 < 5,
        _ => false,
    };
    faulted.then(|| mix(roll ^ attempt) % 10)
}

fn get_fault(kind: u64) -> Reply {
    match kind {
        0 => reset(),
        1 => truncated(),
        2 => Reply::Close,
        3 => Reply::html(502, BAD_GATEWAY),
        4 => Reply::status(503, UNAVAILABLE).header("retry-after", "0"),
        5 => Reply::status(503, UNAVAILABLE),
        6 => Reply::status(429, RATE_LIMITED).header("retry-after", "0"),
        7 => Reply::status(429, RATE_LIMITED),
        8 => Reply::status(500, INTERNAL),
        _ => Reply::status(504, "{}"),
    }
}

#[derive(Default)]
struct Soak {
    attempts: HashMap<u64, u64>,
    /// Creates the server made, by call.
    created: HashMap<u64, Vec<WebhookId>>,
    next_secret: u64,
    faults: HashMap<String, usize>,
}

impl Soak {
    fn answer(&mut self, request: &Request) -> Reply {
        let (call, is_create) = if request.method == "POST" {
            let body = request.body_str();
            let n = body
                .split("/soak/")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .and_then(|n| n.parse().ok())
                .expect("a soak create");
            (n, true)
        } else {
            let id: Uuid = request.path.rsplit('/').next().unwrap().parse().unwrap();
            ((id.as_u128() & 0xffff_ffff) as u64, false)
        };
        let attempt = self.attempts.entry(call).or_default();
        *attempt += 1;
        let fault = fault_for(call, *attempt);
        if let Some(kind) = fault {
            let kind_name = if is_create {
                ["429", "503", "500 after create", "reset after create"][kind as usize % 4]
            } else {
                [
                    "reset",
                    "truncated",
                    "close",
                    "502",
                    "503+RA",
                    "503",
                    "429+RA",
                    "429",
                    "500",
                    "504",
                ][kind as usize]
            };
            *self.faults.entry(kind_name.to_owned()).or_default() += 1;
            if !is_create {
                return get_fault(kind);
            }
            match kind % 4 {
                // Refused before anything happened: safe to retry.
                0 => return Reply::status(429, RATE_LIMITED).header("retry-after", "0"),
                1 => return Reply::status(503, UNAVAILABLE),
                // Created, then the answer is lost: ambiguous.
                2 => {
                    self.create(call);
                    return Reply::status(500, INTERNAL);
                }
                _ => {
                    self.create(call);
                    return reset();
                }
            }
        }
        if is_create {
            let id = self.create(call);
            return Reply::json(webhook_json(id, "wsk_created"));
        }
        // A GET answer carries a secret the server chose, unique per answer.
        self.next_secret += 1;
        let id = hook_id(call as u128);
        Reply::json(webhook_json(
            id,
            &format!("wsk_{call}_{}", self.next_secret),
        ))
    }

    fn create(&mut self, call: u64) -> WebhookId {
        let id = WebhookId::from(Uuid::from_u128(
            0x00c0_ffee_0000_0000_0000_0000_0000_0000u128 + u128::from(call),
        ));
        self.created.entry(call).or_default().push(id);
        id
    }
}

#[maybe_io]
pub(super) async fn soak_5000_calls_with_20_percent_faults() {
    const CALLS: u64 = 5_000;
    let soak = Arc::new(Mutex::new(Soak::default()));
    let s = soak.clone();
    let server = Server::start(move |request| s.lock().unwrap().answer(request));
    let client = client(&server);
    let started = Instant::now();

    let mut secrets = Vec::new();
    let mut created = Vec::new();
    let mut ambiguous = Vec::new();
    for call in 0..CALLS {
        if call % 10 == 0 {
            let body = CreateWebhook::new(format!("https://example.com/soak/{call}")).unwrap();
            match client.webhooks().create(&body).await {
                Ok(hook) => created.push((call, hook.id)),
                Err(err) => {
                    // Only an answer lost after the create may fail a create, and
                    // it is reported after one attempt, not repeated.
                    let is_500 = matches!(&err, Error::Api(e) if e.status == 500);
                    let is_io =
                        matches!(&err, Error::Transport(e) if e.kind == TransportErrorKind::Io);
                    assert!(is_500 || is_io, "call {call}: {err:?}");
                    assert!(err.is_ambiguous(), "call {call}: {err}");
                    ambiguous.push((call, err.attempts()));
                }
            }
        } else {
            let hook = client.webhooks().get(hook_id(u128::from(call))).await;
            let hook = hook.unwrap_or_else(|e| panic!("call {call} lost: {e:?}"));
            assert_eq!(hook.id, hook_id(u128::from(call)));
            secrets.push(hook.signing_secret.expose_secret().to_owned());
        }
    }
    let elapsed = started.elapsed();

    // Reads: what the client got is exactly what the server delivered, each once.
    let exchanges = server.exchanges();
    let delivered: Vec<String> = exchanges
        .iter()
        .filter(|e| e.delivered && e.request.method == "GET" && e.reply == "200")
        .map(|e| {
            let body: serde_json::Value = serde_json::from_slice(e.body.as_ref().unwrap()).unwrap();
            body["signing_secret"].as_str().unwrap().to_owned()
        })
        .collect();
    let client_set: HashSet<_> = secrets.iter().cloned().collect();
    let server_set: HashSet<_> = delivered.iter().cloned().collect();
    assert_eq!(client_set.len(), secrets.len(), "duplicate results");
    assert_eq!(server_set.len(), delivered.len());
    assert_eq!(secrets.len(), 4_500, "lost reads");
    assert_eq!(client_set, server_set, "lost or invented results");

    // Creates: never more on the server than the client knows of.
    let soak = soak.lock().unwrap();
    let server_creates: usize = soak.created.values().map(Vec::len).sum();
    assert!(
        soak.created.values().all(|v| v.len() == 1),
        "a duplicate create"
    );
    assert_eq!(server_creates, created.len() + ambiguous.len());
    for (call, id) in &created {
        assert_eq!(soak.created[call], [*id]);
    }
    for (call, attempts) in &ambiguous {
        // The ambiguous attempt was the last one the server saw for this call.
        assert!(soak.created.contains_key(call));
        assert_eq!(soak.attempts[call], u64::from(*attempts), "call {call}");
    }

    let faulted = exchanges.iter().filter(|e| e.reply != "200").count();
    let connections: HashSet<_> = exchanges.iter().map(|e| e.request.connection).collect();
    let mut faults: Vec<_> = soak.faults.iter().collect();
    faults.sort();
    eprintln!(
        "soak: {CALLS} calls ({} reads, {} creates: {} ok, {} ambiguous), {} requests on {} connections, {faulted} faulted, {elapsed:?}; faults: {faults:?}",
        secrets.len(),
        created.len() + ambiguous.len(),
        created.len(),
        ambiguous.len(),
        exchanges.len(),
        connections.len(),
    );
    assert!(faulted as u64 >= CALLS / 5, "{faulted} faults");
}

// --- a keep-alive connection closed by the server --------------------------------

#[maybe_io]
pub(super) async fn a_create_after_the_server_closed_an_idle_connection_is_sent_fresh() {
    // The server answers each list, then closes the connection without saying so.
    // The create that follows must not go out on the dead connection (where it
    // would fail as ambiguous and not be retried).
    const ROUNDS: usize = 50;
    let fake = Arc::new(Fake::default());
    let f = fake.clone();
    let server = Server::start(move |request| {
        if request.method == "POST" {
            f.create()
        } else {
            Reply::FullThenClose(Box::new(Reply::json(LIST)))
        }
    });
    let client = client(&server);
    let mut failures = Vec::new();
    for round in 0..ROUNDS {
        client.webhooks().list().await.unwrap();
        // Idle for a moment, as a batch job does between calls: the server's
        // close has arrived by then (on a loaded machine, too).
        std::thread::sleep(Duration::from_millis(10));
        let created = client.webhooks().create(&create_request()).await;
        if let Err(e) = created {
            failures.push(format!("round {round}: {e}"));
        }
    }
    assert_eq!(fake.creates(), ROUNDS - failures.len());
    assert!(
        failures.is_empty(),
        "{} failed: {failures:#?}",
        failures.len()
    );
}

// --- Retry-After as a date ---------------------------------------------------------

fn http_date(at: OffsetDateTime) -> String {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    at.to_offset(time::UtcOffset::UTC).format(&format).unwrap()
}

#[maybe_io]
pub(super) async fn a_retry_after_date_is_honoured_or_returned() {
    // A date about a second away is waited for (it has one-second precision).
    let soon = http_date(OffsetDateTime::now_utc() + time::Duration::seconds(1));
    let server = Server::scripted([
        Reply::status(503, UNAVAILABLE).header("retry-after", &soon),
        Reply::json(LIST),
    ]);
    let started = Instant::now();
    let hooks = client(&server).webhooks().list().await.unwrap();
    assert_eq!(hooks.len(), 1);
    assert_eq!(server.request_count(), 2);
    assert_within(started, Duration::from_secs(1) + SLACK);

    // A date an hour away is over the cap: returned at once, with the wait.
    let later = http_date(OffsetDateTime::now_utc() + time::Duration::hours(1));
    let server =
        Server::with_default(Reply::status(429, RATE_LIMITED).header("retry-after", &later));
    let started = Instant::now();
    let err = client(&server).webhooks().list().await.unwrap_err();
    assert_within(started, Duration::from_millis(500));
    let wait = err.retry_after().expect("retry_after");
    assert!(
        (Duration::from_secs(3590)..=Duration::from_secs(3600)).contains(&wait),
        "{wait:?}"
    );
    assert_eq!(err.attempts(), 1);
}

// --- the rate limiter keeps a job under the server's limit ----------------------------

#[maybe_io]
pub(super) async fn the_rate_limiter_keeps_a_job_under_the_servers_limit() {
    use revolut_webhooks::RateLimiter;
    // A server allowing 10 requests in any 300 ms (Revolut: 60 a minute), which
    // answers 429 beyond that. A little tolerance absorbs loopback latency.
    const LIMIT: usize = 10;
    let window = Duration::from_millis(300);
    let arrivals = Arc::new(Mutex::new(Vec::<Instant>::new()));
    let a = arrivals.clone();
    let server = Server::start(move |_| {
        let now = Instant::now();
        let mut arrivals = a.lock().unwrap();
        arrivals.push(now);
        let tolerance = Duration::from_millis(100);
        let recent = arrivals
            .iter()
            .filter(|t| now.duration_since(**t) + tolerance < window)
            .count();
        if recent > LIMIT {
            Reply::status(429, RATE_LIMITED).header("retry-after", "1")
        } else {
            Reply::json(LIST)
        }
    });
    let limiter = RateLimiter::new(LIMIT as u32, window);
    // Two clients (say two jobs on one business) share one limiter.
    let first = builder(&server.url())
        .rate_limiter(limiter.clone())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let second = builder(&server.url())
        .rate_limiter(limiter)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let started = Instant::now();
    for i in 0..35 {
        let client = if i % 2 == 0 { &first } else { &second };
        let listed = client.webhooks().list().await;
        listed.unwrap_or_else(|e| panic!("request {i}: {e}"));
    }
    // 35 requests at 10 per 300 ms need at least three full windows.
    let elapsed = started.elapsed();
    assert!(elapsed >= window * 3, "{elapsed:?}");
    assert!(elapsed < window * 4 + SLACK, "{elapsed:?}");
    assert_eq!(server.request_count(), 35);
}

/// A token provider whose first call, and one call in the middle, are slow: a
/// token refresh while a batch is under way.
struct SlowTokens {
    calls: std::sync::atomic::AtomicUsize,
    slow: [usize; 2],
    delay: Duration,
}

#[maybe_io]
impl TokenProvider for SlowTokens {
    async fn access_token(&self) -> revolut_webhooks::Result<revolut_webhooks::auth::AccessToken> {
        let call = self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if self.slow.contains(&call) {
            pause(self.delay).await;
        }
        Ok(revolut_webhooks::auth::AccessToken::new(TOKEN))
    }
}

/// One worker of a batch: `calls` lists, one after the other.
#[maybe_io]
async fn list_several(client: &Client, calls: usize) -> Vec<revolut_webhooks::Result<usize>> {
    let mut results = Vec::new();
    for _ in 0..calls {
        results.push(client.webhooks().list().await.map(|hooks| hooks.len()));
    }
    results
}

#[maybe_io]
pub(super) async fn the_rate_limiter_keeps_the_window_with_slow_answers_and_a_refresh() {
    use revolut_webhooks::RateLimiter;
    // 5 requests in any 500 ms. The server records when each request arrives;
    // its first answers take 400 ms, and the token provider's first call and its
    // eighth take 300 ms, so slots taken early are held long.
    const LIMIT: usize = 5;
    const WORKERS: usize = 4;
    const CALLS: usize = 5;
    const BUDGET: Duration = Duration::from_millis(800);
    let window = Duration::from_millis(500);
    let arrivals = Arc::new(Mutex::new(Vec::<Instant>::new()));
    let a = arrivals.clone();
    let server = Server::start(move |_| {
        let first = {
            let mut arrivals = a.lock().unwrap();
            arrivals.push(Instant::now());
            arrivals.len() <= 3
        };
        if first {
            std::thread::sleep(Duration::from_millis(400));
        }
        Reply::json(LIST)
    });
    let tokens = SlowTokens {
        calls: Default::default(),
        slow: [0, 7],
        delay: Duration::from_millis(300),
    };
    let client = builder(&server.url())
        .token_provider(tokens)
        .rate_limiter(RateLimiter::new(LIMIT as u32, window))
        // A budget that the later calls of the batch cannot all wait within.
        .retry_policy(fast_retries().with_total_budget(BUDGET))
        .build()
        .unwrap();
    let started = Instant::now();
    let results = each_concurrently(WORKERS, |_| list_several(&client, CALLS)).await;
    let elapsed = started.elapsed();

    let mut sent = 0;
    let mut local = 0;
    for result in results.iter().flatten() {
        match result {
            Ok(n) => {
                assert_eq!(*n, 1);
                sent += 1;
            }
            // Failed without reaching the server: the limiter said no in time.
            Err(err @ Error::RateLimitedLocally { .. }) => {
                assert!(err.is_rate_limited());
                assert_eq!(err.attempts(), 0);
                assert!(err.to_string().contains("nothing was sent"), "{err}");
                local += 1;
            }
            Err(other) => panic!("a call failed otherwise: {other:?}"),
        }
    }
    assert_eq!(sent + local, WORKERS * CALLS);
    assert!(sent >= LIMIT, "only {sent} sent");
    let mut arrivals = arrivals.lock().unwrap().clone();
    assert_eq!(
        arrivals.len(),
        sent,
        "every success reached the server once, nothing else did"
    );
    arrivals.sort();
    for (i, start) in arrivals.iter().enumerate() {
        let in_window = arrivals[i..]
            .iter()
            .take_while(|t| t.duration_since(*start) < window)
            .count();
        assert!(
            in_window <= LIMIT,
            "{in_window} requests arrived within {window:?} from arrival {i} ({:?} in)",
            start.duration_since(started)
        );
    }
    eprintln!("{sent} sent, {local} rate-limited locally, in {elapsed:?}");
    // Each worker's calls are each bounded by the budget.
    assert_within(started, BUDGET * CALLS as u32 + SLACK);
}

#[maybe_io]
pub(super) async fn a_call_whose_slot_is_past_its_budget_returns_at_once() {
    use revolut_webhooks::RateLimiter;
    let server = Server::with_default(Reply::json(LIST));
    let client = builder(&server.url())
        .rate_limiter(RateLimiter::new(1, Duration::from_secs(10)))
        .retry_policy(fast_retries().with_total_budget(Duration::from_secs(1)))
        .build()
        .unwrap();
    client.webhooks().list().await.unwrap();
    // The next slot is 10 s away, past the 1 s budget: no sleep, nothing sent,
    // and an error that says so, not a timeout blamed on the network.
    let started = Instant::now();
    let err = client
        .webhooks()
        .create(&create_request())
        .await
        .unwrap_err();
    assert_within(started, Duration::from_millis(200));
    let Error::RateLimitedLocally { retry_in } = err else {
        panic!("expected a local rate limit, got {err:?}");
    };
    assert!(
        (Duration::from_secs(9)..=Duration::from_secs(10)).contains(&retry_in),
        "{retry_in:?}"
    );
    assert_eq!(err.retry_after(), Some(retry_in));
    assert!(!err.is_timeout() && !err.is_ambiguous());
    assert_eq!(err.attempts(), 0);
    let message = err.to_string();
    assert!(message.contains("rate-limited locally"), "{message}");
    assert!(message.contains("nothing was sent"), "{message}");
    assert_eq!(server.request_count(), 1);

    // A window of `Duration::MAX` never frees its slot: no overflow, the same error.
    let client = builder(&server.url())
        .rate_limiter(RateLimiter::new(1, Duration::MAX))
        .build()
        .unwrap();
    client.webhooks().list().await.unwrap();
    let started = Instant::now();
    let err = client.webhooks().list().await.unwrap_err();
    assert_within(started, Duration::from_millis(200));
    assert!(
        matches!(err, Error::RateLimitedLocally { retry_in } if retry_in == Duration::MAX),
        "{err:?}"
    );
    assert_eq!(server.request_count(), 2);
}

// --- the total budget ------------------------------------------------------------------

#[maybe_io]
pub(super) async fn the_total_budget_stops_retrying() {
    // Stalls of 300 ms each; a 550 ms budget allows one retry, not two.
    let server = Server::with_default(Reply::Stall);
    let client = builder(&server.url())
        .timeout(SHORT)
        .retry_policy(fast_retries().with_total_budget(Duration::from_millis(550)))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client.webhooks().list().await.unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert_eq!(err.attempts(), 2);
    assert_eq!(server.request_count(), 2);
    assert_within(started, SHORT * 2 + SLACK);

    // An attempt's timeout is cut to what is left of the budget: with a 300 ms
    // budget, a request with a 900 ms timeout gives up after about 300 ms.
    let server = Server::with_default(Reply::Stall);
    let client = builder(&server.url())
        .timeout(SHORT * 3)
        .retry_policy(fast_retries().with_total_budget(SHORT))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client.webhooks().list().await.unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert_eq!(err.attempts(), 1);
    let elapsed = started.elapsed();
    assert!(
        elapsed < SHORT * 3,
        "{elapsed:?}: the attempt ran past the budget"
    );

    // A Retry-After that would end past the budget is not waited for.
    let server = Server::with_default(Reply::status(503, UNAVAILABLE).header("retry-after", "1"));
    let client = builder(&server.url())
        .retry_policy(fast_retries().with_total_budget(Duration::from_millis(800)))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client.webhooks().list().await.unwrap_err();
    assert_within(started, Duration::from_millis(500));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(1)));
    assert_eq!(err.attempts(), 1);
}
