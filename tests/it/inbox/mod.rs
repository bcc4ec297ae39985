//! The inbox, on both engines: the behaviours are written once (`cases.rs`) and run per
//! engine by the wrappers below, on real databases (a SQLite file in a temporary
//! directory; a throw-away PostgreSQL server). Engine-specific faults (SQLite's lock, a
//! read-only file, PostgreSQL going away) and transactional handlers are in `sqlite.rs`
//! and `postgres.rs`.

mod cases;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;

use std::path::PathBuf;

/// A fresh, empty store: its store string, and what to clean up.
pub(crate) struct Store {
    pub(crate) store: String,
    dir: Option<PathBuf>,
}

impl Store {
    #[cfg(feature = "sqlite")]
    pub(crate) fn sqlite() -> Store {
        use std::sync::atomic::{AtomicU32, Ordering};
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "rw-inbox-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Store {
            store: dir.join("inbox.db").to_str().unwrap().to_owned(),
            dir: Some(dir),
        }
    }

    #[cfg(feature = "postgres")]
    pub(crate) fn postgres() -> Store {
        Store {
            store: crate::pg_cluster::database(),
            dir: None,
        }
    }

    #[cfg(feature = "sqlite")]
    pub(crate) fn dir(&self) -> &std::path::Path {
        self.dir.as_deref().expect("a SQLite store")
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// One `#[tokio::test]` per case, for an engine.
macro_rules! engine_cases {
    ($fresh:path: $($case:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                super::cases::$case($fresh()).await
            }
        )+
    };
}
pub(crate) use engine_cases;

/// Every case in `cases.rs`, for the wrappers.
macro_rules! all_cases {
    ($fresh:path) => {
        super::engine_cases!($fresh:
            accept_stores_new_and_recognises_duplicates,
            bad_bodies_are_typed_errors_and_store_nothing,
            a_handler_runs_once_and_the_event_is_done,
            failures_back_off_then_dead_letter_and_requeue,
            one_object_at_a_time_in_timestamp_order,
            a_killed_workers_lease_expires_and_another_takes_the_event,
            a_clock_jumped_back_does_not_strand_leases_or_backoffs,
            a_slow_handler_is_cut_off_at_the_end_of_its_lease,
            many_workers_never_run_one_event_twice_at_once,
            reconcile_accepts_failed_events_under_the_live_key,
            status_counts_and_oldest_pending_age,
            prune_deletes_only_old_done_events,
            a_schema_from_a_newer_version_is_refused,
            reopening_keeps_everything,
            concurrent_claims_hand_out_an_event_once,
        );
    };
}
pub(crate) use all_cases;
