//! A client-side rate limiter, so a batch job stays under Revolut's limit instead
//! of bouncing off it.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// At most `requests` requests in any window of `per`, as the server counts them.
///
/// Revolut allows 60 requests a minute per business. Clones share one budget, so
/// give the same limiter to every client (and every clone) that uses the same
/// business's token.
///
/// A request holds its slot from the moment it is sent until `per` after its
/// answer arrived. That is what keeps the server's window: the server sees a
/// request at some point between those two instants, so however slow an answer
/// (a TLS handshake, a stalled server), no window of `per` at the server can hold
/// more than `requests` of them. The client takes the slot just before it sends,
/// after the access token is fetched, so a slow token refresh holds none.
///
/// The limiter does no I/O and never sleeps: [`try_acquire_at`](Self::try_acquire_at)
/// either hands out a [`RateLimitPermit`] or says how long, at the least, until
/// one may be free.
///
/// ```
/// use std::time::{Duration, Instant};
/// use revolut_webhooks::RateLimiter;
///
/// let limiter = RateLimiter::new(2, Duration::from_secs(60));
/// let t0 = Instant::now();
/// let a = limiter.try_acquire_at(t0).unwrap();
/// let b = limiter.try_acquire_at(t0).unwrap();
/// // Both slots are held by requests still in flight: the next one is at least a
/// // window away, since a slot frees `per` after its request's answer.
/// assert_eq!(limiter.try_acquire_at(t0).unwrap_err(), Duration::from_secs(60));
/// a.release_at(t0 + Duration::from_secs(1));
/// b.release_at(t0 + Duration::from_secs(2));
/// assert_eq!(limiter.try_acquire_at(t0 + Duration::from_secs(2)).unwrap_err(), Duration::from_secs(59));
/// assert!(limiter.try_acquire_at(t0 + Duration::from_secs(61)).is_ok());
/// ```
#[derive(Clone)]
pub struct RateLimiter {
    requests: usize,
    per: Duration,
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    /// Requests holding a slot whose answer has not arrived yet.
    in_flight: usize,
    /// When the answers of finished requests arrived; each holds its slot until `per` after.
    finished: Vec<Instant>,
}

impl RateLimiter {
    /// At most `requests` requests in any window of `per` (at least one request).
    ///
    /// Any `per` is accepted, even [`Duration::MAX`]: a window that long simply
    /// never frees a slot within a call's budget, and calls fail at once with
    /// [`Error::RateLimitedLocally`](crate::Error::RateLimitedLocally).
    pub fn new(requests: u32, per: Duration) -> Self {
        let requests = (requests.max(1) as usize).min(MAX_TRACKED);
        RateLimiter {
            requests,
            per,
            state: Arc::new(Mutex::new(State::default())),
        }
    }

    /// At most this many requests in any window of [`per`](Self::per).
    pub fn requests(&self) -> u32 {
        u32::try_from(self.requests).unwrap_or(u32::MAX)
    }

    /// The window.
    pub fn per(&self) -> Duration {
        self.per
    }

    /// Revolut's documented limit: 60 requests a minute.
    pub fn revolut_default() -> Self {
        Self::new(60, Duration::from_secs(60))
    }

    /// [`try_acquire_at`](Self::try_acquire_at) now.
    pub fn try_acquire(&self) -> Result<RateLimitPermit, Duration> {
        self.try_acquire_at(Instant::now())
    }

    /// Takes a slot for a request about to be sent at `now`, or says how long at
    /// the least until a slot may be free (never zero). Another caller may take
    /// that slot first, so ask again after the wait.
    ///
    /// When every slot is held by a request still in flight, the next slot is at
    /// least `per` away, and that is the wait returned.
    pub fn try_acquire_at(&self, now: Instant) -> Result<RateLimitPermit, Duration> {
        let mut state = self.lock();
        let per = self.per;
        // `checked_add` because `per` may be absurdly large: such a slot never frees.
        state
            .finished
            .retain(|&done| done.checked_add(per).is_none_or(|free| free > now));
        if state.in_flight + state.finished.len() < self.requests {
            state.in_flight += 1;
            return Ok(RateLimitPermit {
                limiter: Some(self.clone()),
            });
        }
        let wait = state
            .finished
            .iter()
            .filter_map(|done| done.checked_add(per))
            .min()
            .map_or(per, |free| free.saturating_duration_since(now))
            .max(MIN_WAIT);
        Err(wait)
    }

