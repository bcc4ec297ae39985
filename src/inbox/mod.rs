//! A durable inbox of verified deliveries and their processing state, on SQLite (feature
//! `sqlite`) or PostgreSQL (feature `postgres`): every event processed once.
//!
//! Revolut's deliveries have no id, are retried when an answer is slow or fails, can be
//! replayed from the failed-events list, and arrive in any order. The inbox:
//!
//! 1. **accepts** a verified delivery: stores it under its [`DeliveryKey`] if the key is
//!    new, committed and synced before returning, and says whether it was
//!    [`New`](Accepted::New) or a [`Duplicate`](Accepted::Duplicate). Answer the
//!    sender 2xx only after `accept` returns `Ok`: a crash after that loses nothing.
//!    When the store cannot be written, `accept` fails within
//!    [`write_timeout`](InboxOptions::with_write_timeout) (answer 503: Revolut retries);
//! 2. **processes**: workers claim pending events with a lease, run your [`Handler`],
//!    and mark them done. A failed handler is retried with capped exponential backoff;
//!    after [`max_attempts`](InboxOptions::with_max_attempts) the event becomes a dead
//!    letter, kept with its last error until re-queued, never dropped. A worker killed
//!    mid-event loses nothing: its lease ends and another worker takes the event.
//!    Events about one object (`data.id`) are handed out one at a time, in event
//!    timestamp order (a dead letter no longer holds back its object's later events);
//!    many workers, on many machines with PostgreSQL, never run one
//!    event twice at the same time (a handler is cut off when its lease ends, and a
//!    worker whose lease ended records nothing);
//! 3. **reconciles**: [`reconcile`](Inbox::reconcile) accepts every event of a
//!    webhook's failed-events walk under the same key, so after downtime shorter than
//!    Revolut's 21-day window nothing is lost, and nothing is processed twice;
//! 4. reports [`status`](Inbox::status), lists and re-queues
//!    [dead letters](Inbox::dead_letters), and [prunes](Inbox::prune) done events
//!    after a retention long enough to recognise late duplicates (30 days by default).
//!
//! # Exactly once
//!
//! A [`Handler`] gets each event **at least once** (a worker can finish the work and die
//! before marking it done): pass [`InboxEvent::key`] to the next system, e.g. as an
//! `Idempotency-Key`. For effects **exactly once**, write them to the inbox's own
//! database in the transaction that marks the event done: a [`TxHandler`] gets sqlx's
//! `Transaction` (`process_one_tx` on [`SqliteInbox`] and [`PostgresInbox`]), so a crash at
//! any instant leaves both the effects and "done", or neither.
//!
//! # Engines
//!
//! [`Inbox::open`] takes a store string: `postgres://…` or `postgresql://…` (a standard
//! libpq URL; parameters such as `sslmode` are honoured, TLS by rustls) opens
//! PostgreSQL, anything else is a SQLite file path (an optional `sqlite:` prefix is
//! dropped).
//!
//! - **SQLite**: one file, bundled (no system library), WAL journal,
//!   `synchronous=FULL` (every accepted event is synced), `BEGIN IMMEDIATE` for writers
//!   and a busy timeout. Safe for several processes on one machine; **not** on a
//!   network file system, whose locks SQLite cannot rely on.
//! - **PostgreSQL**: for receivers on several machines. Claims use
//!   `FOR UPDATE SKIP LOCKED` and a lease column; leases and backoff use the database
//!   server's clock, so machines whose clocks differ agree. An accepted event is as
//!   durable as the server makes a commit: keep `synchronous_commit` on (the default)
//!   and `fsync` on.
//!
//! The schema is created on first use, idempotently (several processes may start at
//! once), and recorded in `revolut_inbox_schema (version)`; a store whose schema is
//! newer than this crate's is refused with [`InboxError::SchemaTooNew`]. All times are
//! microseconds since the Unix epoch, UTC. On SQLite:
//!
#![doc = concat!("```sql\n", include_str!("sqlite.sql"), "```")]
//!
//! On PostgreSQL:
//!
#![doc = concat!("```sql\n", include_str!("postgres.sql"), "```")]
//!
//! # Example
//!
//! ```no_run
//! # #[cfg(feature = "sqlite")]
//! # async fn run(body: &[u8]) -> Result<(), Box<dyn std::error::Error>> {
//! use revolut_webhooks::inbox::{handler_fn, HandlerError, Inbox, InboxEvent, InboxOptions};
//!
//! let inbox = Inbox::open_with("revolut-inbox.db", InboxOptions::default()).await?;
//! // In the HTTP handler, after verifying the signature:
//! let accepted = inbox.accept(body).await?; // then answer 200
//! # let _ = accepted;
//! // In a worker task:
//! let handler = handler_fn(|event: InboxEvent| async move {
//!     println!("{} {}", event.event_type, event.key);
//!     Ok::<(), HandlerError>(())
//! });
//! while let Some(processed) = inbox.process_one(&handler).await? {
//!     println!("{}: {:?}", processed.key, processed.outcome);
//! }
//! # Ok(()) }
//! ```

