//! The cases on PostgreSQL, and PostgreSQL's own faults and transactional handlers.

use std::sync::Arc;
use std::time::{Duration, Instant};

use revolut_webhooks::ManualClock;
use revolut_webhooks::inbox::sqlx::{self, Postgres, Transaction};
use revolut_webhooks::inbox::{
    HandlerError, Inbox, InboxError, InboxEvent, InboxOptions, Outcome, PostgresInbox, TxHandler,
};

use super::Store;
use super::cases::state_change;
use crate::pg_cluster::{Cluster, ClusterOptions};

super::all_cases!(Store::postgres);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_goes_away_fails_fast_and_loses_nothing() {
    let cluster = Cluster::start(ClusterOptions { durable: true });
    let url = cluster.new_database();
    let options = InboxOptions::default().with_write_timeout(Duration::from_millis(500));
    let inbox = Inbox::open_with(&url, options.clone()).await.unwrap();
    let first = state_change("tx-d1", "2026-03-01T12:00:00Z", "a", "b");
    let second = state_change("tx-d2", "2026-03-01T12:00:00Z", "a", "b");
    assert!(inbox.accept(first.as_bytes()).await.unwrap().is_new());
    cluster.stop();
    let started = Instant::now();
    let error = inbox.accept(second.as_bytes()).await.unwrap_err();
    assert!(matches!(error, InboxError::Unavailable { .. }), "{error:?}");
    assert!(!error.is_bad_delivery());
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(matches!(
        inbox.claim().await,
        Err(InboxError::Unavailable { .. })
    ));
    let error = Inbox::open_with(&url, options).await.unwrap_err();
    assert!(matches!(error, InboxError::Unavailable { .. }), "{error:?}");
    cluster.restart();
    // The pool reconnects; what was accepted before is still there.
    let mut again = None;
    for _ in 0..20 {
        match inbox.accept(first.as_bytes()).await {
            Ok(a) => {
                again = Some(a);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    assert!(!again.expect("the inbox works again").is_new());
    assert!(inbox.accept(second.as_bytes()).await.unwrap().is_new());
    assert_eq!(inbox.status().await.unwrap().pending, 2);
}

#[tokio::test]
async fn a_url_that_does_not_parse_is_refused_without_repeating_it() {
    let error = Inbox::open("postgres://user:s3cret@127.0.0.1:notaport/db")
        .await
        .unwrap_err();
    assert!(matches!(error, InboxError::InvalidStore(_)), "{error:?}");
    assert!(!error.to_string().contains("s3cret"), "{error}");
}

/// Writes the event's key into `effects` in the inbox's transaction; fails after the
/// write when told to; while running, checks that no other worker can claim the event,
/// even once its lease has ended.
struct RecordEffect {
    fail: bool,
    clock: ManualClock,
    other: PostgresInbox,
}

#[revolut_webhooks::inbox::async_trait]
impl TxHandler<Postgres> for RecordEffect {
    async fn handle(
        &self,
        event: &InboxEvent,
        tx: &mut Transaction<'static, Postgres>,
    ) -> Result<(), HandlerError> {
        sqlx::query("INSERT INTO effects (key) VALUES ($1)")
            .bind(event.key.as_str())
            .execute(&mut **tx)
            .await?;
        // The lease ends while the handler runs: the row lock still keeps it ours.
        self.clock.advance(time::Duration::minutes(5));
        let stolen = Inbox::Postgres(self.other.clone()).claim().await?;
        assert!(
            stolen.is_none(),
            "claimed while its handler runs: {stolen:?}"
        );
        self.clock.advance(time::Duration::minutes(-5));
        if self.fail {
            return Err("failed after writing".into());
        }
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tx_handler_commits_its_writes_with_done_or_not_at_all() {
    let store = Store::postgres();
    let clock = ManualClock::new(time::macros::datetime!(2026-03-01 12:00 UTC));
    let options = InboxOptions::default().with_clock(Arc::new(clock.clone()));
    let inbox = PostgresInbox::connect(&store.store, options.clone())
        .await
        .unwrap();
    let other = PostgresInbox::connect(&store.store, options).await.unwrap();
    sqlx::raw_sql("CREATE TABLE effects (key TEXT PRIMARY KEY)")
        .execute(inbox.pool())
        .await
        .unwrap();
    let outer = Inbox::Postgres(inbox.clone());
    outer
        .accept(state_change("tx-e", "2026-03-01T12:00:00Z", "a", "b").as_bytes())
        .await
        .unwrap();
    let effects = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM effects")
            .fetch_one(inbox.pool())
            .await
            .unwrap()
    };
    let handler = |fail| RecordEffect {
        fail,
        clock: clock.clone(),
        other: other.clone(),
    };
    let failed = inbox.process_one_tx(&handler(true)).await.unwrap().unwrap();
    assert!(
        matches!(failed.outcome, Outcome::Retry { .. }),
        "{failed:?}"
    );
    assert_eq!(effects().await, 0, "rolled back with the failure");
    clock.advance(time::Duration::seconds(1));
    let done = inbox
        .process_one_tx(&handler(false))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(done.outcome, Outcome::Done);
    assert_eq!(effects().await, 1);
    assert_eq!(outer.status().await.unwrap().done, 1);
    assert!(
        inbox
            .process_one_tx(&handler(false))
            .await
            .unwrap()
            .is_none()
    );
}
