//! The cases on SQLite, and SQLite's own faults and transactional handlers.

use std::sync::Arc;
use std::time::{Duration, Instant};

use revolut_webhooks::ManualClock;
use revolut_webhooks::inbox::sqlx::{self, Connection, Sqlite, SqliteConnection, Transaction};
use revolut_webhooks::inbox::{
    HandlerError, Inbox, InboxError, InboxEvent, InboxOptions, Outcome, SqliteInbox, TxHandler,
};

use super::Store;
use super::cases::state_change;

super::all_cases!(Store::sqlite);

#[tokio::test]
async fn a_locked_store_fails_accept_within_the_write_timeout() {
    let store = Store::sqlite();
    let options = InboxOptions::default().with_write_timeout(Duration::from_millis(300));
    let inbox = Inbox::open_with(&store.store, options).await.unwrap();
    // Another process holds SQLite's write lock.
    let mut other = SqliteConnection::connect(&format!("sqlite://{}", store.store))
        .await
        .unwrap();
    sqlx::raw_sql("BEGIN IMMEDIATE")
        .execute(&mut other)
        .await
        .unwrap();
    let body = state_change("tx-l", "2026-03-01T12:00:00Z", "a", "b");
    let started = Instant::now();
    let error = inbox.accept(body.as_bytes()).await.unwrap_err();
    assert!(matches!(error, InboxError::Unavailable { .. }), "{error:?}");
    assert!(!error.is_bad_delivery());
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    // Workers meet the same lock the same way, and lose nothing.
    assert!(matches!(
        inbox.claim().await,
        Err(InboxError::Unavailable { .. })
    ));
    sqlx::raw_sql("ROLLBACK").execute(&mut other).await.unwrap();
    assert!(inbox.accept(body.as_bytes()).await.unwrap().is_new());
    assert!(inbox.claim().await.unwrap().is_some());
}

/// Makes a directory read-only for this process: a read-only bind mount as root (root
/// writes through file modes), file modes otherwise. Undone on drop.
struct ReadOnly<'a> {
    dir: &'a std::path::Path,
    mounted: bool,
}

impl<'a> ReadOnly<'a> {
    fn make(dir: &'a std::path::Path) -> ReadOnly<'a> {
        let root = std::process::Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
        if root {
            let d = dir.to_str().unwrap();
            let ok = |args: &[&str]| {
                std::process::Command::new("mount")
                    .args(args)
                    .status()
                    .is_ok_and(|s| s.success())
            };
            assert!(
                ok(&["--bind", d, d]) && ok(&["-o", "remount,bind,ro", d]),
                "as root, this test needs a read-only bind mount (mount --bind, remount,ro)"
            );
            ReadOnly { dir, mounted: true }
        } else {
            use std::os::unix::fs::PermissionsExt;
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
            }
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o555)).unwrap();
            ReadOnly {
                dir,
                mounted: false,
            }
        }
    }
}

impl Drop for ReadOnly<'_> {
    fn drop(&mut self) {
        if self.mounted {
            // Lazy: SQLite's threads may still hold the file for a moment after `close`.
            let _ = std::process::Command::new("umount")
                .args(["-l"])
                .arg(self.dir)
                .status();
        } else {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(self.dir, std::fs::Permissions::from_mode(0o755));
        }
    }
}

#[tokio::test]
async fn a_read_only_store_is_a_typed_error_and_loses_nothing() {
    let store = Store::sqlite();
    let first = state_change("tx-ro-1", "2026-03-01T12:00:00Z", "a", "b");
    let second = state_change("tx-ro-2", "2026-03-01T12:00:00Z", "a", "b");
    {
        let inbox = Inbox::open(&store.store).await.unwrap();
        inbox.accept(first.as_bytes()).await.unwrap();
        inbox.close().await;
    }
    {
        let _read_only = ReadOnly::make(store.dir());
        let options = InboxOptions::default().with_write_timeout(Duration::from_millis(300));
        let refused = match Inbox::open_with(&store.store, options).await {
            Err(e) => e,
            Ok(inbox) => {
                let e = inbox.accept(second.as_bytes()).await.unwrap_err();
                inbox.close().await;
                e
            }
        };
        assert!(
            matches!(
                refused,
                InboxError::ReadOnly(_) | InboxError::Unavailable { .. }
            ),
            "{refused:?}"
        );
        assert!(!refused.is_bad_delivery());
    }
    let inbox = Inbox::open(&store.store).await.unwrap();
    assert!(!inbox.accept(first.as_bytes()).await.unwrap().is_new());
    assert!(inbox.accept(second.as_bytes()).await.unwrap().is_new());
}

#[tokio::test]
async fn a_missing_directory_is_a_typed_error() {
    let error = Inbox::open("/nonexistent-dir-for-revolut-inbox/x/inbox.db")
        .await
        .unwrap_err();
    assert!(matches!(error, InboxError::Unavailable { .. }), "{error:?}");
    let error = Inbox::open("").await.unwrap_err();
    assert!(matches!(error, InboxError::InvalidStore(_)), "{error:?}");
}

/// Writes the event's key into `effects` in the inbox's transaction; fails after the
/// write when told to.
struct RecordEffect {
    fail: bool,
}

#[revolut_webhooks::inbox::async_trait]
impl TxHandler<Sqlite> for RecordEffect {
    async fn handle(
        &self,
        event: &InboxEvent,
        tx: &mut Transaction<'static, Sqlite>,
    ) -> Result<(), HandlerError> {
        sqlx::query("INSERT INTO effects (key) VALUES (?1)")
            .bind(event.key.as_str())
            .execute(&mut **tx)
            .await?;
        if self.fail {
            return Err("failed after writing".into());
        }
        Ok(())
    }
}

#[tokio::test]
async fn a_tx_handler_commits_its_writes_with_done_or_not_at_all() {
    let store = Store::sqlite();
    let clock = ManualClock::new(time::macros::datetime!(2026-03-01 12:00 UTC));
    let options = InboxOptions::default().with_clock(Arc::new(clock.clone()));
    let inbox = SqliteInbox::open(&store.store, options).await.unwrap();
    sqlx::raw_sql("CREATE TABLE effects (key TEXT PRIMARY KEY)")
        .execute(inbox.pool())
        .await
        .unwrap();
    let outer = Inbox::Sqlite(inbox.clone());
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
    let failed = inbox
        .process_one_tx(&RecordEffect { fail: true })
        .await
        .unwrap()
        .unwrap();
    assert!(
        matches!(failed.outcome, Outcome::Retry { .. }),
        "{failed:?}"
    );
    assert_eq!(effects().await, 0, "rolled back with the failure");
    clock.advance(time::Duration::seconds(1));
    let done = inbox
        .process_one_tx(&RecordEffect { fail: false })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(done.outcome, Outcome::Done);
    assert_eq!(effects().await, 1);
    assert_eq!(outer.status().await.unwrap().done, 1);
    assert!(
        inbox
            .process_one_tx(&RecordEffect { fail: false })
            .await
            .unwrap()
            .is_none()
    );
}
