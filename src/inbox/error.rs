//! [`InboxError`]: what went wrong, and whether the sender should try again later.

use std::future::Future;
use std::time::Duration;

use crate::events::EventParseError;

/// Why an inbox operation failed.
///
/// For a receiver: [`is_bad_delivery`](InboxError::is_bad_delivery) errors are the
/// sender's (answer 400 or 413, nothing was stored); every other error means the
/// event was **not** stored and the sender must try again later (answer 503).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InboxError {
    /// The body is not a webhook event this crate can read; nothing was stored.
    #[error("not a webhook event: {0}")]
    InvalidEvent(#[source] EventParseError),
    /// The body is larger than [`InboxOptions::with_max_body`](super::InboxOptions::with_max_body).
    #[error("the body has {size} bytes, more than the inbox's limit of {limit}")]
    BodyTooLarge {
        /// The body's size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The store could not be reached or written in time (server down, connection
    /// refused, SQLite's lock held by another process beyond the write timeout).
    #[error("the inbox store is unavailable (waited {waited:?}): {reason}")]
    Unavailable {
        /// How long it waited.
        waited: Duration,
        /// What happened, in words.
        reason: String,
        /// The driver's error, if there was one.
        #[source]
        source: Option<sqlx::Error>,
    },
    /// The store is read-only (a read-only file or directory, a read-only replica).
    #[error("the inbox store is read-only: {0}")]
    ReadOnly(#[source] sqlx::Error),
    /// The store is full (disk full, quota).
    #[error("the inbox store is full: {0}")]
    Full(#[source] sqlx::Error),
    /// The store's schema was written by a newer version of this crate.
    #[error(
        "the inbox's schema is version {found}, newer than this version of revolut-webhooks \
         understands ({supported}): upgrade revolut-webhooks, or use another store"
    )]
    SchemaTooNew {
        /// The version found in the store.
        found: i64,
        /// The newest version this crate knows.
        supported: i64,
    },
    /// The store string names no store this build can open.
    #[error("invalid inbox store: {0}")]
    InvalidStore(String),
    /// Any other database error.
    #[error("inbox database error: {0}")]
    Database(#[source] sqlx::Error),
}

impl InboxError {
    /// Whether the delivery itself is at fault (not an event, too large): answer 400
    /// or 413. Otherwise the store is, and the sender should retry later (503).
    pub fn is_bad_delivery(&self) -> bool {
        matches!(
            self,
            InboxError::InvalidEvent(_) | InboxError::BodyTooLarge { .. }
        )
    }

    /// Classifies a driver error: unreachable, busy, read-only, full or other.
    pub(crate) fn from_sqlx(error: sqlx::Error, waited: Duration) -> InboxError {
        let unavailable = |reason: &str, source| InboxError::Unavailable {
            waited,
            reason: reason.to_owned(),
            source,
        };
        match error {
            sqlx::Error::PoolTimedOut => unavailable("no connection to the store in time", None),
            sqlx::Error::PoolClosed => unavailable("the inbox was closed", None),
            sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::Protocol(_) => {
                unavailable("the connection to the store failed", Some(error))
            }
            sqlx::Error::Database(ref db) => match classify(db.code().as_deref()) {
                Class::Busy => unavailable("the store is locked by another writer", Some(error)),
                Class::Down => unavailable("the store went away", Some(error)),
                Class::ReadOnly => InboxError::ReadOnly(error),
                Class::Full => InboxError::Full(error),
                Class::Other => InboxError::Database(error),
            },
            other => InboxError::Database(other),
        }
    }
}

enum Class {
    Busy,
    Down,
    ReadOnly,
    Full,
    Other,
}

/// SQLite's result codes (numbers; the primary code is the low byte of an extended
/// one) and PostgreSQL's SQLSTATEs (five characters).
fn classify(code: Option<&str>) -> Class {
    let Some(code) = code else {
        return Class::Other;
    };
    if let Ok(n) = code.parse::<u32>() {
        return match n & 0xff {
            5 | 6 => Class::Busy,   // SQLITE_BUSY, SQLITE_LOCKED
            8 => Class::ReadOnly,   // SQLITE_READONLY
            13 => Class::Full,      // SQLITE_FULL
            10 | 14 => Class::Down, // SQLITE_IOERR, SQLITE_CANTOPEN
            _ => Class::Other,
        };
    }
    match code {
        "25006" => Class::ReadOnly,                 // read_only_sql_transaction
        "53100" | "53200" => Class::Full,           // disk_full, out_of_memory
        "55P03" | "40P01" | "40001" => Class::Busy, // lock_not_available, deadlock, serialization
        c if c.starts_with("08") || c.starts_with("57P") || c == "53300" => Class::Down,
        _ => Class::Other,
    }
}

/// Runs a store operation within `wait` (plus a margin so the driver's own timeouts, which
/// say more, report first), mapping its error.
pub(crate) async fn timed<T>(
    wait: Duration,
    op: impl Future<Output = Result<T, sqlx::Error>>,
) -> Result<T, InboxError> {
    let limit = wait + wait / 2 + Duration::from_millis(100);
    match tokio::time::timeout(limit, op).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(InboxError::from_sqlx(error, wait)),
        Err(_) => Err(InboxError::Unavailable {
            waited: limit,
            reason: "the store did not answer in time".into(),
            source: None,
        }),
    }
}
