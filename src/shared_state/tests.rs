//! The file engine, on real files in a temporary directory.

use std::path::PathBuf;
use std::time::Duration;

use time::OffsetDateTime;

use super::*;
use crate::auth::{AccessToken, RefreshToken};

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "rw-shared-{name}-{}-{:?}",
            std::process::id(),
            std::time::SystemTime::now()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Whole milliseconds: the store keeps times to the millisecond.
fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc().replace_nanosecond(0).unwrap()
}

fn tokens(access: &str) -> TokenSet {
    TokenSet::new(
        AccessToken::new(access),
        RefreshToken::new("refresh-secret"),
        now() + time::Duration::hours(1),
    )
}

#[test]
fn tokens_written_under_the_lock_are_read_by_another_handle() {
    let dir = TempDir::new("tokens");
    let path = dir.0.join("state.json");
    let a = SharedState::file(&path).unwrap();
    let b = SharedState::file(&path).unwrap();
    assert!(a.load().unwrap().is_none());
    let guard = a.lock_tokens().unwrap();
    assert!(guard.current().is_none());
    let stored = StoredTokens::after(None, &tokens("access-secret"), now());
    a.store_tokens(guard, &stored).unwrap();
    let read = b.load().unwrap().unwrap();
    assert!(read == stored);
    assert_eq!(
        b.token_set().unwrap().unwrap().access_token.expose_secret(),
        "access-secret"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for file in ["state.json", "state.json.lock", "state.json.slots.lock"] {
            let mode = std::fs::metadata(dir.0.join(file))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{file}");
        }
    }
    // No temporary file is left behind.
    let names: Vec<_> = std::fs::read_dir(&dir.0)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
}

#[test]
fn a_held_refresh_lock_makes_the_other_wait_then_fail_clearly() {
    let dir = TempDir::new("lock");
    let path = dir.0.join("state.json");
    let a = SharedState::file(&path).unwrap();
    let b = SharedState::file(&path)
        .unwrap()
        .with_lock_timeout(Duration::from_millis(50));
    let held = a.lock_tokens().unwrap();
    let error = b.lock_tokens().err().unwrap();
    assert_eq!(error.kind, SharedStateErrorKind::LockTimeout);
    assert!(error.to_string().contains("lock timeout"), "{error}");
    drop(held);
    assert!(b.lock_tokens().is_ok());
}

#[test]
fn a_crash_before_the_rename_leaves_the_previous_tokens() {
    let dir = TempDir::new("crash");
    let path = dir.0.join("state.json");
    let a = SharedState::file(&path).unwrap();
    let first = StoredTokens::after(None, &tokens("first"), now());
    a.store_tokens(a.lock_tokens().unwrap(), &first).unwrap();
    // A process killed mid-refresh: it held the lock and left a temporary file.
    let guard = a.lock_tokens().unwrap();
    std::fs::write(dir.0.join(".state.json.0123456789abcdef.tmp"), b"{\"ver").unwrap();
    drop(guard);
    let b = SharedState::file(&path).unwrap();
    assert!(b.load().unwrap().unwrap() == first);
    assert!(b.lock_tokens().is_ok());
}

#[test]
fn corrupt_files_fail_clearly_without_quoting_them() {
    let dir = TempDir::new("corrupt");
    let path = dir.0.join("state.json");
    write_private(&path, b"{\"version\":1,\"generation\":\"access-secret\"}");
    let error = SharedState::file(&path).err().unwrap();
    assert_eq!(error.kind, SharedStateErrorKind::Corrupt);
    let text = format!("{error} {error:?}");
    assert!(!text.contains("access-secret"), "{text}");
    assert!(text.contains("state.json"), "{text}");

    let ok = dir.0.join("ok.json");
    let store = SharedState::file(&ok).unwrap();
    write_private(&dir.0.join("ok.json.slots"), b"[[[");
    let error = store
        .try_acquire_slot(1, Duration::from_secs(1), Duration::from_secs(2))
        .unwrap_err();
    assert_eq!(error.kind, SharedStateErrorKind::Corrupt);
}

