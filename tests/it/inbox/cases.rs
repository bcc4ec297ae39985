//! The inbox's behaviours, written once; `sqlite.rs` and `postgres.rs` run each on its
//! engine. Time is a `ManualClock` wherever a lease or a backoff matters.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use revolut_webhooks::events::DeliveryKey;
use revolut_webhooks::inbox::{
    Accepted, HandlerError, Inbox, InboxError, InboxEvent, InboxOptions, Outcome, handler_fn,
};
use revolut_webhooks::{FailedEvent, ManualClock};
use time::macros::datetime;

use super::Store;

const T0: time::OffsetDateTime = datetime!(2026-03-01 12:00 UTC);

pub(crate) fn state_change(id: &str, ts: &str, old: &str, new: &str) -> String {
    format!(
        r#"{{"data":{{"id":"{id}","new_state":"{new}","old_state":"{old}"}},"event":"TransactionStateChanged","timestamp":"{ts}"}}"#
    )
}

fn clocked(clock: &ManualClock) -> InboxOptions {
    InboxOptions::default()
        .with_clock(Arc::new(clock.clone()))
        .with_lease(Duration::from_secs(30))
        .with_backoff(Duration::from_secs(1), Duration::from_secs(60))
        .with_max_attempts(3)
}

async fn open(store: &Store, options: InboxOptions) -> Inbox {
    Inbox::open_with(&store.store, options)
        .await
        .unwrap_or_else(|e| panic!("open {}: {e}", store.store))
}

/// Runs a statement on the inbox's own database.
pub(crate) async fn exec(inbox: &Inbox, sql: &str) {
    match inbox {
        #[cfg(feature = "sqlite")]
        Inbox::Sqlite(s) => {
            sqlx::raw_sql(sql).execute(s.pool()).await.unwrap();
        }
        #[cfg(feature = "postgres")]
        Inbox::Postgres(p) => {
            sqlx::raw_sql(sql).execute(p.pool()).await.unwrap();
        }
        _ => unreachable!(),
    }
}

fn ok() -> impl revolut_webhooks::inbox::Handler {
    handler_fn(|_: InboxEvent| async { Ok::<(), HandlerError>(()) })
}

pub(crate) async fn accept_stores_new_and_recognises_duplicates(store: Store) {
    let inbox = open(&store, InboxOptions::default()).await;
    let live = state_change(
        "tx-1",
        "2026-03-01T12:00:00.123456Z",
        "pending",
        "completed",
    );
    let retry = r#"{ "timestamp": "2026-03-01T12:00:00.123456+00:00", "event": "TransactionStateChanged",
        "data": { "old_state": "pending", "new_state": "completed", "id": "tx-1" } }"#;
    let first = inbox.accept(live.as_bytes()).await.unwrap();
    assert_eq!(
        first,
        Accepted::New {
            key: DeliveryKey::from_body(live.as_bytes()).unwrap()
        }
    );
    let again = inbox.accept(retry.as_bytes()).await.unwrap();
    assert_eq!(
        again,
        Accepted::Duplicate {
            key: first.key().clone()
        }
    );
    assert!(!inbox.accept(live.as_bytes()).await.unwrap().is_new());
    // The other state change of the same transaction is another event.
    let next = state_change(
        "tx-1",
        "2026-03-01T12:00:00.123456Z",
        "completed",
        "reverted",
    );
    assert!(inbox.accept(next.as_bytes()).await.unwrap().is_new());
    let status = inbox.status().await.unwrap();
    assert_eq!((status.received, status.pending), (2, 2));
    // What was stored is the body as accepted, byte for byte.
    let claim = inbox.claim().await.unwrap().unwrap();
    assert_eq!(claim.event().body, live.as_bytes());
    assert_eq!(claim.event().object_id.as_deref(), Some("tx-1"));
    assert_eq!(claim.event().event_type, "TransactionStateChanged");
    assert_eq!(
        claim.event().timestamp,
        datetime!(2026-03-01 12:00:00.123456 UTC)
    );
}

