//! Shared by the benchmarks: the timing loop, the report rows, a small local
//! HTTP/1.1 server, and the fixtures it serves.
//!
//! Every benchmark prints its results as Markdown table rows
//! (`| bench | case | this crate | baseline | ratio | target | met |`);
//! `scripts/bench` runs every bench target and gathers those rows into one table.
#![allow(dead_code)] // each bench uses a different part of this module

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use time::OffsetDateTime;
use uuid::Uuid;

// ---------------------------------------------------------------------------
// Settings

/// Smoke mode: every case runs once or twice, to prove the bench works, in a
/// second or so. Set `BENCH_SMOKE=1` or pass `--smoke`.
pub(crate) fn smoke() -> bool {
    std::env::var("BENCH_SMOKE").is_ok_and(|v| !v.is_empty() && v != "0")
        || std::env::args().any(|a| a == "--smoke")
}

/// Timed rounds per case (`BENCH_ROUNDS`, default 15; 1 in smoke mode).
pub(crate) fn rounds() -> usize {
    if smoke() {
        return 1;
    }
    std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(15)
}

/// How long one timed batch should take (`BENCH_BATCH_MS`, default 60 ms).
fn batch_target() -> Duration {
    let ms = std::env::var("BENCH_BATCH_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    Duration::from_millis(ms)
}

/// Prints what kind of run this is, once per bench binary.
pub(crate) fn banner(bench: &str, rounds: usize) {
    let mode = if smoke() { "smoke" } else { "full" };
    let build = if cfg!(debug_assertions) {
        "an unoptimised build: ratios mean nothing"
    } else {
        "optimised"
    };
    eprintln!("# {bench}: {mode} run, {build}, {rounds} rounds");
}

// ---------------------------------------------------------------------------
// Timing

/// The target a ratio must reach (this crate's throughput over the baseline's).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Target {
    AtLeast(f64),
    None,
}

/// The result of comparing this crate with a baseline.
pub(crate) struct Comparison {
    /// Operations per second, this crate.
    pub ours: f64,
    /// Operations per second, the baseline.
    pub base: f64,
    /// Median over rounds of (baseline time / our time) for the same work.
    pub ratio: f64,
}

/// Times two ways of doing the same work. Each closure does `n` operations.
///
/// Calibrates `n` so a batch takes about 60 ms, warms both up, then runs
/// `rounds()` rounds; each round times one batch of each, alternating which
/// goes first, and yields the ratio of the two times. The median ratio is
/// reported, so a hiccup of the machine in one round does not move it.
pub(crate) fn compare(mut ours: impl FnMut(u64), mut base: impl FnMut(u64)) -> Comparison {
    let time = |f: &mut dyn FnMut(u64), n: u64| {
        let start = Instant::now();
        f(n);
        start.elapsed()
    };
    if smoke() {
        let a = time(&mut ours, 1);
        let b = time(&mut base, 1);
        return Comparison {
            ours: 1.0 / a.as_secs_f64(),
            base: 1.0 / b.as_secs_f64(),
            ratio: b.as_secs_f64() / a.as_secs_f64(),
        };
    }
    // Calibrate on our side, doubling until one batch is long enough.
    let target = batch_target();
    let mut n = 1u64;
    loop {
        let t = time(&mut ours, n).max(time(&mut base, n));
        if t >= target / 2 || n >= 1 << 30 {
            let per = t.as_secs_f64() / n as f64;
            n = ((target.as_secs_f64() / per).ceil() as u64).max(1);
            break;
        }
        n *= 2;
    }
    // Warm-up: a few batches of each, alternating.
    for _ in 0..3 {
        time(&mut ours, n);
        time(&mut base, n);
    }
    let rounds = rounds();
    let (mut ratios, mut ours_rates, mut base_rates) = (vec![], vec![], vec![]);
    for round in 0..rounds {
        let (a, b) = if round % 2 == 0 {
            let a = time(&mut ours, n);
            (a, time(&mut base, n))
        } else {
            let b = time(&mut base, n);
            (time(&mut ours, n), b)
        };
        ratios.push(b.as_secs_f64() / a.as_secs_f64());
        ours_rates.push(n as f64 / a.as_secs_f64());
        base_rates.push(n as f64 / b.as_secs_f64());
    }
    Comparison {
        ours: median(&mut ours_rates),
        base: median(&mut base_rates),
        ratio: median(&mut ratios),
    }
}

