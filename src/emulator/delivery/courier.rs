//! What an attempt is made with: the settings, the HTTP agent, the observer, and
//! the count of deliveries under way; and the POST itself.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::super::report::{AttemptLog, AttemptResult};
use super::super::state::Store;
use super::super::times::after;
use super::target::target;

/// What [`EmulatorBuilder::on_attempt`](super::EmulatorBuilder::on_attempt) calls.
pub(crate) type Observer = Box<dyn Fn(&AttemptLog) + Send + Sync>;

/// How deliveries are made.
pub(crate) struct Settings {
    pub allow_loopback_http: bool,
    pub retry_interval: Duration,
    /// Whether a retry also falls due when the emulator's clock (a test's
    /// `ManualClock`) has moved by the retry interval, not only real time.
    pub retry_on_clock: bool,
    pub faults: Faults,
}

/// The unreliable sender's switches: each picks every Nth delivery (one event to
/// one webhook, numbered from 1 in the order they are queued); 0 is off.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Faults {
    pub duplicate_every: u32,
    pub reorder_every: u32,
}

/// Whether delivery number `number` (from 1) is picked by a switch set to `every`.
pub(crate) fn every_nth(number: u64, every: u32) -> bool {
    every != 0 && number.is_multiple_of(u64::from(every))
}

/// What every attempt needs: the state, the settings, the HTTP agent, the
/// observer, and the count of deliveries under way.
pub(crate) struct Courier {
    pub store: Arc<Store>,
    pub settings: Settings,
    agent: ureq::Agent,
    pub observer: Option<Observer>,
    in_flight: Mutex<usize>,
    idle_signal: Condvar,
}

impl Courier {
    pub(crate) fn new(
        store: Arc<Store>,
        settings: Settings,
        agent: ureq::Agent,
        observer: Option<Observer>,
    ) -> Courier {
        Courier {
            store,
            settings,
            agent,
            observer,
            in_flight: Mutex::new(0),
            idle_signal: Condvar::new(),
        }
    }

    fn in_flight(&self) -> MutexGuard<'_, usize> {
        self.in_flight.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts `n` more deliveries under way.
    pub(crate) fn start(&self, n: usize) {
        *self.in_flight() += n;
    }

    /// Waits until no delivery is under way, at most `timeout`; `true` if none is.
    pub(crate) fn wait_idle(&self, timeout: Duration) -> bool {
        let deadline = after(timeout);
        let mut n = self.in_flight();
        while *n > 0 {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            n = self
                .idle_signal
                .wait_timeout(n, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        true
    }
}

/// Marks one delivery finished when dropped, even if it panicked.
pub(crate) struct InFlight(pub Arc<Courier>);

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut n = self.0.in_flight();
        *n = n.saturating_sub(1);
        self.0.idle_signal.notify_all();
    }
}

pub(crate) fn post(
    courier: &Courier,
    url: &str,
    timestamp_ms: u64,
    signature: &str,
    body: &str,
) -> AttemptResult {
    let target = match target(courier.settings.allow_loopback_http, url) {
        Ok(target) => target,
        Err(why) => return AttemptResult::Error(why),
    };
    let result = courier
        .agent
        .post(&target)
        .header("content-type", "application/json")
        .header("Revolut-Request-Timestamp", timestamp_ms.to_string())
        .header("Revolut-Signature", signature)
        .send(body.as_bytes());
    match result {
        Ok(mut response) => {
            // Drain a little of the body so the connection can be reused.
            let _ = response
                .body_mut()
                .with_config()
                .limit(64 * 1024)
                .read_to_vec();
            AttemptResult::Status(response.status().as_u16())
        }
        Err(ureq::Error::Timeout(_)) => AttemptResult::Error("timed out".to_owned()),
        Err(e) => AttemptResult::Error(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_nth_picks_multiples_of_n_and_zero_is_off() {
        let picked = |every| {
            (1..=12)
                .filter(|&n| every_nth(n, every))
                .collect::<Vec<_>>()
        };
        assert_eq!(picked(0), Vec::<u64>::new());
        assert_eq!(picked(1), (1..=12).collect::<Vec<_>>());
        assert_eq!(picked(5), vec![5, 10]);
        assert!(every_nth(u64::MAX, 1) && !every_nth(u64::MAX, 2));
    }
}