pub(crate) async fn bad_bodies_are_typed_errors_and_store_nothing(store: Store) {
    let inbox = open(&store, InboxOptions::default().with_max_body(1024)).await;
    for bad in [
        &b"not json"[..],
        b"",
        b"{}",
        b"[1,2]",
        br#"{"event":"TransactionStateChanged","timestamp":"2026-03-01T12:00:00Z","data":{}}"#,
        br#"{"event":"TransactionStateChanged","timestamp":"yesterday","data":{"id":"x"}}"#,
        b"\xff\xfe{",
    ] {
        let error = inbox.accept(bad).await.unwrap_err();
        assert!(matches!(error, InboxError::InvalidEvent(_)), "{error:?}");
        assert!(error.is_bad_delivery());
    }
    let huge = format!(
        r#"{{"event":"CardCreated","timestamp":"2026-03-01T12:00:00Z","data":{{"id":"c","pad":"{}"}}}}"#,
        "x".repeat(2000)
    );
    let error = inbox.accept(huge.as_bytes()).await.unwrap_err();
    assert!(
        matches!(error, InboxError::BodyTooLarge { size, limit: 1024 } if size == huge.len()),
        "{error:?}"
    );
    assert!(error.is_bad_delivery());
    assert_eq!(inbox.status().await.unwrap().received, 0);
}

pub(crate) async fn a_handler_runs_once_and_the_event_is_done(store: Store) {
    let inbox = open(&store, InboxOptions::default()).await;
    let body = state_change("tx-2", "2026-03-01T12:00:00Z", "pending", "completed");
    let key = inbox.accept(body.as_bytes()).await.unwrap().key().clone();
    let calls = Arc::new(AtomicU32::new(0));
    let seen = calls.clone();
    let expected = body.clone();
    let handler = handler_fn(move |event: InboxEvent| {
        let seen = seen.clone();
        let expected = expected.clone();
        async move {
            seen.fetch_add(1, Ordering::SeqCst);
            assert_eq!(event.body, expected.as_bytes());
            assert_eq!(event.attempt, 1);
            assert!(event.event().is_ok());
            Ok::<(), HandlerError>(())
        }
    });
    let processed = inbox.process_one(&handler).await.unwrap().unwrap();
    assert_eq!((processed.key, processed.outcome), (key, Outcome::Done));
    assert_eq!(inbox.process_one(&handler).await.unwrap(), None);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // A duplicate of a done event is recognised, and not processed again.
    assert!(!inbox.accept(body.as_bytes()).await.unwrap().is_new());
    assert_eq!(inbox.process_one(&handler).await.unwrap(), None);
    let status = inbox.status().await.unwrap();
    assert_eq!((status.pending, status.done, status.received), (0, 1, 1));
    assert_eq!(status.oldest_pending_age, None);
}

