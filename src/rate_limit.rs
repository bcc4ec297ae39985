//! A client-side rate limiter, so a batch job stays under Revolut's limit instead
//! of bouncing off it.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// At most `requests` requests in any window of `per`: a sliding-window log.
///
/// Revolut allows 60 requests a minute per business. Clones share one budget, so
/// give the same limiter to every client (and every clone) that uses the same
/// business's token.
///
/// ```
/// use std::time::{Duration, Instant};
/// use revolut_webhooks::RateLimiter;
///
/// let limiter = RateLimiter::new(2, Duration::from_secs(60));
/// let now = Instant::now();
/// assert_eq!(limiter.reserve_at(now), Duration::ZERO);
/// assert_eq!(limiter.reserve_at(now), Duration::ZERO);
/// // The third request in the same minute waits for the first to leave the window.
/// assert_eq!(limiter.reserve_at(now), Duration::from_secs(60));
/// ```
#[derive(Clone)]
pub struct RateLimiter {
    requests: usize,
    per: Duration,
    // The start times of the last `requests` requests, some possibly in the future
    // (reserved by callers who are waiting for them).
    slots: Arc<Mutex<VecDeque<Instant>>>,
}

impl RateLimiter {
    /// At most `requests` requests in any window of `per` (at least one request).
    pub fn new(requests: u32, per: Duration) -> Self {
        let requests = requests.max(1) as usize;
        RateLimiter {
            requests,
            per,
            slots: Arc::new(Mutex::new(VecDeque::with_capacity(requests))),
        }
    }

    /// Revolut's documented limit: 60 requests a minute.
    pub fn revolut_default() -> Self {
        Self::new(60, Duration::from_secs(60))
    }

    /// Reserves the next slot and says how long to wait before using it.
    pub fn reserve(&self) -> Duration {
        self.reserve_at(Instant::now())
    }

    /// [`reserve`](Self::reserve) at a given instant (for tests).
    pub fn reserve_at(&self, now: Instant) -> Duration {
        // The lock is never held across a wait, so it serves both modes.
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        let start = if slots.len() < self.requests {
            now
        } else {
            let oldest = slots.pop_front().unwrap_or(now);
            (oldest + self.per).max(now)
        };
        // Reservations are handed out in order, so the log stays sorted.
        let start = slots.back().map_or(start, |&last| start.max(last));
        slots.push_back(start);
        start - now
    }
}

impl fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimiter")
            .field("requests", &self.requests)
            .field("per", &self.per)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_more_than_n_in_any_window() {
        let limiter = RateLimiter::new(60, Duration::from_secs(60));
        let t0 = Instant::now();
        let mut starts = Vec::new();
        // 200 requests arriving at once, then each caller waits its turn.
        for _ in 0..200 {
            starts.push(t0 + limiter.reserve_at(t0));
        }
        assert!(starts.windows(2).all(|w| w[0] <= w[1]));
        for (i, start) in starts.iter().enumerate() {
            let in_window = starts[..=i]
                .iter()
                .filter(|s| **s + Duration::from_secs(60) > *start)
                .count();
            assert!(in_window <= 60, "request {i}: {in_window} in one window");
        }
        assert_eq!(starts[59], t0);
        assert_eq!(starts[60], t0 + Duration::from_secs(60));
        assert_eq!(starts[199], t0 + Duration::from_secs(180));
    }

    #[test]
    fn idle_time_frees_slots() {
        let limiter = RateLimiter::new(2, Duration::from_secs(10));
        let t0 = Instant::now();
        assert_eq!(limiter.reserve_at(t0), Duration::ZERO);
        assert_eq!(
            limiter.reserve_at(t0 + Duration::from_secs(1)),
            Duration::ZERO
        );
        assert_eq!(
            limiter.reserve_at(t0 + Duration::from_secs(4)),
            Duration::from_secs(6)
        );
        // Long after, no wait at all.
        assert_eq!(
            limiter.reserve_at(t0 + Duration::from_secs(100)),
            Duration::ZERO
        );
    }

    #[test]
    fn clones_share_the_budget() {
        let a = RateLimiter::new(1, Duration::from_secs(5));
        let b = a.clone();
        let t0 = Instant::now();
        assert_eq!(a.reserve_at(t0), Duration::ZERO);
        assert_eq!(b.reserve_at(t0), Duration::from_secs(5));
        assert!(format!("{a:?}").contains("requests: 1"));
        assert_eq!(RateLimiter::new(0, Duration::from_secs(1)).requests, 1);
        assert_eq!(RateLimiter::revolut_default().requests, 60);
        assert!(a.reserve() > Duration::from_secs(5));
    }
}
