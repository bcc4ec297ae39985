//! Benchmark 7: a fleet of 4 processes of one business (2 blocking, 2 async: this
//! binary again, with `FLEET_WORKER` set) against the strict emulator, whose
//! refresh revokes older tokens and which enforces the rate limit, with short-lived
//! tokens: without a shared state, then with a shared file and a shared PostgreSQL
//! database. Reports refreshes, 401s, 429s, the busiest window and the throughput
//! over the limit's rate (target ≥ 0.9 with a store). `BENCH_SMOKE=1`: one short
//! lifetime, briefly.

#[path = "../tests/it/fleet/harness.rs"]
mod harness;
#[path = "../tests/it/pg_cluster.rs"]
mod pg_cluster;

use std::path::PathBuf;
use std::time::Duration;

use harness::{Report, Settings};

fn smoke() -> bool {
    std::env::var("BENCH_SMOKE").is_ok_and(|v| !v.is_empty() && v != "0")
        || std::env::args().any(|a| a == "--smoke")
}

fn main() {
    if harness::worker() {
        return;
    }
    let smoke = smoke();
    let exe = std::env::current_exe().unwrap();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench-fleet");
    let cluster = pg_cluster::Cluster::start(pg_cluster::ClusterOptions { durable: true });
    let lifetimes: &[u64] = if smoke { &[2] } else { &[2, 4, 8] };
    println!("| bench | case | this crate | baseline | ratio | target | met |");
    println!("|---|---|--:|--:|--:|--:|---|");
    for &lifetime in lifetimes {
        let settings = Settings {
            lifetime: Duration::from_secs(lifetime),
            // Three lifetimes (one in smoke mode).
            run: Duration::from_secs(if smoke { lifetime } else { 3 * lifetime }),
            limit: 20,
            per: Duration::from_secs(1),
        };
        let url = cluster.new_database();
        for (name, store) in [
            ("no shared state", None),
            ("shared file", Some("file")),
            ("shared PostgreSQL", Some(url.as_str())),
        ] {
            let report = harness::measure(&exe, &[], store, &settings, &dir);
            row(name, store.is_some(), &settings, &report, smoke);
        }
    }
}

fn row(name: &str, shared: bool, settings: &Settings, report: &Report, smoke: bool) {
    let ratio = report.throughput / report.limit_rate;
    let (target, met) = if shared {
        let met = report.rate_limited == 0
            && report.refreshes <= settings.refresh_bound()
            && ratio >= 0.9;
        (
            "≥ 0.9",
            if smoke {
                "(smoke)"
            } else if met {
                "yes"
            } else {
                "**no**"
            },
        )
    } else {
        ("-", "-")
    };
    println!(
        "| 7 | fleet of 4, {name}, {} s tokens, {} s: {} refreshes (bound {}), {} × 401, {} × 429, {} other errors, busiest window {}/{} | {:.1} req/s | {:.1} req/s (limit) | {:.3} | {target} | {met} |",
        settings.lifetime.as_secs(),
        settings.run.as_secs(),
        report.refreshes,
        settings.refresh_bound(),
        report.unauthorized,
        report.rate_limited,
        report.other_errors,
        report.busiest_window,
        settings.limit,
        report.throughput,
        report.limit_rate,
        ratio,
    );
}
