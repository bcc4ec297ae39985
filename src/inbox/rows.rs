//! Rows as both engines return them (the same columns and types), into records.

use std::time::Duration;

use super::policy::{Micros, from_micros};
use super::record::{Claim, DeadLetter, InboxEvent, Status};
use crate::events::DeliveryKey;

/// `seq, key, event_type, event_ts, object_id, body, received_at, attempts, claims`.
pub(crate) type ClaimRow = (
    i64,
    String,
    String,
    i64,
    Option<String>,
    Vec<u8>,
    i64,
    i64,
    i64,
);

/// A claim row, then `last_error, finished_at`.
pub(crate) type DeadRow = (
    i64,
    String,
    String,
    i64,
    Option<String>,
    Vec<u8>,
    i64,
    i64,
    i64,
    Option<String>,
    Option<i64>,
);

/// `received, pending, in_progress, done, dead, min(received_at) of pending`.
pub(crate) type StatusRow = (i64, i64, i64, i64, i64, Option<i64>);

pub(crate) fn claim_of(row: ClaimRow) -> Claim {
    let (seq, key, event_type, event_ts, object_id, body, received_at, attempts, claims) = row;
    Claim {
        event: InboxEvent {
            // Only this crate writes keys into the table, always valid ones; a key
            // written by hand is still handed out as it is.
            key: key.parse().unwrap_or_else(|_| DeliveryKey::unchecked(key)),
            event_type,
            timestamp: from_micros(event_ts),
            object_id,
            body,
            received_at: from_micros(received_at),
            attempt: u32::try_from(attempts).unwrap_or(u32::MAX),
        },
        seq,
        token: claims,
    }
}

pub(crate) fn dead_letter_of(row: DeadRow) -> DeadLetter {
    let (a, b, c, d, e, f, g, h, i, last_error, finished_at) = row;
    DeadLetter {
        event: claim_of((a, b, c, d, e, f, g, h, i)).event,
        last_error,
        died_at: finished_at.map(from_micros),
    }
}

pub(crate) fn status_of(row: StatusRow, now: Micros) -> Status {
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    let (received, pending, in_progress, done, dead, oldest) = row;
    Status {
        received: count(received),
        pending: count(pending),
        in_progress: count(in_progress),
        done: count(done),
        dead: count(dead),
        oldest_pending_age: oldest
            .map(|t| Duration::from_micros(u64::try_from(now.saturating_sub(t)).unwrap_or(0))),
    }
}
