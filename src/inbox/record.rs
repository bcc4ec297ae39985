//! What the inbox hands out and reports: stored events, claims, outcomes, counts.

use std::time::Duration;

use time::OffsetDateTime;

use crate::events::{DeliveryKey, EventParseError, WebhookEvent};

/// What [`accept`](super::Inbox::accept) did with a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Accepted {
    /// The event was new, and is now stored durably (committed and synced).
    New {
        /// Its key.
        key: DeliveryKey,
    },
    /// The event was already in the inbox (a retry, a replay, a reconciled copy); nothing
    /// was stored. Answer 2xx all the same.
    Duplicate {
        /// Its key.
        key: DeliveryKey,
    },
}

impl Accepted {
    /// The event's key.
    pub fn key(&self) -> &DeliveryKey {
        match self {
            Accepted::New { key } | Accepted::Duplicate { key } => key,
        }
    }

    /// Whether it was new.
    pub fn is_new(&self) -> bool {
        matches!(self, Accepted::New { .. })
    }
}

/// A stored event, as a handler gets it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct InboxEvent {
    /// Its key: pass it on (e.g. as an `Idempotency-Key`) to deduplicate effects
    /// outside the database.
    pub key: DeliveryKey,
    /// The event's type name (`TransactionStateChanged`).
    pub event_type: String,
    /// The event's own timestamp.
    pub timestamp: OffsetDateTime,
    /// The object it is about (`data.id`), if any: events of one object are handed out
    /// one at a time, in timestamp order.
    pub object_id: Option<String>,
    /// The raw body, exactly as it was accepted.
    pub body: Vec<u8>,
    /// When the inbox stored it.
    pub received_at: OffsetDateTime,
    /// Which attempt this is: 1 the first time.
    pub attempt: u32,
}

impl InboxEvent {
    /// The event, parsed.
    ///
    /// # Errors
    ///
    /// Never for a body the inbox accepted with this version of the crate.
    pub fn event(&self) -> Result<WebhookEvent, EventParseError> {
        WebhookEvent::from_slice(&self.body)
    }
}

/// An event claimed by this worker until its lease ends: finish it with
/// [`complete`](super::Inbox::complete) or [`fail`](super::Inbox::fail).
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    pub(crate) event: InboxEvent,
    pub(crate) seq: i64,
    /// The claim's fencing token: the row's claim counter after this claim. A worker
    /// whose lease ran out and whose event was claimed again finishes nothing.
    pub(crate) token: i64,
}

impl Claim {
    /// The claimed event.
    pub fn event(&self) -> &InboxEvent {
        &self.event
    }

    /// Takes the event out of the claim.
    pub fn into_event(self) -> InboxEvent {
        self.event
    }
}

/// What happened to a claimed event.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// Handled and marked done.
    Done,
    /// The handler failed; the event will be tried again after `after`.
    Retry {
        /// The wait before the next attempt.
        after: Duration,
        /// The handler's error, as text.
        error: String,
    },
    /// The handler failed on the last allowed attempt: the event is a dead letter,
    /// kept with its last error until re-queued.
    Dead {
        /// The handler's error, as text.
        error: String,
    },
    /// The lease ended and another worker claimed the event before this one finished:
    /// nothing was recorded (and, for a transactional handler, its writes were rolled
    /// back).
    LeaseLost,
}

/// One processed event: its key and outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Processed {
    /// The event's key.
    pub key: DeliveryKey,
    /// What happened.
    pub outcome: Outcome,
}

/// Counts by state, and the age of the oldest pending event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Status {
    /// Every event in the inbox (pending, done not yet pruned, and dead).
    pub received: u64,
    /// Waiting to be processed or being processed.
    pub pending: u64,
    /// Of the pending, those a worker holds a lease on now.
    pub in_progress: u64,
    /// Processed.
    pub done: u64,
    /// Dead letters.
    pub dead: u64,
    /// How long the oldest pending event has waited since it was stored.
    pub oldest_pending_age: Option<Duration>,
}

/// An event that failed on every allowed attempt.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DeadLetter {
    /// The event (`attempt` is the number of attempts made).
    pub event: InboxEvent,
    /// The last attempt's error.
    pub last_error: Option<String>,
    /// When it was given up.
    pub died_at: Option<OffsetDateTime>,
}