    fn release_at(&self, now: Instant) {
        let mut state = self.lock();
        state.in_flight = state.in_flight.saturating_sub(1);
        state.finished.push(now);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The lock is never held across a wait, so it serves both modes; a panic
        // while it was held cannot leave the counts half-written.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Bounds the log, so a huge `requests` cannot make the limiter allocate without end.
const MAX_TRACKED: usize = 1 << 20;

/// The shortest wait handed out, so a waiter never spins.
const MIN_WAIT: Duration = Duration::from_millis(1);

impl fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimiter")
            .field("requests", &self.requests)
            .field("per", &self.per)
            .finish()
    }
}

/// A slot of a [`RateLimiter`], held by one request from just before it is sent.
///
/// Release it with [`release_at`](Self::release_at) when the answer has arrived
/// (or the request failed); dropping it releases it at [`Instant::now`], so a
/// cancelled request frees its slot too, a window later.
#[must_use = "a permit is released when dropped: hold it while the request is in flight"]
pub struct RateLimitPermit {
    limiter: Option<RateLimiter>,
}

impl RateLimitPermit {
    /// The request's answer arrived (or it failed) at `now`: the slot frees a window later.
    pub fn release_at(mut self, now: Instant) {
        if let Some(limiter) = self.limiter.take() {
            limiter.release_at(now);
        }
    }
}

impl RateLimitPermit {
    /// The request was not sent after all: the slot is free again at once.
    pub fn cancel(mut self) {
        if let Some(limiter) = self.limiter.take() {
            let mut state = limiter.lock();
            state.in_flight = state.in_flight.saturating_sub(1);
        }
    }
}

impl Drop for RateLimitPermit {
    fn drop(&mut self) {
        if let Some(limiter) = self.limiter.take() {
            limiter.release_at(Instant::now());
        }
    }
}