pub(crate) fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

// ---------------------------------------------------------------------------
// Reporting

/// The header of the table every bench prints rows of.
pub(crate) const HEADER: &str = "| bench | case | this crate | baseline | ratio | target | met |\n|---|---|--:|--:|--:|--:|---|";

/// Prints one row. `unit` names what a rate counts (`calls/s`, `pages/s`, …).
pub(crate) fn row(bench: &str, case: &str, unit: &str, c: &Comparison, target: Target) {
    let (target_text, met) = match target {
        Target::AtLeast(t) => (
            format!("≥ {t}"),
            if smoke() {
                "(smoke)"
            } else if c.ratio >= t {
                "yes"
            } else {
                "**no**"
            },
        ),
        Target::None => ("-".to_owned(), "-"),
    };
    println!(
        "| {bench} | {case} | {} {unit} | {} {unit} | {:.3} | {target_text} | {met} |",
        rate(c.ours),
        rate(c.base),
        c.ratio
    );
}

/// A rate with three significant digits and a thousands separator.
pub(crate) fn rate(r: f64) -> String {
    let digits = if r >= 100.0 {
        0
    } else if r >= 10.0 {
        1
    } else {
        2
    };
    let text = format!("{r:.digits$}");
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let mut out = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    out
}

// ---------------------------------------------------------------------------
// The local server

/// Answers a request target (`/path?query`) with a complete HTTP response.
pub(crate) type Handler = dyn Fn(&str) -> Arc<Vec<u8>> + Send + Sync;

/// Starts an HTTP/1.1 keep-alive server on 127.0.0.1, one thread per connection.
/// It lives until the process ends.
pub(crate) fn serve(handler: Arc<Handler>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let handler = handler.clone();
            std::thread::spawn(move || {
                let _ = connection(stream, &*handler);
            });
        }
    });
    addr
}

fn connection(mut stream: TcpStream, handler: &Handler) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    loop {
        let end = loop {
            if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break pos + 4;
            }
            let n = stream.read(&mut chunk)?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = std::str::from_utf8(&buf[..end]).unwrap_or("");
        let target = head.split(' ').nth(1).unwrap_or("/").to_owned();
        // Requests here carry no body (GET), so the head is the whole request.
        buf.drain(..end);
        let response = handler(&target);
        stream.write_all(&response)?;
    }
}

/// A complete `200 OK` response with a JSON body.
pub(crate) fn ok_json(body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

pub(crate) fn not_found() -> Vec<u8> {
    b"HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: 36\r\n\r\n{\"code\":404,\"message\":\"not found\"}\n".to_vec()
}

/// The value of `key` in a request target's query, not decoded.
pub(crate) fn query_param<'a>(target: &'a str, key: &str) -> Option<&'a str> {
    let query = target.split_once('?')?.1;
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == key).then_some(v)
    })
}

/// Undoes percent-encoding (enough for the timestamps the client sends).
pub(crate) fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(b) = u8::from_str_radix(hex, 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

// ---------------------------------------------------------------------------
// Fixtures

pub(crate) const TOKEN: &str = "oa_sand_benchmark_token_0123456789abcdef";
pub(crate) const WEBHOOK_ID: Uuid = Uuid::from_u128(0x6f1f_0000_4000_8000_0000_0000_0000_00aa);

/// `GET /webhooks` with `n` webhooks.
pub(crate) fn webhooks_json(n: usize) -> Vec<u8> {
    let mut out = String::from("[");
    for i in 0..n {
        if i > 0 {
            out.push(',');
        }
        write!(
            out,
            r#"{{"id":"{}","url":"https://example.com/hooks/revolut/{i}","events":["TransactionCreated","TransactionStateChanged"]}}"#,
            Uuid::from_u128(0x1000 + i as u128)
        )
        .unwrap();
    }
    out.push(']');
    out.into_bytes()
}

/// RFC 3339 in UTC with six fractional digits, as Revolut writes times.
pub(crate) fn rfc3339(t: OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    )
}

