//! Benchmark 6: draining failed events through `blocking::Client::failed_events_all`,
//! 1,000 a page: events per second, and peak resident memory, which must not
//! grow with the number of events.
//!
//! The parent process starts the server; each drain runs in a child process
//! (this binary again, with `DRAIN_CHILD` set) so its peak resident memory
//! (`VmHWM`) is its own. The server honours `limit` and `created_before` (strictly
//! before, newest first), so the cursor really pages. The baseline pages with raw
//! `ureq` + `serde_json`, passing the last event's `created_at` as the next bound.

mod common;

use std::fmt::Write as _;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{RawFailedEvent, Target};
use revolut_webhooks::auth::StaticToken;
use revolut_webhooks::blocking::Client;
use revolut_webhooks::{Environment, FailedEventsQuery};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

const PAGE: usize = 1000;
const MEMORY_LIMIT_MIB: f64 = 32.0;

/// The webhook whose failed events number `count`.
fn webhook_for(count: usize) -> Uuid {
    Uuid::from_u128(0xd1a1_0000_0000_4000_8000_0000_0000_0000 | count as u128)
}

/// Event `i` (0 is the newest) was created `i` milliseconds before `newest`.
fn page(target: &str, newest: OffsetDateTime) -> Vec<u8> {
    let path = target.split('?').next().unwrap_or("");
    let Some(count) = path
        .strip_prefix("/api/2.0/webhooks/")
        .and_then(|rest| rest.strip_suffix("/failed-events"))
        .and_then(|id| Uuid::parse_str(id).ok())
        .map(|id| (id.as_u128() & 0xffff_ffff) as usize)
    else {
        return common::not_found();
    };
    let limit: usize = common::query_param(target, "limit")
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let first = match common::query_param(target, "created_before") {
        None => 0,
        Some(bound) => {
            let bound = OffsetDateTime::parse(&common::percent_decode(bound), &Rfc3339)
                .expect("created_before is RFC 3339");
            let ahead = newest - bound;
            if ahead.is_negative() {
                0
            } else {
                // The first i with newest - i ms < bound.
                (ahead.whole_nanoseconds() / 1_000_000) as usize + 1
            }
        }
    };
    let mut body = String::with_capacity(limit.min(count) * 1100 + 2);
    body.push('[');
    for i in first..count.min(first + limit) {
        if i > first {
            body.push(',');
        }
        common::write_failed_event(
            &mut body,
            i as u64,
            newest - Duration::from_millis(i as u64),
        );
    }
    body.push(']');
    common::ok_json(body.as_bytes())
}

