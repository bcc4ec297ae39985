//! The fleet measurement: 4 processes (2 blocking, 2 async) of one business against
//! the strict emulator (a refresh revokes older tokens, the rate limit enforced),
//! with short-lived tokens, without a shared state and with one of each engine.
//! Each process counts its refreshes (`on_refresh`), the 401s its client saw (each
//! `invalidate`), its 429s and its answers; the parent adds them up.
//!
//! Shared by the integration test (`tests/it/fleet/mod.rs`) and the benchmark
//! (`benches/fleet.rs`): each re-runs its own executable as the workers, with the
//! settings in the `FLEET_WORKER` environment variable.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use revolut_webhooks::auth::{AccessToken, ClientAssertion, RefreshToken};
use revolut_webhooks::emulator::Emulator;
use revolut_webhooks::shared_state::SharedState;
use revolut_webhooks::{Environment, Error, RateLimiter, RetryPolicy};

pub(crate) const WORKER_VAR: &str = "FLEET_WORKER";
/// See `measure`: how much later than its slot's release an answer is timed.
const TOLERANCE_MS: u64 = 20;
const JWT: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJmbGVldCJ9.c2lnbmF0dXJl";

/// One run's settings.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) lifetime: Duration,
    pub(crate) run: Duration,
    pub(crate) limit: u32,
    pub(crate) per: Duration,
}

impl Settings {
    /// Refresh this long before expiry: a quarter of the lifetime.
    fn margin(&self) -> Duration {
        self.lifetime / 4
    }

    /// The most refreshes one refresh per token lifetime allows: one at the start, then
    /// one each time a token nears its expiry.
    pub(crate) fn refresh_bound(&self) -> usize {
        let period = (self.lifetime - self.margin()).as_secs_f64();
        1 + (self.run.as_secs_f64() / period).ceil() as usize
    }
}

/// What the 4 processes did, added up.
#[derive(Debug, Clone, Default)]
pub(crate) struct Report {
    pub(crate) refreshes: usize,
    pub(crate) unauthorized: usize,
    pub(crate) rate_limited: usize,
    pub(crate) ok: usize,
    pub(crate) other_errors: usize,
    /// The most answers (of requests the server saw) in any window of `per`.
    pub(crate) busiest_window: usize,
    /// Answers per second, from the first answer to one window after the last.
    pub(crate) throughput: f64,
    /// The limit's rate, per second.
    pub(crate) limit_rate: f64,
}