pub(crate) async fn failures_back_off_then_dead_letter_and_requeue(store: Store) {
    let clock = ManualClock::new(T0);
    let inbox = open(&store, clocked(&clock)).await;
    let body = state_change("tx-3", "2026-03-01T12:00:00Z", "pending", "completed");
    let key = inbox.accept(body.as_bytes()).await.unwrap().key().clone();
    let failing = handler_fn(|event: InboxEvent| async move {
        Err::<(), HandlerError>(format!("boom on attempt {}", event.attempt).into())
    });
    let first = inbox.process_one(&failing).await.unwrap().unwrap();
    assert_eq!(
        first.outcome,
        Outcome::Retry {
            after: Duration::from_secs(1),
            error: "boom on attempt 1".into()
        }
    );
    // Not before its backoff.
    assert_eq!(inbox.process_one(&failing).await.unwrap(), None);
    clock.advance(time::Duration::milliseconds(999));
    assert_eq!(inbox.process_one(&failing).await.unwrap(), None);
    clock.advance(time::Duration::milliseconds(1));
    let second = inbox.process_one(&failing).await.unwrap().unwrap();
    assert!(
        matches!(&second.outcome, Outcome::Retry { after, .. } if *after == Duration::from_secs(2)),
        "{second:?}"
    );
    clock.advance(time::Duration::seconds(2));
    let third = inbox.process_one(&failing).await.unwrap().unwrap();
    assert_eq!(
        third.outcome,
        Outcome::Dead {
            error: "boom on attempt 3".into()
        }
    );
    // Dead: never handed out again, never dropped.
    clock.advance(time::Duration::hours(1));
    assert_eq!(inbox.process_one(&failing).await.unwrap(), None);
    let status = inbox.status().await.unwrap();
    assert_eq!((status.dead, status.pending, status.received), (1, 0, 1));
    let dead = inbox.dead_letters(10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].event.key, key);
    assert_eq!(dead[0].event.attempt, 3);
    assert_eq!(dead[0].last_error.as_deref(), Some("boom on attempt 3"));
    assert_eq!(dead[0].event.body, body.as_bytes());
    // Re-queued with a fresh count of attempts.
    assert!(inbox.requeue(&key).await.unwrap());
    assert!(!inbox.requeue(&key).await.unwrap(), "no longer dead");
    let done = inbox.process_one(&ok()).await.unwrap().unwrap();
    assert_eq!(done.outcome, Outcome::Done);
    let status = inbox.status().await.unwrap();
    assert_eq!((status.dead, status.done), (0, 1));
    assert_eq!(inbox.requeue_all_dead().await.unwrap(), 0);
}

pub(crate) async fn one_object_at_a_time_in_timestamp_order(store: Store) {
    let clock = ManualClock::new(T0);
    let inbox = open(&store, clocked(&clock)).await;
    // The later change arrives first (a retry overtook it).
    let later = state_change("tx-4", "2026-03-01T12:00:02Z", "pending", "completed");
    let earlier = state_change("tx-4", "2026-03-01T12:00:01Z", "created", "pending");
    let other = state_change("tx-5", "2026-03-01T12:00:03Z", "pending", "completed");
    for body in [&later, &earlier, &other] {
        assert!(inbox.accept(body.as_bytes()).await.unwrap().is_new());
    }
    let first = inbox.claim().await.unwrap().unwrap();
    assert_eq!(first.event().body, earlier.as_bytes());
    // tx-4's later event waits while its earlier one is held; tx-5 does not.
    let second = inbox.claim().await.unwrap().unwrap();
    assert_eq!(second.event().body, other.as_bytes());
    assert!(inbox.claim().await.unwrap().is_none());
    // A failed earlier event still holds the later one back (order), until it is done.
    assert!(matches!(
        inbox.fail(&first, "not yet").await.unwrap(),
        Outcome::Retry { .. }
    ));
    clock.advance(time::Duration::milliseconds(500));
    assert!(inbox.claim().await.unwrap().is_none());
    clock.advance(time::Duration::milliseconds(500));
    let retried = inbox.claim().await.unwrap().unwrap();
    assert_eq!(retried.event().body, earlier.as_bytes());
    assert!(inbox.complete(&retried).await.unwrap());
    let third = inbox.claim().await.unwrap().unwrap();
    assert_eq!(third.event().body, later.as_bytes());
    // An event of the object that arrives while another is in progress waits too, even
    // with an earlier timestamp.
    let late_arrival = state_change("tx-4", "2026-03-01T12:00:00Z", "none", "created");
    assert!(
        inbox
            .accept(late_arrival.as_bytes())
            .await
            .unwrap()
            .is_new()
    );
    assert!(inbox.claim().await.unwrap().is_none());
    assert!(inbox.complete(&third).await.unwrap());
    let fourth = inbox.claim().await.unwrap().unwrap();
    assert_eq!(fourth.event().body, late_arrival.as_bytes());
}

