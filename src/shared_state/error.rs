//! [`SharedStateError`]: why the shared token store or rate budget could not be used.

use std::fmt;
use std::sync::Arc;

/// What kind of failure a [`SharedStateError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SharedStateErrorKind {
    /// Reading or writing the store failed (a file, a directory, a connection).
    Io,
    /// The store file is owned by another user, or readable or writable by others.
    Permissions,
    /// The store's content is not what this crate wrote.
    Corrupt,
    /// Another process held the refresh lock longer than the wait allowed.
    LockTimeout,
    /// The PostgreSQL server refused or failed a query, or could not be reached.
    Database,
    /// The store's address names an engine this build does not have.
    Unsupported,
}

/// The shared token store or rate budget could not be used. Never holds a token:
/// the store's content is never quoted, and a PostgreSQL URL never shown.
#[derive(Clone)]
#[non_exhaustive]
pub struct SharedStateError {
    /// What kind of failure this is.
    pub kind: SharedStateErrorKind,
    /// Where: the file's path, or `PostgreSQL`.
    pub store: String,
    /// What went wrong and what to do about it.
    pub message: String,
    source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

// Made by the engines, which need a client feature.
#[cfg_attr(not(any(feature = "blocking", feature = "async")), allow(dead_code))]
impl SharedStateError {
    pub(crate) fn new(
        kind: SharedStateErrorKind,
        store: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        SharedStateError {
            kind,
            store: store.into(),
            message: message.into(),
            source: None,
        }
    }

    #[must_use]
    pub(crate) fn with_source(
        mut self,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        self.source = Some(Arc::new(source));
        self
    }
}

impl fmt::Display for SharedStateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "shared state {}: {}", self.store, self.message)
    }
}

impl fmt::Debug for SharedStateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedStateError")
            .field("kind", &self.kind)
            .field("store", &self.store)
            .field("message", &self.message)
            .finish_non_exhaustive()
    }
}

impl std::error::Error for SharedStateError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}