fn write_private(path: &std::path::Path, bytes: &[u8]) {
    std::fs::write(path, bytes).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

#[cfg(unix)]
#[test]
fn a_file_others_may_read_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("mode");
    let path = dir.0.join("state.json");
    let store = SharedState::file(&path).unwrap();
    let stored = StoredTokens::after(None, &tokens("access-secret"), now());
    store
        .store_tokens(store.lock_tokens().unwrap(), &stored)
        .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let error = SharedState::file(&path).err().unwrap();
    assert_eq!(error.kind, SharedStateErrorKind::Permissions);
    assert!(error.to_string().contains("chmod 600"), "{error}");
    // Also when it changes under a running process.
    let error = store.load().unwrap_err();
    assert_eq!(error.kind, SharedStateErrorKind::Permissions);
}

#[cfg(unix)]
#[test]
fn a_file_of_another_user_is_refused() {
    // Root can hand a file to another user; others cannot make one, so this case
    // runs where the tests run as root (CI) and is checked by the mode test elsewhere.
    use std::os::unix::fs::MetadataExt;
    let dir = TempDir::new("owner");
    let path = dir.0.join("state.json");
    write_private(&path, b"{}");
    if std::fs::metadata(&path).unwrap().uid() != 0 {
        return;
    }
    std::os::unix::fs::chown(&path, Some(65534), None).unwrap();
    let error = SharedState::file(&path).err().unwrap();
    assert_eq!(error.kind, SharedStateErrorKind::Permissions);
    assert!(error.to_string().contains("owned by user 65534"), "{error}");
}

#[test]
fn slots_are_shared_between_handles_and_expire() {
    let dir = TempDir::new("slots");
    let path = dir.0.join("state.json");
    let a = SharedState::file(&path).unwrap();
    let b = SharedState::file(&path).unwrap();
    let per = Duration::from_secs(60);
    let hold = Duration::from_secs(90);
    let first = a.try_acquire_slot(2, per, hold).unwrap().unwrap();
    let _second = b.try_acquire_slot(2, per, hold).unwrap().unwrap();
    // Both in flight: a whole period.
    assert_eq!(a.try_acquire_slot(2, per, hold).unwrap(), Err(per));
    // Released: held a period after its answer.
    a.release_slot(first, Some(per)).unwrap();
    let wait = b.try_acquire_slot(2, per, hold).unwrap().unwrap_err();
    // Stored in whole milliseconds, rounded up so a slot is never freed early.
    assert!(
        wait > Duration::from_secs(58) && wait <= per + Duration::from_millis(1),
        "{wait:?}"
    );
    // A slot whose request was never sent frees at once.
    let third_store = SharedState::file(&path).unwrap();
    let c = third_store.try_acquire_slot(3, per, hold).unwrap().unwrap();
    third_store.release_slot(c, None).unwrap();
    assert!(third_store.try_acquire_slot(3, per, hold).unwrap().is_ok());
    // A dead holder's slot (held 1 ms) frees by itself.
    let short = SharedState::file(dir.0.join("short.json")).unwrap();
    short
        .try_acquire_slot(1, per, Duration::from_millis(1))
        .unwrap()
        .unwrap();
    std::thread::sleep(Duration::from_millis(5));
    assert!(short.try_acquire_slot(1, per, hold).unwrap().is_ok());
    assert!(format!("{a:?}").contains("file"));
}

#[test]
fn open_understands_paths_and_urls() {
    let dir = TempDir::new("open");
    assert!(SharedState::open(dir.0.join("s.json").to_str().unwrap()).is_ok());
    #[cfg(not(feature = "postgres"))]
    assert_eq!(
        SharedState::open("postgres://u:pw@127.0.0.1/db")
            .err()
            .unwrap()
            .kind,
        SharedStateErrorKind::Unsupported
    );
    let missing = SharedState::open(dir.0.join("no/such/dir/s.json").to_str().unwrap());
    assert_eq!(missing.err().unwrap().kind, SharedStateErrorKind::Io);
}
