//! The file engine: one machine's processes share a token file and a slot file,
//! each written whole (a temporary file, fsync, rename) under an advisory file lock.
//!
//! Files, beside the path `P` the user names: `P` (the token set, JSON), `P.lock`
//! (locked while a process refreshes), `P.slots` (the rate slots) and `P.slots.lock`.
//! The data files are replaced by rename, so a reader never sees half a file and a
//! process killed mid-write leaves the previous version; the lock files are never
//! replaced, so a lock on them means the same thing to every process. The OS drops
//! a dead process's locks.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::record::{self, Slot, SlotFile, StoredTokens};
use crate::shared_state::{SharedStateError, SharedStateErrorKind as Kind};

pub(crate) struct FileStore {
    path: PathBuf,
    lock_path: PathBuf,
    slots_path: PathBuf,
    slots_lock_path: PathBuf,
    /// The user this process runs as: every file must be theirs.
    #[cfg(unix)]
    uid: u32,
}

/// The refresh lock, held until dropped, and the token set read under it.
pub(crate) struct FileGuard {
    _lock: File,
    pub(crate) current: Option<StoredTokens>,
}

/// The slot file is locked only to read, decide and write it: never long.
const SLOTS_LOCK_WAIT: Duration = Duration::from_secs(10);

impl FileStore {
    /// Opens (creating the lock files) and checks the store at `path`.
    pub(crate) fn open(path: &Path) -> Result<FileStore, SharedStateError> {
        let display = path.display().to_string();
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if path.file_name().is_none() {
            return Err(SharedStateError::new(
                Kind::Io,
                display,
                "the path names no file",
            ));
        }
        let with = |suffix: &str| {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            PathBuf::from(p)
        };
        let store = FileStore {
            #[cfg(unix)]
            uid: own_uid(&dir)
                .map_err(|e| io_error(&display, "cannot create files in its directory", e))?,
            path: path.to_path_buf(),
            lock_path: with(".lock"),
            slots_path: with(".slots"),
            slots_lock_path: with(".slots.lock"),
        };
        store.open_secure(&store.lock_path)?;
        store.open_secure(&store.slots_lock_path)?;
        // A store that cannot be read is said at once, not at the first refresh.
        store.read_tokens()?;
        store.read_slots()?;
        Ok(store)
    }

    fn error(&self, kind: Kind, message: impl Into<String>) -> SharedStateError {
        SharedStateError::new(kind, self.path.display().to_string(), message)
    }

    /// Opens a lock file, creating it readable by its owner only, and checks it.
    fn open_secure(&self, path: &Path) -> Result<File, SharedStateError> {
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(path).map_err(|e| {
            io_error(
                &self.path.display().to_string(),
                &format!("cannot open {}", path.display()),
                e,
            )
        })?;
        self.check(&file, path)?;
        Ok(file)
    }

