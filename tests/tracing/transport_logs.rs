//! What the HTTP library logs, under the filter the README recommends.
//!
//! ureq (and ureq-proto) log through the `log` facade, which a tracing subscriber
//! receives through its `log` bridge (tracing-subscriber's default `tracing-log`):
//! at trace, ureq-proto hex-dumps every request head and body, the bearer token, the
//! refresh token and the client assertion included. The crate cannot switch that off
//! for the program (the `log` logger and its level are the program's), so the README
//! says which directives keep it out. This test installs a `log` logger that records
//! everything, makes an authenticated call and a token refresh, and checks both
//! halves: the dump is there at trace (so the check below checks something), and
//! nothing of any secret passes the recommended directives.

use std::sync::Mutex;

use httpmock::prelude::*;
use revolut_webhooks::auth::{AccessToken, ClientAssertion, RefreshToken, TokenSet};
use revolut_webhooks::blocking::{Client, RefreshingTokenProvider};
use revolut_webhooks::{Environment, ManualClock};
use time::macros::datetime;

/// The README's directives (Security, "Logs of other crates"), appended to a
/// `RUST_LOG` that turns everything else up to trace.
const RECOMMENDED: &str =
    "trace,ureq=warn,ureq_proto=warn,rustls=warn,reqwest=warn,hyper=warn,hyper_util=warn";

const ACCESS: &str = "oa_sand_Qm4TxR8vLk2Wp9Zc7Yb3Nd6Hf1Jg5Ks";
const NEW_ACCESS: &str = "oa_sand_Vr2Bn8Xq5Mw3Lt9Ps6Kd1Hz4Gc7Fj0Ay";
const REFRESH: &str = "oa_sand_Ew7Ru3Ti9Yo2Pa6Sd4Fg8Hj1Kl5Zx0Cv";
const JWT: &str =
    "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0cmFuc3BvcnQtbG9nIn0.dHJhbnNwb3J0TE9Hc2lnbmF0dXJl";
/// The secrets without the start every token of their kind shares (`oa_sand_`,
/// a JWT's header), which is no secret.
fn secrets() -> [&'static str; 4] {
    [&ACCESS[8..], &NEW_ACCESS[8..], &REFRESH[8..], &JWT[21..]]
}

struct Record {
    target: String,
    level: log::Level,
    text: String,
}

static RECORDS: Mutex<Vec<Record>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        let record = Record {
            target: record.target().to_owned(),
            level: record.level(),
            text: record.args().to_string(),
        };
        RECORDS
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(record);
    }

    fn flush(&self) {}
}

/// Whether `directives` (`RUST_LOG` syntax: a bare level, then `target=level`, the
/// longest matching target prefix deciding, as tracing-subscriber's `EnvFilter`
/// and `env_logger` do) let a record through.
fn passes(directives: &str, target: &str, level: log::Level) -> bool {
    let mut best: Option<(usize, log::LevelFilter)> = None;
    for directive in directives.split(',') {
        let (prefix, max) = directive.split_once('=').unwrap_or(("", directive));
        let max: log::LevelFilter = max.parse().unwrap();
        if target.starts_with(prefix) && best.is_none_or(|(len, _)| prefix.len() >= len) {
            best = Some((prefix.len(), max));
        }
    }
    best.is_some_and(|(_, max)| level <= max)
}

/// Lower-case hex of `bytes`, as ureq-proto's dump writes them (spaces aside).
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The first piece of a secret `text` holds: 6 characters in clear, or 4 bytes in
/// hex (however the dump spaces them).
fn piece_of_a_secret(text: &str) -> Option<String> {
    let packed: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    secrets().iter().find_map(|secret| {
        let clear = secret.as_bytes().windows(6).find_map(|w| {
            let w = std::str::from_utf8(w).unwrap();
            text.contains(w).then(|| w.to_owned())
        });
        clear.or_else(|| {
            secret
                .as_bytes()
                .windows(4)
                .map(hex)
                .find(|h| packed.contains(h.as_str()))
        })
    })
}

#[test]
fn the_recommended_directives_keep_every_secret_out_of_the_transports_logs() {
    log::set_logger(&Capture).unwrap();
    log::set_max_level(log::LevelFilter::Trace);

    let server = MockServer::start();
    let environment = Environment::custom(&server.base_url()).unwrap();
    server.mock(|when, then| {
        when.method(GET)
            .path("/api/2.0/webhooks")
            .header("authorization", format!("Bearer {ACCESS}"));
        then.status(401)
            .body(r#"{"code":1000,"message":"Access token is invalid or has expired."}"#);
    });
    server.mock(|when, then| {
        when.method(GET)
            .path("/api/2.0/webhooks")
            .header("authorization", format!("Bearer {NEW_ACCESS}"));
        then.status(200).body("[]");
    });
    server.mock(|when, then| {
        when.method(POST).path("/api/1.0/auth/token");
        then.status(200)
            .header("content-type", "application/json")
            .body(format!(
                r#"{{"access_token":"{NEW_ACCESS}","refresh_token":"{REFRESH}","token_type":"bearer","expires_in":2400}}"#
            ));
    });
    let start = datetime!(2026-11-25 12:00 UTC);
    let provider = RefreshingTokenProvider::builder(
        RefreshToken::new(REFRESH),
        ClientAssertion::presigned(JWT),
    )
    .environment(environment.clone())
    .clock(ManualClock::new(start))
    .tokens(TokenSet::new(
        AccessToken::new(ACCESS),
        RefreshToken::new(REFRESH),
        start + time::Duration::minutes(40),
    ))
    .build()
    .unwrap();
    let client = Client::builder()
        .environment(environment)
        .token_provider(provider)
        .build()
        .unwrap();
    client.webhooks().list().unwrap();

    let records = std::mem::take(&mut *RECORDS.lock().unwrap());
    // The test's own server is not part of a program's transport.
    let transport: Vec<&Record> = records
        .iter()
        .filter(|r| !r.target.starts_with("httpmock"))
        .collect();
    let dumped = transport
        .iter()
        .filter(|r| passes("trace", &r.target, r.level))
        .find_map(|r| piece_of_a_secret(&r.text).map(|p| (r.target.clone(), p)));
    assert!(
        dumped.is_some(),
        "at trace the transport no longer logs what it sends: revisit the README's advice"
    );
    for record in transport
        .iter()
        .filter(|r| passes(RECOMMENDED, &r.target, r.level))
    {
        assert_eq!(
            piece_of_a_secret(&record.text),
            None,
            "{} {}: {}",
            record.level,
            record.target,
            record.text
        );
    }
}

#[test]
fn directives_are_read_as_rust_log_reads_them() {
    assert!(passes(
        RECOMMENDED,
        "revolut_webhooks::api",
        log::Level::Trace
    ));
    assert!(passes(RECOMMENDED, "my_app", log::Level::Trace));
    assert!(passes(RECOMMENDED, "ureq::run", log::Level::Warn));
    for target in [
        "ureq::run",
        "ureq_proto::util",
        "rustls::client",
        "reqwest::connect",
    ] {
        assert!(!passes(RECOMMENDED, target, log::Level::Info), "{target}");
    }
    assert!(!passes("warn", "anything", log::Level::Info));
    assert!(passes(
        "ureq=warn,ureq_proto=trace",
        "ureq_proto::util",
        log::Level::Trace
    ));
}
