// The fault-injection suite, written once and compiled per mode
// (`blocking.rs` under `must_be_sync`, `nonblocking.rs` under
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

// The cases, one file per behaviour (under `cases/`); the helpers above and below
// are theirs to share.
#[path = "cases/transport.rs"]
mod transport;
pub(crate) use transport::*;
#[path = "cases/retries.rs"]
mod retries;
pub(crate) use retries::*;
#[path = "cases/pacing.rs"]
mod pacing;
pub(crate) use pacing::*;

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

// --- connection reset mid-body ---------------------------------------------------

// --- stalled responses -----------------------------------------------------------

// --- truncated and invalid JSON --------------------------------------------------

// --- HTML 502 --------------------------------------------------------------------

// --- oversized bodies ------------------------------------------------------------

const MIB: usize = 1024 * 1024;

// --- 429 and 503 -----------------------------------------------------------------

// --- creates are never duplicated -------------------------------------------------

/// The failed create may have happened: the error says so, and how to check.
fn assert_ambiguous_create(err: &Error) {
    assert!(err.is_ambiguous(), "{err}");
    let message = err.to_string();
    assert!(
        message.contains("the webhook may exist") && message.contains("list()"),
        "{message}"
    );
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

// --- a keep-alive connection closed by the server --------------------------------

// --- Retry-After as a date ---------------------------------------------------------

fn http_date(at: OffsetDateTime) -> String {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    at.to_offset(time::UtcOffset::UTC).format(&format).unwrap()
}

// --- the rate limiter keeps a job under the server's limit ----------------------------

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

// --- the total budget ------------------------------------------------------------------