    /// Refuses a file another user owns, or that others may read or write.
    fn check(&self, file: &File, path: &Path) -> Result<(), SharedStateError> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let meta = file.metadata().map_err(|e| {
                io_error(
                    &self.path.display().to_string(),
                    "cannot read its metadata",
                    e,
                )
            })?;
            if meta.uid() != self.uid {
                return Err(self.error(
                    Kind::Permissions,
                    format!(
                        "{} is owned by user {}, not by this process's user {}: it holds tokens, \
                         so only files of this user are used; remove it or run as its owner",
                        path.display(),
                        meta.uid(),
                        self.uid
                    ),
                ));
            }
            if meta.mode() & 0o077 != 0 {
                return Err(self.error(
                    Kind::Permissions,
                    format!(
                        "{} may be read or written by other users (mode {:o}): it holds tokens; \
                         run `chmod 600 {}`",
                        path.display(),
                        meta.mode() & 0o777,
                        path.display()
                    ),
                ));
            }
        }
        #[cfg(not(unix))]
        let _ = (file, path);
        Ok(())
    }

    /// Reads a data file whole, checked; `None` if it does not exist yet.
    fn read_file(&self, path: &Path) -> Result<Option<Vec<u8>>, SharedStateError> {
        let mut file = match File::open(path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(io_error(
                    &self.path.display().to_string(),
                    &format!("cannot open {}", path.display()),
                    e,
                ));
            }
        };
        self.check(&file, path)?;
        let mut bytes = Vec::new();
        // A token file is a few hundred bytes; the slot file a few kilobytes.
        (&mut file)
            .take(16 << 20)
            .read_to_end(&mut bytes)
            .map_err(|e| io_error(&self.path.display().to_string(), "cannot read it", e))?;
        Ok(Some(bytes))
    }

    pub(crate) fn read_tokens(&self) -> Result<Option<StoredTokens>, SharedStateError> {
        let Some(bytes) = self.read_file(&self.path)? else {
            return Ok(None);
        };
        record::decode_tokens(&bytes).map(Some).map_err(|reason| {
            self.error(
                Kind::Corrupt,
                format!("{reason}; move it away and start again from a refresh token"),
            )
        })
    }

    fn read_slots(&self) -> Result<SlotFile, SharedStateError> {
        let Some(bytes) = self.read_file(&self.slots_path)? else {
            return Ok(SlotFile::default());
        };
        record::decode_slots(&bytes).map_err(|reason| {
            self.error(
                Kind::Corrupt,
                format!(
                    "{}: {reason}; delete it once no process runs (it only holds rate slots)",
                    self.slots_path.display()
                ),
            )
        })
    }

    /// Takes the refresh lock, waiting at most `wait`, and reads the token set under it.
    pub(crate) fn lock_tokens(&self, wait: Duration) -> Result<FileGuard, SharedStateError> {
        let lock = self.lock(&self.lock_path, wait)?;
        let current = self.read_tokens()?;
        Ok(FileGuard {
            _lock: lock,
            current,
        })
    }

    /// Replaces the token file (under the refresh lock the guard holds).
    pub(crate) fn store_tokens(
        &self,
        guard: FileGuard,
        stored: &StoredTokens,
    ) -> Result<(), SharedStateError> {
        self.write_atomic(&self.path, &record::encode_tokens(stored), true)?;
        drop(guard);
        Ok(())
    }

    fn lock(&self, path: &Path, wait: Duration) -> Result<File, SharedStateError> {
        let file = self.open_secure(path)?;
        let started = Instant::now();
        let mut pause = Duration::from_millis(1);
        // Bounded: each turn sleeps, and the wait ends the loop.
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(file),
                Err(TryLockError::WouldBlock) => {}
                Err(TryLockError::Error(e)) => {
                    return Err(io_error(
                        &self.path.display().to_string(),
                        "cannot lock it",
                        e,
                    ));
                }
            }
            if started.elapsed() >= wait {
                return Err(self.error(
                    Kind::LockTimeout,
                    format!(
                        "another process has held {} for more than {} s (a token refresh that \
                         hangs?); try again, or raise the lock timeout",
                        path.display(),
                        wait.as_secs_f64()
                    ),
                ));
            }
            std::thread::sleep(
                pause
                    .min(wait.saturating_sub(started.elapsed()))
                    .max(Duration::from_millis(1)),
            );
            pause = (pause * 2).min(Duration::from_millis(20));
        }
    }

    /// Writes `bytes` to a new file of unpredictable name beside `path` (created
    /// exclusively, owner-only), then renames it over `path`: readers see the old
    /// file or the new one, never a mix; a crash leaves the old one.
    fn write_atomic(
        &self,
        path: &Path,
        bytes: &[u8],
        durable: bool,
    ) -> Result<(), SharedStateError> {
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = dir.join(format!(".{name}.{:016x}.tmp", random()));
        let fail = |what: &str, e: io::Error| io_error(&self.path.display().to_string(), what, e);
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options
            .open(&tmp)
            .map_err(|e| fail("cannot create a temporary file beside it", e))?;
        let written = file
            .write_all(bytes)
            .and_then(|()| if durable { file.sync_all() } else { Ok(()) })
            .and_then(|()| std::fs::rename(&tmp, path));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(fail("cannot write it", e));
        }
        if durable {
            // The rename itself is durable once the directory is synced.
            #[cfg(unix)]
            if let Ok(dir) = File::open(dir) {
                let _ = dir.sync_all();
            }
        }
        Ok(())
    }

    /// Takes a rate slot held until `hold` from now, or says how long to wait.
    pub(crate) fn try_acquire_slot(
        &self,
        requests: usize,
        per: Duration,
        hold: Duration,
    ) -> Result<Result<u64, Duration>, SharedStateError> {
        self.with_slots(|slots, now| {
            record::decide_slot(slots, now, requests, per)?;
            let id = random();
            slots.push(Slot {
                id,
                holds_until_ms: record::hold_until(now, hold),
                in_flight: true,
            });
            Ok(id)
        })
    }

    /// The slot's answer arrived: it frees `per` from now (`None`: at once, unsent).
    pub(crate) fn release_slot(
        &self,
        id: u64,
        per: Option<Duration>,
    ) -> Result<(), SharedStateError> {
        self.with_slots(|slots, now| {
            match per {
                Some(per) => {
                    for slot in slots.iter_mut().filter(|s| s.id == id) {
                        slot.holds_until_ms = record::hold_until(now, per);
                        slot.in_flight = false;
                    }
                }
                None => slots.retain(|s| s.id != id),
            }
            Ok::<(), Duration>(())
        })
        .map(drop)
    }

    /// Reads, changes and writes the slot file under its lock; `now` in Unix ms.
    fn with_slots<T>(
        &self,
        change: impl FnOnce(&mut Vec<Slot>, i64) -> T,
    ) -> Result<T, SharedStateError> {
        let _lock = self.lock(&self.slots_lock_path, SLOTS_LOCK_WAIT)?;
        let mut file = self.read_slots()?;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, record::millis);
        let result = change(&mut file.slots, now);
        // Not fsynced: slots matter while processes run, and a machine that
        // crashed has none running.
        self.write_atomic(&self.slots_path, &record::encode_slots(&file), false)?;
        Ok(result)
    }
}

fn io_error(store: &str, what: &str, e: io::Error) -> SharedStateError {
    let kind = if e.kind() == io::ErrorKind::PermissionDenied {
        Kind::Permissions
    } else {
        Kind::Io
    };
    SharedStateError::new(kind, store, format!("{what}: {e}")).with_source(e)
}

/// This process's user, as the owner of a file it creates (std has no `geteuid`,
/// and this crate has no unsafe code).
#[cfg(unix)]
fn own_uid(dir: &Path) -> io::Result<u32> {
    use std::os::unix::fs::MetadataExt;
    let probe = dir.join(format!(".revolut-webhooks-uid.{:016x}", random()));
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(&probe)?;
    let uid = file.metadata().map(|m| m.uid());
    let _ = std::fs::remove_file(&probe);
    uid
}

/// An unpredictable number (std's randomly keyed hasher, fed the time and a counter).
fn random() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u32(std::process::id());
    hasher.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.finish()
}
