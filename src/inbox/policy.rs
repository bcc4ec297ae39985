//! The inbox's decisions, without I/O: when a failed event is tried again or given up,
//! and which leases and backoffs a possibly jumped clock still honours. The engines only
//! turn these into SQL parameters.

use std::time::Duration;

/// Microseconds since the Unix epoch, UTC: the one unit of time in both engines' tables.
pub(crate) type Micros = i64;

/// A duration in microseconds, saturating (a duration beyond 292 000 years is "forever").
pub(crate) fn micros(d: Duration) -> Micros {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

/// An instant in microseconds since the epoch.
pub(crate) fn instant_micros(t: time::OffsetDateTime) -> Micros {
    i64::try_from(t.unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX)
}

/// The instant of a number of microseconds since the epoch (the epoch if out of range).
pub(crate) fn from_micros(us: Micros) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

/// How far ahead of now a lease or backoff of `span` may end and still be honoured.
pub(crate) fn horizon(span: Duration) -> Micros {
    micros(span).saturating_mul(2)
}

/// The wait before attempt `failed + 1`, after `failed` failed attempts (1 = the first
/// failed): `base * 2^(failed-1)`, capped.
pub(crate) fn backoff(failed: u32, base: Duration, cap: Duration) -> Duration {
    let doublings = failed.saturating_sub(1).min(32);
    base.checked_mul(1u32 << doublings.min(31))
        .map_or(cap, |d| d.min(cap))
}

/// What follows a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AfterFailure {
    /// Try again no earlier than this instant.
    Retry { at: Micros, wait: Duration },
    /// Give up: the event becomes a dead letter (kept, with its last error).
    Dead,
}

/// The decision after the `attempts`-th attempt failed.
pub(crate) fn after_failure(
    attempts: u32,
    max_attempts: u32,
    now: Micros,
    base: Duration,
    cap: Duration,
) -> AfterFailure {
    if attempts >= max_attempts {
        return AfterFailure::Dead;
    }
    let wait = backoff(attempts, base, cap);
    AfterFailure::Retry {
        at: now.saturating_add(micros(wait)),
        wait,
    }
}

/// The bounds a claim compares leases and backoffs with, at `now`.
///
/// A lease ends at `lease_until`; it is over when `lease_until <= now`. A claim makes it
/// end at most `lease` after the claimer's now, so a lease ending much later than that
/// was granted by a clock that has since jumped back: it is treated as over, rather
/// than blocking the event for as long as the jump. "Much later" is more than `2 ×
/// lease` ahead: concurrent claimers read their clocks at slightly different moments
/// (on PostgreSQL, before waiting for another's row lock), so a fresh lease can end a
/// little after `now + lease` as one worker sees it, and must still hold. Backoffs
/// likewise: never more than `2 × cap` ahead.
///
/// A jump back by more than a lease can thus let a second worker claim an event whose
/// first worker still runs; the first one's handler is cut off when its lease ends (on
/// the monotonic clock) and then records nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window {
    pub(crate) now: Micros,
    /// A lease ending after this is stale (clock jumped back).
    pub(crate) lease_horizon: Micros,
    /// A retry due after this is stale (clock jumped back).
    pub(crate) backoff_horizon: Micros,
    /// Where a new claim's lease ends.
    pub(crate) lease_until: Micros,
}

impl Window {
    pub(crate) fn at(now: Micros, lease: Duration, backoff_cap: Duration) -> Window {
        Window {
            now,
            lease_horizon: now.saturating_add(horizon(lease)),
            backoff_horizon: now.saturating_add(horizon(backoff_cap)),
            lease_until: now.saturating_add(micros(lease)),
        }
    }

    // The engines' claim queries state these two rules in SQL, with the bounds above;
    // here they are stated once more, in Rust, to be tested.
    /// Whether a lease ending at `lease_until` still holds the event.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn lease_holds(&self, lease_until: Option<Micros>) -> bool {
        lease_until.is_some_and(|until| until > self.now && until <= self.lease_horizon)
    }

    /// Whether an event due at `next_attempt_at` may be tried now.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn is_due(&self, next_attempt_at: Micros) -> bool {
        next_attempt_at <= self.now || next_attempt_at > self.backoff_horizon
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn backoff_doubles_and_caps() {
        let cap = Duration::from_secs(60);
        let waits: Vec<u64> = (1..=9).map(|n| backoff(n, S, cap).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
        assert_eq!(backoff(0, S, cap), S);
        assert_eq!(backoff(u32::MAX, S, cap), cap);
        assert_eq!(backoff(40, Duration::MAX, cap), cap);
    }

    #[test]
    fn dead_after_max_attempts_never_before() {
        let cap = Duration::from_secs(60);
        assert_eq!(
            after_failure(1, 3, 1_000, S, cap),
            AfterFailure::Retry {
                at: 1_001_000,
                wait: S
            }
        );
        assert!(matches!(
            after_failure(2, 3, 0, S, cap),
            AfterFailure::Retry { .. }
        ));
        assert_eq!(after_failure(3, 3, 0, S, cap), AfterFailure::Dead);
        assert_eq!(after_failure(4, 3, 0, S, cap), AfterFailure::Dead);
        // One attempt allowed: the first failure is final.
        assert_eq!(after_failure(1, 1, 0, S, cap), AfterFailure::Dead);
    }

    #[test]
    fn leases_expire_and_a_clock_jumped_back_does_not_extend_them() {
        let w = Window::at(
            100_000_000,
            Duration::from_secs(30),
            Duration::from_secs(600),
        );
        assert!(!w.lease_holds(None));
        assert!(w.lease_holds(Some(w.now + 1)));
        assert!(w.lease_holds(Some(w.lease_horizon)));
        // A fresh lease granted by a claimer whose clock read a little later holds.
        assert!(w.lease_holds(Some(w.lease_until + 1_000_000)));
        assert!(!w.lease_holds(Some(w.now)), "ends now: over");
        assert!(!w.lease_holds(Some(w.now - 1)));
        // Granted by a clock an hour ahead of this one: stale, not held for an hour.
        assert!(!w.lease_holds(Some(w.now + 3_600_000_000)));
    }

    #[test]
    fn backoffs_are_due_and_a_clock_jumped_back_does_not_extend_them() {
        let w = Window::at(
            100_000_000,
            Duration::from_secs(30),
            Duration::from_secs(600),
        );
        assert!(w.is_due(0));
        assert!(w.is_due(w.now));
        assert!(!w.is_due(w.now + 1));
        assert!(!w.is_due(w.backoff_horizon));
        assert!(w.is_due(w.backoff_horizon + 1));
    }

    #[test]
    fn micros_round_trip_and_saturate() {
        let t = time::macros::datetime!(2026-01-01 00:00:00.123456 UTC);
        assert_eq!(from_micros(instant_micros(t)), t);
        assert_eq!(micros(Duration::MAX), i64::MAX);
        assert_eq!(from_micros(i64::MAX), time::OffsetDateTime::UNIX_EPOCH);
    }
}