use crate::events::{DeliveryKey, WebhookEvent};

mod error;
mod handler;
mod options;
mod policy;
#[cfg(feature = "postgres")]
mod postgres;
mod reconcile;
mod record;
mod rows;
#[cfg(feature = "sqlite")]
mod sqlite;
mod worker;

pub use error::InboxError;
pub use handler::{Handler, HandlerError, HandlerFn, TxHandler, handler_fn};
pub use options::InboxOptions;
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub use postgres::PostgresInbox;
pub use reconcile::ReconcileReport;
pub use record::{Accepted, Claim, DeadLetter, InboxEvent, Outcome, Processed, Status};
#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub use sqlite::SqliteInbox;

/// The sqlx this crate was built with: a [`TxHandler`] names its `Transaction`, `Sqlite`
/// and `Postgres` types from here, or from a dependency of its own of a compatible version.
pub use sqlx;

/// The attribute that implements [`Handler`] and [`TxHandler`] (their methods are
/// `async fn`s returning boxed futures): `#[revolut_webhooks::inbox::async_trait]`.
pub use async_trait::async_trait;

/// The schema version this crate writes and reads.
const SCHEMA_VERSION: i64 = 1;

/// An inbox on one of the engines compiled in. Cheap to clone (a connection pool).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Inbox {
    /// On SQLite.
    #[cfg(feature = "sqlite")]
    #[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
    Sqlite(SqliteInbox),
    /// On PostgreSQL.
    #[cfg(feature = "postgres")]
    #[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
    Postgres(PostgresInbox),
}

/// Runs `$body` with `$engine` bound to whichever engine `$inbox` is.
macro_rules! on_engine {
    ($inbox:expr, $engine:ident => $body:expr) => {
        match $inbox {
            #[cfg(feature = "sqlite")]
            Inbox::Sqlite($engine) => $body,
            #[cfg(feature = "postgres")]
            Inbox::Postgres($engine) => $body,
        }
    };
}

/// An event ready to store: the parts of a verified delivery the tables keep.
pub(crate) struct NewEvent<'a> {
    pub(crate) key: DeliveryKey,
    pub(crate) event_type: &'a str,
    pub(crate) event_ts: policy::Micros,
    pub(crate) object_id: Option<String>,
    pub(crate) body: &'a [u8],
}

impl Inbox {
    /// Opens the inbox named by `store` with default options: see
    /// [`open_with`](Inbox::open_with).
    ///
    /// # Errors
    ///
    /// As [`open_with`](Inbox::open_with).
    pub async fn open(store: &str) -> Result<Inbox, InboxError> {
        Inbox::open_with(store, InboxOptions::default()).await
    }