pub(crate) async fn a_killed_workers_lease_expires_and_another_takes_the_event(store: Store) {
    let clock = ManualClock::new(T0);
    let inbox = open(&store, clocked(&clock)).await;
    let body = state_change("tx-6", "2026-03-01T12:00:00Z", "pending", "completed");
    inbox.accept(body.as_bytes()).await.unwrap();
    // Worker A claims it and is "killed": it never finishes.
    let a = inbox.claim().await.unwrap().unwrap();
    assert_eq!(a.event().attempt, 1);
    clock.advance(time::Duration::seconds(29));
    assert!(inbox.claim().await.unwrap().is_none(), "still leased");
    clock.advance(time::Duration::seconds(1));
    let b = inbox.claim().await.unwrap().expect("the lease ended");
    assert_eq!(b.event().key, a.event().key);
    assert_eq!(b.event().attempt, 2);
    // A comes back late: it records nothing.
    assert!(!inbox.complete(&a).await.unwrap());
    assert_eq!(inbox.fail(&a, "late").await.unwrap(), Outcome::LeaseLost);
    assert!(inbox.complete(&b).await.unwrap());
    let status = inbox.status().await.unwrap();
    assert_eq!((status.done, status.pending), (1, 0));
}

pub(crate) async fn a_clock_jumped_back_does_not_strand_leases_or_backoffs(store: Store) {
    let clock = ManualClock::new(T0 + time::Duration::hours(1));
    let inbox = open(&store, clocked(&clock)).await;
    let leased = state_change("tx-7", "2026-03-01T12:00:00Z", "pending", "completed");
    let backing_off = state_change("tx-8", "2026-03-01T12:00:00Z", "pending", "completed");
    inbox.accept(leased.as_bytes()).await.unwrap();
    inbox.accept(backing_off.as_bytes()).await.unwrap();
    let a = inbox.claim().await.unwrap().unwrap();
    assert_eq!(a.event().body, leased.as_bytes());
    let b = inbox.claim().await.unwrap().unwrap();
    assert!(matches!(
        inbox.fail(&b, "x").await.unwrap(),
        Outcome::Retry { .. }
    ));
    // The clock jumps back an hour: a lease or backoff that would now last an hour more
    // than it can was granted by the clock before the jump, and is over.
    clock.set(T0);
    let mut keys = HashSet::new();
    for _ in 0..2 {
        let c = inbox.claim().await.unwrap().expect("not stranded");
        keys.insert(c.event().key.clone());
    }
    assert_eq!(keys.len(), 2);
    // A jump forward ends leases, as time passing does.
    let jumped = ManualClock::new(T0);
    let inbox = open(&store, clocked(&jumped)).await;
    inbox
        .accept(state_change("tx-9", "2026-03-01T12:00:00Z", "a", "b").as_bytes())
        .await
        .unwrap();
    let held = loop {
        let c = inbox.claim().await.unwrap().unwrap();
        if c.event().object_id.as_deref() == Some("tx-9") {
            break c;
        }
    };
    jumped.advance(time::Duration::days(1));
    let again = loop {
        let c = inbox.claim().await.unwrap().unwrap();
        if c.event().object_id.as_deref() == Some("tx-9") {
            break c;
        }
    };
    assert_eq!(again.event().attempt, held.event().attempt + 1);
}

pub(crate) async fn a_slow_handler_is_cut_off_at_the_end_of_its_lease(store: Store) {
    let clock = ManualClock::new(T0);
    let options = clocked(&clock).with_lease(Duration::from_millis(200));
    let inbox = open(&store, options).await;
    inbox
        .accept(state_change("tx-10", "2026-03-01T12:00:00Z", "a", "b").as_bytes())
        .await
        .unwrap();
    let hangs = handler_fn(|_: InboxEvent| async {
        std::future::pending::<()>().await;
        Ok::<(), HandlerError>(())
    });
    let started = std::time::Instant::now();
    let processed = inbox.process_one(&hangs).await.unwrap().unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
    match processed.outcome {
        Outcome::Retry { error, .. } => assert!(error.contains("lease"), "{error}"),
        other => panic!("{other:?}"),
    }
}