/// Runs the 4 workers (`exe` with `args`) once, for `store` (`None`: none shared;
/// `Some("file")`: a file in `dir`; else a `postgres://` URL).
pub(crate) fn measure(
    exe: &Path,
    args: &[&str],
    store: Option<&str>,
    settings: &Settings,
    dir: &Path,
) -> Report {
    let emulator = Emulator::builder()
        .token_lifetime(settings.lifetime)
        .rate_limit(settings.limit, settings.per)
        .start()
        .unwrap();
    let assertion = ClientAssertion::presigned(JWT);
    let tokens = revolut_webhooks::blocking::exchange_authorization_code(
        &emulator.environment(),
        &emulator.authorization_code(),
        &assertion,
    )
    .unwrap();
    let store = match store {
        Some("file") => {
            let _ = std::fs::create_dir_all(dir);
            let path = dir.join(format!("fleet-{}.json", unique()));
            Some(path.to_str().unwrap().to_owned())
        }
        other => other.map(str::to_owned),
    };
    let children: Vec<_> = ["blocking", "blocking", "async", "async"]
        .iter()
        .map(|mode| {
            let config = format!(
                "mode={mode};url={};refresh={};store={};limit={};per_ms={};run_ms={};margin_ms={}",
                emulator.base_url(),
                tokens.refresh_token.expose_secret(),
                store.as_deref().unwrap_or(""),
                settings.limit,
                settings.per.as_millis(),
                settings.run.as_millis(),
                settings.margin().as_millis(),
            );
            Command::new(exe)
                .args(args)
                .env(WORKER_VAR, config)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut report = Report {
        limit_rate: f64::from(settings.limit) / settings.per.as_secs_f64(),
        ..Report::default()
    };
    let mut answers = Vec::new();
    for child in children {
        let out = child.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let line = text
            .lines()
            .find_map(|l| l.find("FLEET {").map(|at| &l[at + "FLEET ".len()..]))
            .unwrap_or_else(|| panic!("a worker printed no result: {text}"));
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        let n = |k: &str| value[k].as_u64().unwrap_or(0) as usize;
        report.refreshes += n("refreshes");
        report.unauthorized += n("unauthorized");
        report.rate_limited += n("rate_limited");
        report.ok += n("ok");
        report.other_errors += n("other");
        answers.extend(
            value["answers"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|v| v.as_u64()),
        );
    }
    answers.sort_unstable();
    // Answer times at the clients, to the millisecond, taken a little after each
    // slot was released: two requests on one slot are at least `per` minus that
    // little apart, hence the tolerance. The emulator, which enforces the limit on
    // what it receives, is the referee: `rate_limited` counts its refusals.
    let per = (settings.per.as_millis() as u64).saturating_sub(TOLERANCE_MS);
    report.busiest_window = (0..answers.len())
        .map(|i| {
            answers[i..]
                .iter()
                .take_while(|&&t| t < answers[i] + per)
                .count()
        })
        .max()
        .unwrap_or(0);
    // Answers per second in the steady state: from the first answer to the last,
    // plus the window the last ones used (a burst of `limit` at the start and the
    // calls that waited past the end would flatter a whole-run average).
    let span = match (answers.first(), answers.last()) {
        (Some(first), Some(last)) => Duration::from_millis(last - first) + settings.per,
        _ => settings.run,
    };
    report.throughput = report.ok as f64 / span.as_secs_f64();
    report
}

fn unique() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

#[derive(Default)]
struct Counts {
    refreshes: AtomicUsize,
    unauthorized: AtomicUsize,
}

struct Config {
    mode: String,
    url: String,
    refresh: String,
    store: Option<String>,
    limit: u32,
    per: Duration,
    run: Duration,
    margin: Duration,
}

fn config(text: &str) -> Config {
    let get = |key: &str| {
        text.split(';')
            .find_map(|kv| kv.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
            .unwrap_or("")
            .to_owned()
    };
    let ms = |key: &str| Duration::from_millis(get(key).parse().unwrap());
    Config {
        mode: get("mode"),
        url: get("url"),
        refresh: get("refresh"),
        store: Some(get("store")).filter(|s| !s.is_empty()),
        limit: get("limit").parse().unwrap(),
        per: ms("per_ms"),
        run: ms("run_ms"),
        margin: ms("margin_ms"),
    }
}

/// The worker's side: runs if `FLEET_WORKER` is set, prints one `FLEET {json}` line.
/// Returns whether it ran.
pub(crate) fn worker() -> bool {
    let Ok(text) = std::env::var(WORKER_VAR) else {
        return false;
    };
    let config = config(&text);
    let counts = Arc::new(Counts::default());
    let store = config
        .store
        .as_deref()
        .map(|s| SharedState::open(s).unwrap());
    let results = if config.mode == "async" {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
            .block_on(nonblocking::run(&config, store, counts.clone()))
    } else {
        blocking::run(&config, store, counts.clone())
    };
    let mut ok = 0;
    let mut rate_limited = 0;
    let mut other = 0;
    let mut answers = Vec::new();
    for (at, result) in results {
        match result {
            Ok(()) => {
                ok += 1;
                answers.push(at);
            }
            Err(e) if e.api().is_some_and(|a| a.status == 429) => {
                rate_limited += 1;
                answers.push(at);
            }
            Err(e) => {
                if other == 0 {
                    eprintln!("fleet worker ({}): {e}", config.mode);
                }
                other += 1;
            }
        }
    }
    println!(
        "FLEET {}",
        serde_json::json!({
            "refreshes": counts.refreshes.load(Ordering::SeqCst),
            "unauthorized": counts.unauthorized.load(Ordering::SeqCst),
            "rate_limited": rate_limited,
            "ok": ok,
            "other": other,
            "answers": answers,
        })
    );
    true
}

mod blocking {
    use super::*;
    use revolut_webhooks::blocking::{Client, RefreshingTokenProvider, TokenProvider};

    struct Counted(RefreshingTokenProvider, Arc<Counts>);

    impl TokenProvider for Counted {
        fn access_token(&self) -> revolut_webhooks::Result<AccessToken> {
            self.0.access_token()
        }
        fn invalidate(&self, rejected: &AccessToken) -> bool {
            self.1.unauthorized.fetch_add(1, Ordering::SeqCst);
            self.0.invalidate(rejected)
        }
    }

    pub(super) fn run(
        config: &Config,
        store: Option<SharedState>,
        counts: Arc<Counts>,
    ) -> Vec<(u64, Result<(), Error>)> {
        let environment = Environment::custom(&config.url).unwrap();
        let refreshes = counts.clone();
        let mut provider = RefreshingTokenProvider::builder(
            RefreshToken::new(&config.refresh),
            ClientAssertion::presigned(JWT),
        )
        .environment(environment.clone())
        .refresh_margin(config.margin)
        .on_refresh(move |_| {
            refreshes.refreshes.fetch_add(1, Ordering::SeqCst);
        });
        if let Some(store) = &store {
            provider = provider.shared_state(store.clone());
        }
        let mut builder = Client::builder()
            .environment(environment)
            .token_provider(Counted(provider.build().unwrap(), counts))
            .retry_policy(RetryPolicy::none())
            .rate_limiter(RateLimiter::new(config.limit, config.per));
        if let Some(store) = store {
            builder = builder.shared_state(store);
        }
        let client = builder.build().unwrap();
        let started = Instant::now();
        let mut results = Vec::new();
        while started.elapsed() < config.run {
            let result = client.webhooks().list().map(drop);
            results.push((now_ms(), result));
        }
        results
    }
}

mod nonblocking {
    use super::*;
    use revolut_webhooks::nonblocking::{
        Client, RefreshingTokenProvider, TokenProvider, async_trait,
    };

    struct Counted(RefreshingTokenProvider, Arc<Counts>);

    #[async_trait]
    impl TokenProvider for Counted {
        async fn access_token(&self) -> revolut_webhooks::Result<AccessToken> {
            self.0.access_token().await
        }
        fn invalidate(&self, rejected: &AccessToken) -> bool {
            self.1.unauthorized.fetch_add(1, Ordering::SeqCst);
            self.0.invalidate(rejected)
        }
    }

    pub(super) async fn run(
        config: &Config,
        store: Option<SharedState>,
        counts: Arc<Counts>,
    ) -> Vec<(u64, Result<(), Error>)> {
        let environment = Environment::custom(&config.url).unwrap();
        let refreshes = counts.clone();
        let mut provider = RefreshingTokenProvider::builder(
            RefreshToken::new(&config.refresh),
            ClientAssertion::presigned(JWT),
        )
        .environment(environment.clone())
        .refresh_margin(config.margin)
        .on_refresh(move |_| {
            refreshes.refreshes.fetch_add(1, Ordering::SeqCst);
        });
        if let Some(store) = &store {
            provider = provider.shared_state(store.clone());
        }
        let mut builder = Client::builder()
            .environment(environment)
            .token_provider(Counted(provider.build().unwrap(), counts))
            .retry_policy(RetryPolicy::none())
            .rate_limiter(RateLimiter::new(config.limit, config.per));
        if let Some(store) = store {
            builder = builder.shared_state(store);
        }
        let client = builder.build().unwrap();
        let run = config.run;
        // Two tasks share the client, as an async service's handlers would.
        let tasks: Vec<_> = (0..2)
            .map(|_| {
                let client = client.clone();
                tokio::spawn(async move {
                    let started = Instant::now();
                    let mut results = Vec::new();
                    while started.elapsed() < run {
                        let result = client.webhooks().list().await.map(drop);
                        results.push((now_ms(), result));
                    }
                    results
                })
            })
            .collect();
        let mut all = Vec::new();
        for task in tasks {
            all.extend(task.await.unwrap());
        }
        all
    }
}