impl fmt::Debug for RateLimitPermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimitPermit").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn in_flight_requests_hold_their_slots() {
        let limiter = RateLimiter::new(2, 10 * S);
        let t0 = Instant::now();
        let a = limiter.try_acquire_at(t0).unwrap();
        let _b = limiter.try_acquire_at(t0).unwrap();
        // A slow first request: long after the window it still holds its slot.
        assert_eq!(limiter.try_acquire_at(t0 + 100 * S).unwrap_err(), 10 * S);
        // Its answer arrives at 100 s: the slot frees at 110 s, not at 10 s.
        a.release_at(t0 + 100 * S);
        assert_eq!(limiter.try_acquire_at(t0 + 104 * S).unwrap_err(), 6 * S);
        assert!(limiter.try_acquire_at(t0 + 110 * S).is_ok());
    }

    #[test]
    fn idle_time_frees_slots() {
        let limiter = RateLimiter::new(2, 10 * S);
        let t0 = Instant::now();
        limiter.try_acquire_at(t0).unwrap().release_at(t0);
        limiter.try_acquire_at(t0 + S).unwrap().release_at(t0 + S);
        assert_eq!(limiter.try_acquire_at(t0 + 4 * S).unwrap_err(), 6 * S);
        // Long after, no wait at all.
        for _ in 0..2 {
            limiter
                .try_acquire_at(t0 + 100 * S)
                .unwrap()
                .release_at(t0 + 100 * S);
        }
    }

    #[test]
    fn a_dropped_permit_releases_its_slot() {
        let limiter = RateLimiter::new(1, Duration::from_millis(1));
        let permit = limiter.try_acquire().unwrap();
        assert!(limiter.try_acquire().is_err());
        drop(permit);
        let later = Instant::now() + Duration::from_millis(2);
        assert!(limiter.try_acquire_at(later).is_ok());
    }

    #[test]
    fn a_cancelled_permit_frees_its_slot_at_once() {
        let limiter = RateLimiter::new(1, 10 * S);
        let t0 = Instant::now();
        limiter.try_acquire_at(t0).unwrap().cancel();
        limiter.try_acquire_at(t0).unwrap().release_at(t0);
        assert_eq!(limiter.try_acquire_at(t0).unwrap_err(), 10 * S);
    }

    #[test]
    fn clones_share_the_budget() {
        let a = RateLimiter::new(1, 5 * S);
        let b = a.clone();
        let t0 = Instant::now();
        let _held = a.try_acquire_at(t0).unwrap();
        assert_eq!(b.try_acquire_at(t0).unwrap_err(), 5 * S);
        assert!(format!("{a:?}").contains("requests: 1"));
        assert!(format!("{_held:?}").contains("RateLimitPermit"));
        assert_eq!(RateLimiter::new(0, S).requests, 1);
        assert_eq!(RateLimiter::revolut_default().requests, 60);
    }

    #[test]
    fn absurd_settings_do_not_panic() {
        let t0 = Instant::now();
        let forever = RateLimiter::new(1, Duration::MAX);
        forever.try_acquire_at(t0).unwrap().release_at(t0);
        assert_eq!(forever.try_acquire_at(t0).unwrap_err(), Duration::MAX);
        assert_eq!(RateLimiter::new(u32::MAX, S).requests, MAX_TRACKED);
        let zero = RateLimiter::new(1, Duration::ZERO);
        zero.try_acquire_at(t0).unwrap().release_at(t0);
        assert!(zero.try_acquire_at(t0).is_ok());
    }

    /// One simulated request: sent at `start` (it takes its slot then), answered
    /// `latency` later; the server sees it somewhere in between.
    #[derive(Debug, Clone)]
    struct Sim {
        ready: u64,
        latency: u64,
        seen: u64,
    }

    proptest! {
        /// Whatever the latencies and the instants callers are ready, no window of
        /// `per` at the server holds more than `requests` arrivals.
        #[test]
        fn no_server_window_holds_more_than_allowed(
            requests in 1u32..5,
            per_ms in 1u64..500,
            sims in prop::collection::vec((0u64..2000, 0u64..1500, 0u64..=100), 1..40),
        ) {
            let limiter = RateLimiter::new(requests, Duration::from_millis(per_ms));
            let t0 = Instant::now();
            let ms = Duration::from_millis;
            let mut sims: Vec<Sim> = sims
                .into_iter()
                .map(|(ready, latency, seen)| Sim { ready, latency, seen })
                .collect();
            sims.sort_by_key(|s| s.ready);
            // A discrete-event run on a millisecond grid: each caller retries at
            // the wait it was given; answers release at their end.
            let mut pending: Vec<(u64, Sim)> = sims.iter().map(|s| (s.ready, s.clone())).collect();
            let mut in_flight: Vec<(u64, RateLimitPermit)> = Vec::new();
            let mut arrivals = Vec::new();
            let mut now = 0u64;
            for _event in 0..100_000 {
                if pending.is_empty() && in_flight.is_empty() {
                    break;
                }
                // Jump to the next instant something happens.
                now = pending
                    .iter()
                    .map(|e| e.0)
                    .chain(in_flight.iter().map(|f| f.0))
                    .min()
                    .unwrap_or(now);
                let mut i = 0;
                while i < in_flight.len() {
                    if in_flight[i].0 <= now {
                        let (_, permit) = in_flight.swap_remove(i);
                        permit.release_at(t0 + ms(now));
                    } else {
                        i += 1;
                    }
                }
                for entry in pending.iter_mut() {
                    if entry.0 == now {
                        match limiter.try_acquire_at(t0 + ms(now)) {
                            Ok(permit) => {
                                let s = &entry.1;
                                arrivals.push(now + s.latency * s.seen / 100);
                                in_flight.push((now + s.latency, permit));
                                entry.0 = u64::MAX;
                            }
                            Err(wait) => {
                                prop_assert!(wait >= ms(1));
                                entry.0 = now + u64::try_from(wait.as_millis()).unwrap().max(1);
                            }
                        }
                    }
                }
                pending.retain(|e| e.0 != u64::MAX);
            }
            prop_assert!(pending.is_empty() && in_flight.is_empty());
            arrivals.sort_unstable();
            for (i, &a) in arrivals.iter().enumerate() {
                let in_window = arrivals[i..].iter().take_while(|&&b| b < a + per_ms).count();
                prop_assert!(in_window <= requests as usize, "{in_window} arrivals in [{a}, {a}+{per_ms})");
            }
        }
    }
}
