//! What a worker runs for each event: a [`Handler`], or a [`TxHandler`] that writes its
//! rows in the transaction that marks the event done.

use std::future::Future;

use super::record::InboxEvent;

/// A handler's error: any error; its text is stored as the event's last error.
pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;

/// Processes one event; `Ok` marks it done, `Err` retries it later (and dead-letters it
/// after the last attempt).
///
/// Effects outside the inbox's database (an HTTP call, an email) happen **at least
/// once**: a worker can do the work and die before marking it done. Pass
/// [`InboxEvent::key`] along so the next system can deduplicate. For effects exactly
/// once, write them to the same database with a [`TxHandler`].
///
/// A closure works through [`handler_fn`].
#[async_trait::async_trait]
pub trait Handler: Send + Sync {
    /// Handles one event.
    async fn handle(&self, event: &InboxEvent) -> Result<(), HandlerError>;
}

/// Processes one event inside the database transaction that marks it done: its writes
/// and "done" commit together or not at all, so its effects happen **exactly once**,
/// whatever crashes when. On SQLite the transaction holds the write lock (other writers,
/// `accept` included, wait): keep it short.
///
/// `DB` is `sqlx::Sqlite` or `sqlx::Postgres`: the handler gets the driver's own
/// transaction type, and can pass `&mut **tx` wherever sqlx takes an executor.
#[async_trait::async_trait]
pub trait TxHandler<DB: sqlx::Database>: Send + Sync {
    /// Handles one event, writing through `tx`. An error rolls the writes back.
    async fn handle(
        &self,
        event: &InboxEvent,
        tx: &mut sqlx::Transaction<'static, DB>,
    ) -> Result<(), HandlerError>;
}

/// A [`Handler`] from a closure that takes the event (a clone) and returns a future.
///
/// ```
/// use revolut_webhooks::inbox::{handler_fn, HandlerError, InboxEvent};
///
/// let handler = handler_fn(|event: InboxEvent| async move {
///     println!("{} {}", event.event_type, event.key);
///     Ok::<(), HandlerError>(())
/// });
/// # let _ = handler;
/// ```
pub fn handler_fn<F, Fut>(f: F) -> HandlerFn<F>
where
    F: Fn(InboxEvent) -> Fut + Send + Sync,
    Fut: Future<Output = Result<(), HandlerError>> + Send,
{
    HandlerFn(f)
}

/// A closure as a [`Handler`]; see [`handler_fn`].
#[derive(Debug, Clone)]
pub struct HandlerFn<F>(F);

#[async_trait::async_trait]
impl<F, Fut> Handler for HandlerFn<F>
where
    F: Fn(InboxEvent) -> Fut + Send + Sync,
    Fut: Future<Output = Result<(), HandlerError>> + Send,
{
    async fn handle(&self, event: &InboxEvent) -> Result<(), HandlerError> {
        (self.0)(event.clone()).await
    }
}