/// In the child: drains `count` events one way, prints `events seconds peak_kib`.
fn child(how: &str, base: &str, count: usize) {
    let id = webhook_for(count);
    let start = Instant::now();
    let mut seen = 0usize;
    let mut last: Option<OffsetDateTime> = None;
    let mut check = |created_at: OffsetDateTime| {
        assert!(last.is_none_or(|l| created_at < l), "not newest first");
        last = Some(created_at);
        seen += 1;
    };
    match how {
        "crate" => {
            let client = Client::builder()
                .environment(Environment::custom(base).unwrap())
                .token_provider(StaticToken::new(common::TOKEN))
                .build()
                .unwrap();
            let query = FailedEventsQuery::new().with_limit(PAGE as u32).unwrap();
            for event in client
                .webhooks()
                .failed_events_all(id.into(), &query)
                .unwrap()
            {
                check(event.unwrap().created_at);
            }
        }
        _ => {
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .timeout_connect(Some(Duration::from_secs(10)))
                .timeout_global(Some(Duration::from_secs(30)))
                .build()
                .into();
            let url = format!("{base}/api/2.0/webhooks/{id}/failed-events");
            let auth = format!("Bearer {}", common::TOKEN);
            let mut bound: Option<String> = None;
            loop {
                let mut request = agent
                    .get(&url)
                    .header("authorization", &auth)
                    .header("accept", "application/json")
                    .query("limit", PAGE.to_string());
                if let Some(bound) = &bound {
                    request = request.query("created_before", bound);
                }
                let body = request.call().unwrap().body_mut().read_to_vec().unwrap();
                let events: Vec<RawFailedEvent> = serde_json::from_slice(&body).unwrap();
                let full = events.len() == PAGE;
                if let Some(oldest) = events.last() {
                    bound = Some(oldest.created_at.format(&Rfc3339).unwrap());
                }
                for event in events {
                    check(event.created_at);
                }
                if !full {
                    break;
                }
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(seen, count, "{how} drained {seen} of {count} events");
    println!("{seen} {secs} {}", common::peak_rss_kib().unwrap_or(0));
}

struct Drain {
    events_per_sec: f64,
    peak_kib: u64,
}

fn spawn(how: &str, base: &str, count: usize) -> Drain {
    let out = Command::new(std::env::current_exe().unwrap())
        .env("DRAIN_CHILD", how)
        .env("DRAIN_BASE", base)
        .env("DRAIN_COUNT", count.to_string())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "drain child failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut fields = text.split_whitespace();
    let seen: f64 = fields.next().unwrap().parse().unwrap();
    let secs: f64 = fields.next().unwrap().parse().unwrap();
    let peak_kib = fields.next().unwrap().parse().unwrap();
    Drain {
        events_per_sec: seen / secs,
        peak_kib,
    }
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

fn main() {
    if let Ok(how) = std::env::var("DRAIN_CHILD") {
        let base = std::env::var("DRAIN_BASE").unwrap();
        let count = std::env::var("DRAIN_COUNT").unwrap().parse().unwrap();
        child(&how, &base, count);
        return;
    }
    let rounds = if common::smoke() { 1 } else { 5 };
    common::banner("drain", rounds);
    let newest = common::recent();
    let addr = common::serve(Arc::new(move |target: &str| Arc::new(page(target, newest))));
    let base = format!("http://{addr}");
    // `BENCH_DRAIN_COUNTS=10000,1000000` drains other counts.
    let counts: Vec<usize> = match std::env::var("BENCH_DRAIN_COUNTS") {
        Ok(list) => list.split(',').map(|c| c.trim().parse().unwrap()).collect(),
        Err(_) if common::smoke() => vec![2_500],
        Err(_) => vec![10_000, 100_000],
    };
    for count in counts {
        let (mut ratios, mut ours, mut theirs) = (vec![], vec![], vec![]);
        let (mut our_peak, mut their_peak) = (0, 0);
        for round in 0..rounds {
            let (a, b) = if round % 2 == 0 {
                let a = spawn("crate", &base, count);
                (a, spawn("raw", &base, count))
            } else {
                let b = spawn("raw", &base, count);
                (spawn("crate", &base, count), b)
            };
            ratios.push(a.events_per_sec / b.events_per_sec);
            ours.push(a.events_per_sec);
            theirs.push(b.events_per_sec);
            our_peak = our_peak.max(a.peak_kib);
            their_peak = their_peak.max(b.peak_kib);
        }
        let c = common::Comparison {
            ours: common::median(&mut ours),
            base: common::median(&mut theirs),
            ratio: common::median(&mut ratios),
        };
        let mut case = String::new();
        write!(
            case,
            "drain {} events, pages of 1,000, `failed_events_all` vs ureq paging",
            common::rate(count as f64)
        )
        .unwrap();
        common::row("6", &case, "events/s", &c, Target::None);
        let met = if our_peak as f64 / 1024.0 < MEMORY_LIMIT_MIB {
            "yes"
        } else {
            "**no**"
        };
        println!(
            "| 6 | peak resident memory (VmHWM), {} events | {} | {} | - | < {MEMORY_LIMIT_MIB} MiB | {met} |",
            common::rate(count as f64),
            mib(our_peak),
            mib(their_peak),
        );
    }
}