pub(crate) async fn many_workers_never_run_one_event_twice_at_once(store: Store) {
    let inbox = open(&store, InboxOptions::default()).await;
    let objects = 8;
    let per_object = 6;
    for n in 0..per_object {
        for o in 0..objects {
            // Timestamps decrease with arrival for odd objects: order is the event's.
            let second = if o % 2 == 0 { n } else { per_object - n };
            let body = state_change(
                &format!("obj-{o}"),
                &format!("2026-03-01T12:00:{second:02}Z"),
                "s",
                &format!("s{n}"),
            );
            inbox.accept(body.as_bytes()).await.unwrap();
        }
    }
    #[derive(Default)]
    struct Seen {
        running_keys: HashSet<DeliveryKey>,
        running_objects: HashSet<String>,
        runs: HashMap<DeliveryKey, u32>,
        order: HashMap<String, Vec<time::OffsetDateTime>>,
        overlaps: u32,
    }
    let seen = Arc::new(Mutex::new(Seen::default()));
    let mut workers = Vec::new();
    for _ in 0..4 {
        let inbox = inbox.clone();
        let seen = seen.clone();
        workers.push(tokio::spawn(async move {
            let handler = handler_fn(move |event: InboxEvent| {
                let seen = seen.clone();
                async move {
                    let object = event.object_id.clone().unwrap();
                    {
                        let mut s = seen.lock().unwrap();
                        let fresh_key = s.running_keys.insert(event.key.clone());
                        let fresh_object = s.running_objects.insert(object.clone());
                        if !fresh_key || !fresh_object {
                            s.overlaps += 1;
                        }
                        *s.runs.entry(event.key.clone()).or_default() += 1;
                        s.order
                            .entry(object.clone())
                            .or_default()
                            .push(event.timestamp);
                    }
                    tokio::time::sleep(Duration::from_millis(2)).await;
                    let mut s = seen.lock().unwrap();
                    s.running_keys.remove(&event.key);
                    s.running_objects.remove(&object);
                    Ok::<(), HandlerError>(())
                }
            });
            let mut idle = 0;
            // Bounded: 48 events, each processed once; idle polls end the worker.
            for _ in 0..1000 {
                match inbox.process_one(&handler).await.unwrap() {
                    Some(p) => {
                        assert_eq!(p.outcome, Outcome::Done, "{:?}", p.key);
                        idle = 0;
                    }
                    None if idle > 20 => break,
                    None => {
                        idle += 1;
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                }
            }
        }));
    }
    for w in workers {
        w.await.unwrap();
    }
    let s = seen.lock().unwrap();
    assert_eq!(s.overlaps, 0);
    assert_eq!(s.runs.len(), objects * per_object);
    assert!(s.runs.values().all(|&n| n == 1), "{:?}", s.runs);
    for (object, times) in &s.order {
        let mut sorted = times.clone();
        sorted.sort();
        assert_eq!(times, &sorted, "{object} out of order");
    }
    let status = inbox.status().await.unwrap();
    assert_eq!(status.done, (objects * per_object) as u64);
}

fn failed(id: &str, payload: &str) -> FailedEvent {
    serde_json::from_str(&format!(
        r#"{{"id":"{id}","created_at":"2026-03-01T12:00:00Z","updated_at":"2026-03-01T12:00:00Z",
            "webhook_id":"c8083529-fb91-4de0-a66d-9fc3ccc1da10","webhook_url":"https://example.com",
            "payload":{payload}}}"#
    ))
    .unwrap()
}