/// One failed event of about 1 KB, shaped like the API's example (a transfer).
pub(crate) fn write_failed_event(out: &mut String, n: u64, created_at: OffsetDateTime) {
    let created = rfc3339(created_at);
    let updated = rfc3339(created_at + time::Duration::milliseconds(237));
    let id = Uuid::from_u128(0xfe00_0000_0000_4000_8000_0000_0000_0000 | u128::from(n));
    let tx = Uuid::from_u128(0x63d2_a8bd_8b67_a2de_b1d2_0000_0000_0000 | u128::from(n));
    write!(
        out,
        concat!(
            r#"{{"id":"{id}","created_at":"{created}","updated_at":"{updated}","webhook_id":"{hook}","#,
            r#""webhook_url":"https://example.com/hooks/revolut","last_sent_date":"{updated}","#,
            r#""payload":{{"event":"TransactionCreated","timestamp":"{created}","data":{{"id":"{tx}","#,
            r#""type":"transfer","state":"pending","request_id":"6a8b2ad9-d8b9-4348-9207-1c5737ccf11b","#,
            r#""created_at":"{created}","updated_at":"{created}","completed_at":null,"#,
            r#""reference":"Invoice {n} for consulting services, October","#,
            r#""legs":[{{"leg_id":"63d2a8bd-8b67-a2de-0000-b58ee21d7073","account_id":"05018b0d-e67c-4fec-bea6-415e9da9432c","#,
            r#""counterparty":{{"id":"7e18625a-3e6c-4d4f-8429-216c25309a5f","account_id":"ff29e658-f07f-4d81-bc0f-7ad0ff141357","account_type":"external"}},"#,
            r#""amount":-1250.75,"fee":0.2,"currency":"GBP","bill_amount":-1250.75,"bill_currency":"GBP","#,
            r#""description":"To Acme Corp Ltd","balance":48211.09}}],"#,
            r#""merchant":{{"name":"Acme Corp Ltd","city":"London","category_code":"7392","country":"GBR"}},"#,
            r#""card":{{"card_number":"459678******5342","first_name":"John","last_name":"Doe","phone":"+447700900123"}}}}}}}}"#,
        ),
        id = id,
        created = created,
        updated = updated,
        tx = tx,
        n = n,
        hook = WEBHOOK_ID,
    )
    .unwrap();
}

/// A JSON array of `n` failed events, newest first, a millisecond apart.
pub(crate) fn failed_events_json(n: usize, newest: OffsetDateTime) -> Vec<u8> {
    let mut out = String::with_capacity(n * 1100 + 2);
    out.push('[');
    for i in 0..n {
        if i > 0 {
            out.push(',');
        }
        write_failed_event(
            &mut out,
            i as u64,
            newest - time::Duration::milliseconds(i as i64),
        );
    }
    out.push(']');
    out.into_bytes()
}

/// A recent instant on a whole microsecond, as Revolut's times are.
pub(crate) fn recent() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc() - time::Duration::minutes(5);
    now - time::Duration::nanoseconds(i64::from(now.nanosecond() % 1000))
}

// ---------------------------------------------------------------------------
// Models a user would write by hand for the raw baselines: the same fields and
// types as the crate's, straight from serde.

#[derive(Debug, serde::Deserialize)]
pub(crate) struct RawWebhook {
    pub id: Uuid,
    pub url: String,
    #[serde(default)]
    pub events: Vec<RawEventType>,
}

#[derive(Debug, serde::Deserialize)]
pub(crate) enum RawEventType {
    TransactionCreated,
    TransactionStateChanged,
    PayoutLinkCreated,
    PayoutLinkStateChanged,
    #[serde(other)]
    Unknown,
}

#[derive(Debug, serde::Deserialize)]
pub(crate) struct RawFailedEvent {
    pub id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub webhook_id: Uuid,
    pub webhook_url: String,
    pub payload: Box<serde_json::value::RawValue>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_sent_date: Option<OffsetDateTime>,
}

/// Peak resident memory of this process (`VmHWM`), in KiB.
pub(crate) fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}
