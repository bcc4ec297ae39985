//! [`InboxOptions`]: leases, attempts, backoff, timeouts, limits and retention.

use std::sync::Arc;
use std::time::Duration;

use crate::clock::Clock;

/// How an inbox claims, retries, waits and keeps. `InboxOptions::default()` suits a
/// receiver; each setter returns a changed copy.
///
/// ```
/// use std::time::Duration;
/// use revolut_webhooks::inbox::InboxOptions;
///
/// let options = InboxOptions::default()
///     .with_lease(Duration::from_secs(30))
///     .with_max_attempts(5);
/// assert_eq!(options.lease(), Duration::from_secs(30));
/// ```
#[derive(Clone)]
pub struct InboxOptions {
    pub(crate) lease: Duration,
    pub(crate) max_attempts: u32,
    pub(crate) backoff_base: Duration,
    pub(crate) backoff_cap: Duration,
    pub(crate) write_timeout: Duration,
    pub(crate) max_body: usize,
    pub(crate) retention: Duration,
    pub(crate) max_connections: u32,
    pub(crate) clock: Option<Arc<dyn Clock>>,
}

/// 21 days of failed events, plus time to replay them.
const DEFAULT_RETENTION: Duration = Duration::from_secs(30 * 24 * 3600);

impl Default for InboxOptions {
    fn default() -> Self {
        InboxOptions {
            lease: Duration::from_secs(60),
            max_attempts: 10,
            backoff_base: Duration::from_secs(1),
            backoff_cap: Duration::from_secs(10 * 60),
            write_timeout: Duration::from_secs(2),
            max_body: 1024 * 1024,
            retention: DEFAULT_RETENTION,
            max_connections: 8,
            clock: None,
        }
    }
}

impl std::fmt::Debug for InboxOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InboxOptions")
            .field("lease", &self.lease)
            .field("max_attempts", &self.max_attempts)
            .field("backoff_base", &self.backoff_base)
            .field("backoff_cap", &self.backoff_cap)
            .field("write_timeout", &self.write_timeout)
            .field("max_body", &self.max_body)
            .field("retention", &self.retention)
            .field("max_connections", &self.max_connections)
            .field("clock", &self.clock)
            .finish()
    }
}

impl InboxOptions {
    /// How long a claim holds an event (default 60 s). A worker that has not finished
    /// by then (killed, hung) loses it to another worker; the handler is also cut off
    /// when the lease ends, so one event never runs twice at once. Keep it well above
    /// your handler's longest run.
    #[must_use]
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = lease.max(Duration::from_millis(1));
        self
    }

    /// Attempts before an event becomes a dead letter (default 10, at least 1).
    #[must_use]
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The wait after the first failed attempt, doubled after each further one, up to
    /// `cap` (defaults 1 s and 10 minutes).
    #[must_use]
    pub fn with_backoff(mut self, base: Duration, cap: Duration) -> Self {
        self.backoff_base = base;
        self.backoff_cap = cap.max(base);
        self
    }

    /// The longest an operation waits for the store (a connection, SQLite's write lock)
    /// before failing with [`InboxError::Unavailable`](super::InboxError::Unavailable)
    /// (default 2 s): a sender is waiting for the answer, and should rather retry later.
    #[must_use]
    pub fn with_write_timeout(mut self, timeout: Duration) -> Self {
        self.write_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// The largest body accepted (default 1 MiB; Revolut's events are a few KiB).
    #[must_use]
    pub fn with_max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// How long done events are kept, so that a late duplicate is still recognised
    /// (default 30 days: Revolut's 21-day failed-events window plus time to replay).
    #[must_use]
    pub fn with_retention(mut self, retention: Duration) -> Self {
        self.retention = retention;
        self
    }

    /// The most connections the inbox opens (default 8).
    #[must_use]
    pub fn with_max_connections(mut self, n: u32) -> Self {
        self.max_connections = n.max(1);
        self
    }

    /// The clock for leases, backoff and ages (for tests). Without it, SQLite uses the
    /// system clock and PostgreSQL the database server's clock, so that machines whose
    /// clocks differ agree on when a lease ends.
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// The lease.
    pub fn lease(&self) -> Duration {
        self.lease
    }

    /// The attempts before dead-lettering.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The write timeout.
    pub fn write_timeout(&self) -> Duration {
        self.write_timeout
    }

    /// The retention of done events.
    pub fn retention(&self) -> Duration {
        self.retention
    }
}
