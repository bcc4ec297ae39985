//! The fleet measured: 4 processes of one business (2 blocking, 2 async, each a child
//! run of this test binary) against the strict emulator with 2-second tokens,
//! without a shared state and with one of each engine. The numbers go to stdout
//! (`--nocapture`); BENCHMARKS.md has the benchmark's.

pub(crate) mod harness;

use std::path::PathBuf;
use std::time::Duration;

use harness::{Report, Settings};

/// The child's entry point: a worker when `FLEET_WORKER` is set, else nothing.
#[test]
fn worker() {
    harness::worker();
}

fn settings() -> Settings {
    Settings {
        lifetime: Duration::from_secs(2),
        run: Duration::from_secs(5),
        limit: 10,
        per: Duration::from_secs(1),
    }
}

fn run(store: Option<&str>) -> Report {
    let exe = std::env::current_exe().unwrap();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fleet");
    let report = harness::measure(
        &exe,
        &[
            "--exact",
            "fleet::worker",
            "--nocapture",
            "--test-threads",
            "1",
        ],
        store,
        &settings(),
        &dir,
    );
    println!("fleet, store {store:?}: {report:?}");
    report
}

/// The guarantees with a store; the numbers depend on the machine, the bounds do not.
fn assert_fleet_holds(report: &Report) {
    let settings = settings();
    // Never over the limit: the emulator, which enforces it, refused nothing.
    assert_eq!(report.rate_limited, 0, "{report:?}");
    // One refresh per token lifetime, for all 4 processes together.
    assert!(report.refreshes <= settings.refresh_bound(), "{report:?}");
    // No 401 loop: a 401 is answered from the store, at most one per refresh.
    assert!(report.unauthorized <= report.refreshes, "{report:?}");
    assert_eq!(report.other_errors, 0, "{report:?}");
    assert!(report.ok > 0, "{report:?}");
}

#[test]
fn a_fleet_with_a_shared_file_refreshes_once_per_lifetime_and_stays_in_budget() {
    assert_fleet_holds(&run(Some("file")));
}

#[cfg(feature = "postgres")]
#[test]
fn a_fleet_with_a_shared_database_refreshes_once_per_lifetime_and_stays_in_budget() {
    let url = crate::pg_cluster::database();
    assert_fleet_holds(&run(Some(&url)));
}

#[test]
fn a_fleet_without_a_shared_state_logs_itself_out_and_overspends() {
    let report = run(None);
    // Each process refreshes for itself, each refresh revokes the others' token,
    // and 4 budgets meet one limit.
    assert!(report.refreshes >= 4, "{report:?}");
    assert!(
        report.unauthorized > 0 || report.rate_limited > 0,
        "{report:?}"
    );
}
