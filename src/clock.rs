//! Where "now" comes from.
//!
//! Every rule that depends on the time (the 21-day window of failed events, the
//! signature tolerance, token expiry) reads a [`Clock`], so tests can set the time
//! instead of sleeping.

use std::fmt;
use std::sync::{Arc, Mutex};

use time::OffsetDateTime;

/// A source of the current time.
///
/// Implement it to control time in tests; [`SystemClock`] is the default
/// everywhere and [`ManualClock`] is a ready-made test clock.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time.
    fn now(&self) -> OffsetDateTime;
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that only moves when told to. Clones share the same time.
///
/// ```
/// use revolut_webhooks::{Clock, ManualClock};
/// use time::macros::datetime;
///
/// let clock = ManualClock::new(datetime!(2026-01-01 00:00 UTC));
/// clock.advance(time::Duration::minutes(41));
/// assert_eq!(clock.now(), datetime!(2026-01-01 00:41 UTC));
/// ```
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<Mutex<OffsetDateTime>>,
}

impl ManualClock {
    /// A clock stopped at `now`.
    pub fn new(now: OffsetDateTime) -> Self {
        Self {
            now: Arc::new(Mutex::new(now)),
        }
    }

    /// Sets the time.
    pub fn set(&self, now: OffsetDateTime) {
        *self.lock() = now;
    }

    /// Moves the time forward (or backward, with a negative duration).
    ///
    /// Saturates instead of overflowing: past the last instant `time` represents
    /// (the end of year 9999, without its `large-dates` feature) the clock stays
    /// there, and likewise before the first (year -9999). It never panics.
    pub fn advance(&self, by: time::Duration) {
        let mut now = self.lock();
        *now = now.saturating_add(by);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, OffsetDateTime> {
        // A panic while holding this lock cannot leave the time half-written.
        self.now.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.lock()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn manual_clock_clones_share_time() {
        let a = ManualClock::new(datetime!(2026-01-01 00:00 UTC));
        let b = a.clone();
        a.advance(time::Duration::seconds(5));
        assert_eq!(b.now(), datetime!(2026-01-01 00:00:05 UTC));
        b.set(datetime!(2020-01-01 00:00 UTC));
        assert_eq!(a.now(), datetime!(2020-01-01 00:00 UTC));
    }

    #[test]
    fn advancing_past_the_last_representable_time_saturates() {
        let end = datetime!(9999-12-31 23:59:59.999_999_999 UTC);
        let clock = ManualClock::new(datetime!(9999-12-31 23:00 UTC));
        clock.advance(time::Duration::hours(2));
        assert_eq!(clock.now(), end);
        clock.advance(time::Duration::MAX);
        assert_eq!(clock.now(), end);
        // Back from the edge by exactly what is asked.
        clock.advance(time::Duration::seconds(-1));
        assert_eq!(clock.now(), datetime!(9999-12-31 23:59:58.999_999_999 UTC));

        let start = datetime!(-9999-01-01 00:00 UTC);
        let clock = ManualClock::new(datetime!(-9999-01-01 01:00 UTC));
        clock.advance(time::Duration::hours(-2));
        assert_eq!(clock.now(), start);
        clock.advance(time::Duration::MIN);
        assert_eq!(clock.now(), start);
    }

    #[test]
    fn advancing_keeps_the_offset_at_the_edge() {
        // A clock in another offset stops at the last time it can show in it.
        for (start, edge) in [
            (
                datetime!(9999-12-31 23:00 +01:00),
                datetime!(9999-12-31 23:59:59.999_999_999 +01:00),
            ),
            (
                datetime!(9999-12-31 23:00 -01:00),
                datetime!(9999-12-31 23:59:59.999_999_999 -01:00),
            ),
        ] {
            let clock = ManualClock::new(start);
            clock.advance(time::Duration::days(1));
            let now = clock.now();
            assert_eq!((now.date(), now.time()), (edge.date(), edge.time()));
            assert_eq!(now.offset(), start.offset());
        }
    }

    #[test]
    fn system_clock_is_close_to_now() {
        let diff = SystemClock.now() - OffsetDateTime::now_utc();
        assert!(diff.abs() < time::Duration::seconds(5));
    }
}
