//! `SharedState`: the store's handle, and the engine behind it.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

#[path = "file.rs"]
mod file;
#[cfg(feature = "postgres")]
#[path = "postgres.rs"]
mod postgres;
#[path = "record.rs"]
pub(crate) mod record;

pub(crate) use record::StoredTokens;

use crate::auth::TokenSet;
use crate::shared_state::{SharedStateError, SharedStateErrorKind};

/// The token store and rate budget shared by the processes of one business: a file
/// or a PostgreSQL database. Clones share it. See [the module](crate::shared_state).
///
/// ```no_run
/// use revolut_webhooks::shared_state::SharedState;
///
/// // One machine: a file (created 0600), beside its `.lock`, `.slots` and `.slots.lock`.
/// let store = SharedState::file("/var/lib/my-app/revolut-state.json")?;
/// // Or any of both, from configuration: a path or a postgres:// URL.
/// let store = SharedState::open(&std::env::var("REVOLUT_SHARED_STATE")?)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct SharedState {
    engine: Arc<Engine>,
    lock_timeout: Duration,
}

enum Engine {
    File(file::FileStore),
    #[cfg(feature = "postgres")]
    Postgres(postgres::PgStore),
}

/// The refresh lock of a store, held until dropped, and the token set read under it.
pub(crate) enum TokenGuard {
    File(file::FileGuard),
    #[cfg(feature = "postgres")]
    Postgres(postgres::PgGuard),
}

impl TokenGuard {
    /// The token set stored when the lock was taken.
    pub(crate) fn current(&self) -> Option<&StoredTokens> {
        match self {
            TokenGuard::File(g) => g.current.as_ref(),
            #[cfg(feature = "postgres")]
            TokenGuard::Postgres(g) => g.current.as_ref(),
        }
    }
}

impl fmt::Debug for SharedState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let engine = match &*self.engine {
            Engine::File(_) => "file",
            #[cfg(feature = "postgres")]
            Engine::Postgres(_) => "postgres",
        };
        f.debug_struct("SharedState")
            .field("engine", &engine)
            .field("lock_timeout", &self.lock_timeout)
            .finish_non_exhaustive()
    }
}

/// How long a process waits for another's refresh by default: longer than a
/// refresh with its retries normally takes.
const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(60);

impl SharedState {
    fn new(engine: Engine) -> Self {
        SharedState {
            engine: Arc::new(engine),
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
        }
    }

    /// The file engine, at `path` (its directory must exist). Creates the lock
    /// files now, owner-only; reads the token file if there is one. Fails if a file
    /// is corrupt, belongs to another user, or may be read by others.
    pub fn file(path: impl AsRef<Path>) -> Result<SharedState, SharedStateError> {
        Ok(Self::new(Engine::File(file::FileStore::open(
            path.as_ref(),
        )?)))
    }

    /// The PostgreSQL engine: connects to `url` (`postgres://user:password@host/db`,
    /// TLS with `?sslmode=require`) and creates its two tables if missing:
    ///
    /// - `revolut_webhooks_tokens`: one row (`id = 1`) with `refresh_token`,
    ///   `access_token`, `expires_at_ms` and `obtained_at_ms` (Unix milliseconds),
    ///   `generation` and `updated_at`. It holds secrets: grant it to the
    ///   application's role only.
    /// - `revolut_webhooks_rate_slots`: one row per held slot (`id`, `holds_until`,
    ///   `in_flight`), on the database's clock.
    ///
    /// One business per database (or per schema, with `?options=-csearch_path%3D…`).
    #[cfg(feature = "postgres")]
    #[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
    pub fn postgres(url: &str) -> Result<SharedState, SharedStateError> {
        Ok(Self::new(Engine::Postgres(postgres::PgStore::open(url)?)))
    }

    /// [`postgres`](Self::postgres) for a `postgres://` or `postgresql://` URL,
    /// [`file`](Self::file) for anything else.
    pub fn open(location: &str) -> Result<SharedState, SharedStateError> {
        let location = location.trim();
        if location.starts_with("postgres://") || location.starts_with("postgresql://") {
            #[cfg(feature = "postgres")]
            return Self::postgres(location);
            #[cfg(not(feature = "postgres"))]
            return Err(SharedStateError::new(
                SharedStateErrorKind::Unsupported,
                "PostgreSQL",
                "this build has no PostgreSQL engine: enable the crate's `postgres` feature",
            ));
        }
        Self::file(location)
    }

    /// How long a process waits for the refresh lock another process holds
    /// (default 60 s) before failing with [`SharedStateErrorKind::LockTimeout`].
    #[must_use]
    pub fn with_lock_timeout(mut self, wait: Duration) -> Self {
        self.lock_timeout = wait;
        self
    }

    /// The token set stored now, if an access token was stored (for inspection:
    /// the providers read the store themselves).
    pub fn token_set(&self) -> Result<Option<TokenSet>, SharedStateError> {
        Ok(self.load()?.and_then(|s| s.token_set()))
    }

    /// Reads the stored token set, without the lock.
    pub(crate) fn load(&self) -> Result<Option<StoredTokens>, SharedStateError> {
        match &*self.engine {
            Engine::File(f) => f.read_tokens(),
            #[cfg(feature = "postgres")]
            Engine::Postgres(p) => p.read_tokens(),
        }
    }

    /// Takes the refresh lock (waiting at most the lock timeout).
    pub(crate) fn lock_tokens(&self) -> Result<TokenGuard, SharedStateError> {
        match &*self.engine {
            Engine::File(f) => f.lock_tokens(self.lock_timeout).map(TokenGuard::File),
            #[cfg(feature = "postgres")]
            Engine::Postgres(p) => p.lock_tokens(self.lock_timeout).map(TokenGuard::Postgres),
        }
    }

    /// Stores a new token set atomically and releases the refresh lock.
    pub(crate) fn store_tokens(
        &self,
        guard: TokenGuard,
        stored: &StoredTokens,
    ) -> Result<(), SharedStateError> {
        match (&*self.engine, guard) {
            (Engine::File(f), TokenGuard::File(g)) => f.store_tokens(g, stored),
            #[cfg(feature = "postgres")]
            (Engine::Postgres(p), TokenGuard::Postgres(g)) => p.store_tokens(g, stored),
            #[cfg(feature = "postgres")]
            _ => Err(SharedStateError::new(
                SharedStateErrorKind::Io,
                "",
                "a lock of another store was given",
            )),
        }
    }

    /// Takes a rate slot, held until `hold` from now unless released sooner, or
    /// says how long at the least until one may be free.
    pub(crate) fn try_acquire_slot(
        &self,
        requests: u32,
        per: Duration,
        hold: Duration,
    ) -> Result<Result<u64, Duration>, SharedStateError> {
        let requests = requests.max(1) as usize;
        match &*self.engine {
            Engine::File(f) => f.try_acquire_slot(requests, per, hold),
            #[cfg(feature = "postgres")]
            Engine::Postgres(p) => p.try_acquire_slot(requests, per, hold),
        }
    }

    /// A slot's answer arrived now: it frees `per` later; `None`: it was not sent,
    /// and frees at once.
    pub(crate) fn release_slot(
        &self,
        id: u64,
        per: Option<Duration>,
    ) -> Result<(), SharedStateError> {
        match &*self.engine {
            Engine::File(f) => f.release_slot(id, per),
            #[cfg(feature = "postgres")]
            Engine::Postgres(p) => p.release_slot(id, per),
        }
    }
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