pub(crate) async fn reconcile_accepts_failed_events_under_the_live_key(store: Store) {
    let inbox = open(&store, InboxOptions::default()).await;
    let live = state_change("tx-11", "2026-03-01T12:00:00.5Z", "pending", "completed");
    inbox.accept(live.as_bytes()).await.unwrap();
    // The failed list shows it respelled, plus one the receiver never saw.
    let respelled = r#"{"timestamp":"2026-03-01T12:00:00.500000Z","data":{"new_state":"completed","old_state":"pending","id":"tx-11"},"event":"TransactionStateChanged"}"#;
    let missed = state_change("tx-12", "2026-03-01T12:00:01Z", "pending", "completed");
    let not_an_event = r#"{"hello":"world"}"#;
    let bad_id = "00000000-0000-4000-8000-000000000003";
    let walk = vec![
        Ok(failed("00000000-0000-4000-8000-000000000001", respelled)),
        Err("page 2 failed"),
        Ok(failed("00000000-0000-4000-8000-000000000002", &missed)),
        Ok(failed(bad_id, not_an_event)),
    ];
    let report = inbox
        .reconcile(futures_util::stream::iter(walk.clone()))
        .await
        .unwrap();
    assert_eq!((report.new, report.known), (1, 1));
    assert_eq!(report.invalid.len(), 1);
    assert_eq!(report.invalid[0].to_string(), bad_id);
    assert_eq!(report.walk_errors, ["page 2 failed"]);
    assert!(!report.is_complete());
    // Again: everything is known now.
    let again = inbox.reconcile_iter(walk).await.unwrap();
    assert_eq!((again.new, again.known), (0, 2));
    // The missed event is processed like a live one.
    let mut bodies = Vec::new();
    while let Some(c) = inbox.claim().await.unwrap() {
        bodies.push(String::from_utf8(c.event().body.clone()).unwrap());
        inbox.complete(&c).await.unwrap();
    }
    bodies.sort();
    let mut expected = vec![live, missed];
    expected.sort();
    assert_eq!(bodies, expected);
}

pub(crate) async fn status_counts_and_oldest_pending_age(store: Store) {
    let clock = ManualClock::new(T0);
    let inbox = open(&store, clocked(&clock)).await;
    assert_eq!(
        inbox.status().await.unwrap(),
        revolut_webhooks::inbox::Status::default()
    );
    inbox
        .accept(state_change("tx-13", "2026-03-01T12:00:00Z", "a", "b").as_bytes())
        .await
        .unwrap();
    clock.advance(time::Duration::seconds(5));
    inbox
        .accept(state_change("tx-14", "2026-03-01T12:00:00Z", "a", "b").as_bytes())
        .await
        .unwrap();
    let status = inbox.status().await.unwrap();
    assert_eq!(
        (status.received, status.pending, status.in_progress),
        (2, 2, 0)
    );
    assert_eq!(status.oldest_pending_age, Some(Duration::from_secs(5)));
    let claim = inbox.claim().await.unwrap().unwrap();
    assert_eq!(inbox.status().await.unwrap().in_progress, 1);
    inbox.complete(&claim).await.unwrap();
    let status = inbox.status().await.unwrap();
    assert_eq!((status.pending, status.in_progress, status.done), (1, 0, 1));
    assert_eq!(status.oldest_pending_age, Some(Duration::ZERO));
}

pub(crate) async fn prune_deletes_only_old_done_events(store: Store) {
    let clock = ManualClock::new(T0);
    let inbox = open(&store, clocked(&clock).with_max_attempts(1)).await;
    assert_eq!(inbox.prune().await.unwrap(), 0);
    let old = state_change("tx-15", "2026-03-01T12:00:00Z", "a", "b");
    inbox.accept(old.as_bytes()).await.unwrap();
    assert_eq!(
        inbox.process_one(&ok()).await.unwrap().unwrap().outcome,
        Outcome::Done
    );
    clock.advance(time::Duration::days(29));
    let recent = state_change("tx-16", "2026-03-01T12:00:00Z", "a", "b");
    let dead = state_change("tx-17", "2026-03-01T12:00:00Z", "a", "b");
    let pending = state_change("tx-18", "2026-03-01T12:00:00Z", "a", "b");
    inbox.accept(recent.as_bytes()).await.unwrap();
    assert_eq!(
        inbox.process_one(&ok()).await.unwrap().unwrap().outcome,
        Outcome::Done
    );
    inbox.accept(dead.as_bytes()).await.unwrap();
    let fails = handler_fn(|_: InboxEvent| async { Err::<(), HandlerError>("no".into()) });
    assert!(matches!(
        inbox.process_one(&fails).await.unwrap().unwrap().outcome,
        Outcome::Dead { .. }
    ));
    inbox.accept(pending.as_bytes()).await.unwrap();
    // 29 days: within the default retention of 30.
    assert_eq!(inbox.prune().await.unwrap(), 0);
    clock.advance(time::Duration::days(1) + time::Duration::seconds(1));
    assert_eq!(inbox.prune().await.unwrap(), 1, "only the old done event");
    let status = inbox.status().await.unwrap();
    assert_eq!(
        (status.received, status.done, status.dead, status.pending),
        (3, 1, 1, 1)
    );
    // Long after, dead letters and pending events are still there.
    clock.advance(time::Duration::days(365));
    assert_eq!(inbox.prune().await.unwrap(), 1);
    let status = inbox.status().await.unwrap();
    assert_eq!((status.dead, status.pending), (1, 1));
}