    /// Opens the inbox named by `store`: a `postgres://` or `postgresql://` URL opens
    /// PostgreSQL, anything else is the path of a SQLite file (created if missing; an
    /// optional `sqlite:` or `sqlite://` prefix is dropped). Creates or checks the schema.
    ///
    /// # Errors
    ///
    /// [`InboxError::InvalidStore`] for an empty store or an engine this build lacks;
    /// otherwise what the engine's `open` or `connect` says.
    pub async fn open_with(store: &str, options: InboxOptions) -> Result<Inbox, InboxError> {
        let store = store.trim();
        let lower = store.to_ascii_lowercase();
        if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            #[cfg(feature = "postgres")]
            return PostgresInbox::connect(store, options)
                .await
                .map(Inbox::Postgres);
            #[cfg(not(feature = "postgres"))]
            return Err(InboxError::InvalidStore(
                "a PostgreSQL URL, but this build has no `postgres` feature".into(),
            ));
        }
        let path = store
            .strip_prefix("sqlite://")
            .or_else(|| store.strip_prefix("sqlite:"))
            .unwrap_or(store);
        if path.is_empty() {
            return Err(InboxError::InvalidStore(
                "empty: give a SQLite file path or a postgres:// URL".into(),
            ));
        }
        #[cfg(feature = "sqlite")]
        return SqliteInbox::open(path, options).await.map(Inbox::Sqlite);
        #[cfg(not(feature = "sqlite"))]
        return Err(InboxError::InvalidStore(
            "a SQLite path, but this build has no `sqlite` feature".into(),
        ));
    }

    fn options(&self) -> &InboxOptions {
        on_engine!(self, e => e.options())
    }

    /// Stores a **verified** delivery's raw body if its event is new; see the
    /// [module docs](self). Verify the signature first: the inbox trusts what it is given.
    ///
    /// # Errors
    ///
    /// [`InboxError::InvalidEvent`] and [`InboxError::BodyTooLarge`] (nothing stored;
    /// [`is_bad_delivery`](InboxError::is_bad_delivery)), or a store error (nothing
    /// stored; the sender should retry).
    pub async fn accept(&self, body: &[u8]) -> Result<Accepted, InboxError> {
        self.check_size(body)?;
        let event = WebhookEvent::from_slice(body).map_err(InboxError::InvalidEvent)?;
        self.accept_event(body, &event).await
    }

    /// [`accept`](Inbox::accept) for a body already parsed (by
    /// [`Verified::event`](crate::signature::Verified::event) after verifying):
    /// `event` must be `body`'s event.
    ///
    /// # Errors
    ///
    /// As [`accept`](Inbox::accept).
    pub async fn accept_event(
        &self,
        body: &[u8],
        event: &WebhookEvent,
    ) -> Result<Accepted, InboxError> {
        self.check_size(body)?;
        let new = NewEvent {
            key: event.delivery_key(),
            event_type: event.event.as_str(),
            event_ts: policy::instant_micros(event.timestamp),
            object_id: event.object_id(),
            body,
        };
        let stored = on_engine!(self, e => e.accept(&new).await)?;
        Ok(if stored {
            Accepted::New { key: new.key }
        } else {
            Accepted::Duplicate { key: new.key }
        })
    }

    fn check_size(&self, body: &[u8]) -> Result<(), InboxError> {
        let limit = self.options().max_body;
        if body.len() > limit {
            return Err(InboxError::BodyTooLarge {
                size: body.len(),
                limit,
            });
        }
        Ok(())
    }

    /// Claims the next ready event for this worker, until its lease ends; `None` when
    /// none is ready. Finish it with [`complete`](Inbox::complete) or
    /// [`fail`](Inbox::fail) (or let the lease end, and it is claimed again).
    ///
    /// # Errors
    ///
    /// A store error.
    pub async fn claim(&self) -> Result<Option<Claim>, InboxError> {
        on_engine!(self, e => e.claim().await)
    }

    /// Marks a claimed event done. `Ok(false)` if the claim was lost (its lease ended
    /// and another worker claimed the event): nothing was recorded.
    ///
    /// # Errors
    ///
    /// A store error: the event stays claimed until its lease ends, then is retried.
    pub async fn complete(&self, claim: &Claim) -> Result<bool, InboxError> {
        on_engine!(self, e => e.complete(claim).await)
    }

    /// Records a failed attempt: the event is retried after a backoff, or becomes a
    /// dead letter after the last allowed attempt. `error` is kept as its last error.
    ///
    /// # Errors
    ///
    /// A store error: the event stays claimed until its lease ends, then is retried.
    pub async fn fail(&self, claim: &Claim, error: &str) -> Result<Outcome, InboxError> {
        on_engine!(self, e => e.fail(claim, error).await)
    }

    /// Counts by state and the age of the oldest pending event.
    ///
    /// # Errors
    ///
    /// A store error.
    pub async fn status(&self) -> Result<Status, InboxError> {
        on_engine!(self, e => e.status().await)
    }

    /// Up to `limit` dead letters, oldest first.
    ///
    /// # Errors
    ///
    /// A store error.
    pub async fn dead_letters(&self, limit: u32) -> Result<Vec<DeadLetter>, InboxError> {
        on_engine!(self, e => e.dead_letters(limit).await)
    }

    /// Puts the dead letter with this key back in line, with a fresh count of attempts.
    /// `Ok(false)` if no dead letter has that key.
    ///
    /// # Errors
    ///
    /// A store error.
    pub async fn requeue(&self, key: &DeliveryKey) -> Result<bool, InboxError> {
        on_engine!(self, e => e.requeue(Some(key.as_str())).await).map(|n| n > 0)
    }

    /// Puts every dead letter back in line; returns how many.
    ///
    /// # Errors
    ///
    /// A store error.
    pub async fn requeue_all_dead(&self) -> Result<u64, InboxError> {
        on_engine!(self, e => e.requeue(None).await)
    }

    /// Deletes done events finished longer ago than the
    /// [retention](InboxOptions::with_retention); returns how many. Pending events and
    /// dead letters are never pruned.
    ///
    /// # Errors
    ///
    /// A store error.
    pub async fn prune(&self) -> Result<u64, InboxError> {
        let retention = self.options().retention;
        on_engine!(self, e => e.prune(retention).await)
    }

    /// Closes the inbox's connections (after waiting for those in use).
    pub async fn close(&self) {
        on_engine!(self, e => e.close().await)
    }
}
