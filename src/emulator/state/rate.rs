//! The per-business rate limit: at most `requests` in any `window` on the
//! emulator's clock (Revolut: 60 a minute for a business), decided without I/O.

use std::collections::VecDeque;

use time::OffsetDateTime;

use super::super::times::minus;

/// A limit of `requests` per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limit {
    pub requests: u32,
    pub window: time::Duration,
}

/// Revolut's: 60 requests per 60 seconds.
pub(crate) const REVOLUT_LIMIT: Limit = Limit {
    requests: 60,
    window: time::Duration::seconds(60),
};

/// The times of the requests admitted within the last window, oldest first.
#[derive(Debug, Default)]
pub(crate) struct Window {
    admitted: VecDeque<OffsetDateTime>,
}

impl Window {
    /// Admits a request at `now`, or says in how many whole seconds (at least 1) a
    /// slot frees.
    pub(crate) fn admit(&mut self, limit: Limit, now: OffsetDateTime) -> Result<(), u64> {
        let start = minus(now, limit.window);
        // Requests older than the window no longer count; requests "after" now mean
        // the clock was set back, and are forgotten rather than counted for ever.
        self.admitted.retain(|t| *t > start && *t <= now);
        if self.admitted.len() < limit.requests as usize {
            self.admitted.push_back(now);
            return Ok(());
        }
        let frees_at = self.admitted.front().map_or(now, |oldest| {
            super::super::times::plus(*oldest, limit.window)
        });
        let wait = frees_at - now;
        let whole = wait.whole_seconds() + i64::from(wait.subsec_nanoseconds() > 0);
        Err(u64::try_from(whole).unwrap_or(0).max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn admits_the_limit_in_any_window_and_says_when_a_slot_frees() {
        let t0 = datetime!(2026-11-25 12:00 UTC);
        let limit = Limit {
            requests: 3,
            window: time::Duration::seconds(60),
        };
        let mut w = Window::default();
        assert_eq!(w.admit(limit, t0), Ok(()));
        let t1 = t0 + time::Duration::seconds(10);
        assert_eq!(w.admit(limit, t1), Ok(()));
        assert_eq!(w.admit(limit, t1), Ok(()));
        let t2 = t0 + time::Duration::milliseconds(20_500);
        assert_eq!(w.admit(limit, t2), Err(40));
        // The first frees exactly one window after it was admitted.
        assert_eq!(w.admit(limit, t0 + time::Duration::seconds(60)), Ok(()));
        assert_eq!(w.admit(limit, t0 + time::Duration::seconds(60)), Err(10));
        // A clock set back forgets what it has not reached yet.
        assert_eq!(w.admit(limit, t0 - time::Duration::hours(1)), Ok(()));
    }

    #[test]
    fn the_ends_of_time_do_not_overflow() {
        let mut w = Window::default();
        let one = Limit {
            requests: 1,
            window: time::Duration::MAX,
        };
        let end = time::PrimitiveDateTime::MAX.assume_utc();
        assert_eq!(w.admit(one, end), Ok(()));
        assert!(w.admit(one, end).is_err());
        let start = time::PrimitiveDateTime::MIN.assume_utc();
        let mut w = Window::default();
        assert_eq!(w.admit(REVOLUT_LIMIT, start), Ok(()));
    }
}