pub(crate) async fn a_schema_from_a_newer_version_is_refused(store: Store) {
    let inbox = open(&store, InboxOptions::default()).await;
    inbox
        .accept(state_change("tx-19", "2026-03-01T12:00:00Z", "a", "b").as_bytes())
        .await
        .unwrap();
    exec(&inbox, "UPDATE revolut_inbox_schema SET version = 99").await;
    inbox.close().await;
    let error = Inbox::open(&store.store).await.unwrap_err();
    assert!(
        matches!(
            error,
            InboxError::SchemaTooNew {
                found: 99,
                supported: 1
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("upgrade"), "{error}");
    assert!(!error.is_bad_delivery());
}

pub(crate) async fn reopening_keeps_everything(store: Store) {
    // First use by several processes at once: one creates the schema, none fails.
    let (a, b, c) = tokio::join!(
        Inbox::open(&store.store),
        Inbox::open(&store.store),
        Inbox::open(&store.store)
    );
    let (a, b, _c) = (a.unwrap(), b.unwrap(), c.unwrap());
    let body = state_change("tx-20", "2026-03-01T12:00:00Z", "a", "b");
    assert!(a.accept(body.as_bytes()).await.unwrap().is_new());
    assert!(!b.accept(body.as_bytes()).await.unwrap().is_new());
    a.close().await;
    b.close().await;
    let reopened = Inbox::open(&store.store).await.unwrap();
    assert!(!reopened.accept(body.as_bytes()).await.unwrap().is_new());
    assert_eq!(reopened.status().await.unwrap().pending, 1);
    let which = match &reopened {
        #[cfg(feature = "sqlite")]
        Inbox::Sqlite(_) => "sqlite",
        #[cfg(feature = "postgres")]
        Inbox::Postgres(_) => "postgres",
        _ => unreachable!(),
    };
    let expected = if store.store.starts_with("postgres") {
        "postgres"
    } else {
        "sqlite"
    };
    assert_eq!(which, expected);
}

/// Claims racing for one event: one wins. (Two bugs made several win: a claim that
/// chose its row before taking SQLite's write lock, and a lease granted by a claimer
/// whose clock read a microsecond later taken for one granted by a clock that jumped.)
pub(crate) async fn concurrent_claims_hand_out_an_event_once(store: Store) {
    let inbox = open(&store, InboxOptions::default()).await;
    for round in 0..20 {
        let body = state_change(&format!("race-{round}"), "2026-03-01T12:00:00Z", "a", "b");
        inbox.accept(body.as_bytes()).await.unwrap();
        let mut tasks = Vec::new();
        for _ in 0..4 {
            let inbox = inbox.clone();
            tasks.push(tokio::spawn(async move { inbox.claim().await.unwrap() }));
        }
        let mut won = 0;
        for t in tasks {
            won += usize::from(t.await.unwrap().is_some());
        }
        assert_eq!(won, 1, "round {round}");
    }
}
