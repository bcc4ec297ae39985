//! When to try a request again, and how long to wait first: decided without I/O.
//!
//! The default policy ([`RetryPolicy::default`]):
//!
//! | outcome | retried? | wait |
//! |---|---|---|
//! | 429, 503 with `Retry-After` ≤ 60 s | yes, any call | `Retry-After` |
//! | 429, 503 with `Retry-After` > 60 s | no: the error comes back at once with `retry_after` set | |
//! | 429, 503 without `Retry-After` | yes, any call | backoff |
//! | 500, 502, 504 | calls safe to repeat only ([`Repeat::Safe`]) | backoff |
//! | connection refused / DNS / connect timeout (nothing was sent) | yes, any call | backoff |
//! | timeout after sending, reset, truncated body | calls safe to repeat only | backoff |
//! | anything else (4xx, TLS, body too large, bad JSON) | no | |
//!
//! Backoff is exponential with full jitter: a random wait between zero and
//! `base_delay × 2^(retry−1)`, capped at `max_delay`. Two retries at most, 500 ms
//! base, 30 s cap, and a call never starts a wait that would end past its total
//! budget (2 minutes from the call's start) or leave the retry no time, and no
//! attempt runs past it either: the clients cut an attempt's timeout to what is
//! left of the budget, and send nothing once it is spent.
//! Whether a call is safe to repeat is what its endpoint says ([`Call::repeat`](crate::request::Call::repeat)),
//! not what its method suggests: creating a webhook and rotating a secret are
//! [`Repeat::Unsafe`] and never retried after an ambiguous failure (the first attempt
//! may have succeeded, and a repeat could create an eleventh webhook or a fourth key).
//! The policy reads only a narrow view of the failure, a [`Failure`].
//!
//! [`RetryPolicy::decide`] is public so a client of your own can retry exactly as
//! these clients do; semver covers it (see [the crate's stability notes](crate#stability)).

use std::time::Duration;

use time::OffsetDateTime;

use crate::error::{Error, TransportErrorKind};
use crate::http_types::Repeat;

/// How a client retries failed requests.
///
/// ```
/// use std::time::Duration;
/// use revolut_webhooks::RetryPolicy;
///
/// let patient = RetryPolicy::default()
///     .with_max_retries(5)
///     .with_base_delay(Duration::from_secs(1))
///     .with_max_retry_after(Duration::from_secs(120));
/// let never = RetryPolicy::none();
/// # let _ = (patient, never);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_retries: u32,
    base_delay: Duration,
    max_delay: Duration,
    max_retry_after: Duration,
    total_budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(60),
            total_budget: Duration::from_secs(120),
        }
    }
}

/// What to do after a failed attempt.
///
/// Non-exhaustive: a later version may add a decision (say, retry on another
/// connection), so a `match` on it needs a `_` arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryDecision {
    /// Wait this long, then try again.
    RetryAfter(Duration),
    /// Return the error.
    GiveUp,
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        }
    }

    /// Retries after the first attempt (default 2; 0 turns retries off).
    #[must_use]
    pub fn with_max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// The first backoff ceiling, doubled at each retry (default 500 ms).
    #[must_use]
    pub fn with_base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// The largest backoff ceiling (default 30 s).
    #[must_use]
    pub fn with_max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// The longest `Retry-After` the client waits for (default 60 s); a longer one
    /// returns the error at once, with `retry_after` set, so a job can decide.
    #[must_use]
    pub fn with_max_retry_after(mut self, wait: Duration) -> Self {
        self.max_retry_after = wait;
        self
    }

    /// The most time one call may take, attempts and waits together (default 2 min):
    /// no retry is started whose wait would end at or past it, and the clients
    /// start no attempt with less than 100 ms of it left, nor wait for a
    /// rate-limiter slot beyond it. Any value is accepted, `Duration::MAX` included.
    #[must_use]
    pub fn with_total_budget(mut self, budget: Duration) -> Self {
        self.total_budget = budget;
        self
    }

    /// Retries after the first attempt.
    pub fn max_retries(&self) -> u32 {
        self.max_retries
    }

    /// The first backoff ceiling.
    pub fn base_delay(&self) -> Duration {
        self.base_delay
    }

    /// The largest backoff ceiling.
    pub fn max_delay(&self) -> Duration {
        self.max_delay
    }

    /// The longest `Retry-After` the client waits for.
    pub fn max_retry_after(&self) -> Duration {
        self.max_retry_after
    }

    /// The most time one call may take, attempts and waits together.
    pub fn total_budget(&self) -> Duration {
        self.total_budget
    }

    /// Decides what to do after attempt number `attempt` (1 for the first) of a call
    /// that may or may not be repeated (`repeat`) failed with `failure`. `elapsed` is
    /// the time the call has taken so far, and `random` any random number (it picks the
    /// jittered wait).
    pub fn decide(
        &self,
        attempt: u32,
        repeat: Repeat,
        failure: Failure,
        elapsed: Duration,
        random: u64,
    ) -> RetryDecision {
        if attempt > self.max_retries {
            return RetryDecision::GiveUp;
        }
        let wait = match classify(repeat, failure) {
            Retryable::No => return RetryDecision::GiveUp,
            Retryable::After(wait) if wait > self.max_retry_after => return RetryDecision::GiveUp,
            Retryable::After(wait) => wait,
            Retryable::Backoff => self.backoff(attempt, random),
        };
        // A retry must start with time left, or it could only fail without being sent.
        if elapsed.saturating_add(wait) >= self.total_budget {
            return RetryDecision::GiveUp;
        }
        RetryDecision::RetryAfter(wait)
    }

    /// Full jitter: uniform in `0..=min(max_delay, base_delay × 2^(retry−1))`.
    fn backoff(&self, retry: u32, random: u64) -> Duration {
        let ceiling = self
            .base_delay
            .saturating_mul(1u32 << (retry.saturating_sub(1)).min(30))
            .min(self.max_delay);
        let ceiling_nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(random % ceiling_nanos.saturating_add(1))
    }
}

enum Retryable {
    No,
    After(Duration),
    Backoff,
}

/// What the policy reads of a failed attempt: the status and `Retry-After` of an
/// answer, or the kind of a transport failure; nothing else.
///
/// Non-exhaustive: a later version may read more, so a `match` on it needs a `_` arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Failure {
    /// The server answered with an error status, and perhaps a `Retry-After` wait.
    Status {
        /// The HTTP status.
        status: u16,
        /// The wait the server asked for, read with [`parse_retry_after`].
        retry_after: Option<Duration>,
    },
    /// The request failed in transport.
    Transport(TransportErrorKind),
    /// Anything else (an answer that did not decode, a local refusal): never retried.
    Other,
}

impl From<&Error> for Failure {
    fn from(error: &Error) -> Self {
        match error {
            Error::Api(e) => Failure::Status {
                status: e.status,
                retry_after: e.retry_after,
            },
            Error::Transport(e) => Failure::Transport(e.kind),
            _ => Failure::Other,
        }
    }
}

fn classify(repeat: Repeat, failure: Failure) -> Retryable {
    match failure {
        // Revolut refusing before doing anything: safe to send again, whatever the call.
        Failure::Status {
            status: 429 | 503,
            retry_after,
        } => match retry_after {
            Some(wait) => Retryable::After(wait),
            None => Retryable::Backoff,
        },
        Failure::Status {
            status: 500 | 502 | 504,
            ..
        } if repeat.is_safe() => Retryable::Backoff,
        // Nothing reached the server: safe to send again, whatever the call.
        Failure::Transport(TransportErrorKind::Connect | TransportErrorKind::ConnectTimeout) => {
            Retryable::Backoff
        }
        Failure::Transport(TransportErrorKind::Timeout | TransportErrorKind::Io)
            if repeat.is_safe() =>
        {
            Retryable::Backoff
        }
        _ => Retryable::No,
    }
}

/// Reads `Retry-After`: delay-seconds, or an HTTP date in any of the three forms
/// HTTP allows (IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`, the obsolete RFC 850
/// `Sunday, 06-Nov-94 08:49:37 GMT` and asctime `Sun Nov  6 08:49:37 1994`),
/// turned into a wait from `now`. A date in the past means no wait; anything else
/// is ignored (`None`), as HTTP asks.
pub fn parse_retry_after(value: &str, now: OffsetDateTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // All digits, so the only failure is overflow: a wait longer than any cap.
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    // Through Unix seconds, not `From<SystemTime>`, which panics out of its range.
    let secs = at.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
    let at = OffsetDateTime::from_unix_timestamp(i64::try_from(secs).ok()?).ok()?;
    let wait = at - now;
    Some(if wait.is_positive() {
        wait.unsigned_abs()
    } else {
        Duration::ZERO
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{TransportError, ValidationError};
    use time::macros::datetime;

    fn api(status: u16, retry_after: Option<u64>) -> Error {
        let mut response = crate::request::HttpResponse::new(status, b"{}".to_vec());
        if let Some(secs) = retry_after {
            response = response.with_retry_after(secs.to_string());
        }
        Error::Api(crate::request::api_error(
            &response,
            time::OffsetDateTime::UNIX_EPOCH,
        ))
    }

    fn transport(kind: TransportErrorKind) -> Error {
        Error::Transport(TransportError::new(
            kind,
            crate::http_types::Method::Get,
            "/x",
            "boom",
            None,
        ))
    }

    const MAX: u64 = u64::MAX;

    const SAFE: Repeat = Repeat::Safe;
    const UNSAFE: Repeat = Repeat::Unsafe { on_unknown: "x" };

    fn decide(repeat: Repeat, error: &Error) -> RetryDecision {
        RetryPolicy::default().decide(1, repeat, error.into(), Duration::ZERO, MAX)
    }

    #[test]
    fn retry_after_within_the_cap_is_honoured_for_every_method() {
        for status in [429, 503] {
            for method in [SAFE, UNSAFE] {
                assert_eq!(
                    decide(method, &api(status, Some(1))),
                    RetryDecision::RetryAfter(Duration::from_secs(1)),
                    "{status} {method:?}"
                );
            }
            assert_eq!(
                decide(SAFE, &api(status, Some(60))),
                RetryDecision::RetryAfter(Duration::from_secs(60))
            );
            assert_eq!(decide(SAFE, &api(status, Some(61))), RetryDecision::GiveUp);
        }
    }

    #[test]
    fn server_errors_retry_only_calls_safe_to_repeat() {
        for status in [500, 502, 504] {
            assert!(matches!(
                decide(SAFE, &api(status, None)),
                RetryDecision::RetryAfter(_)
            ));
            assert_eq!(
                decide(UNSAFE, &api(status, None)),
                RetryDecision::GiveUp,
                "{status}"
            );
        }
        assert!(matches!(
            decide(UNSAFE, &api(429, None)),
            RetryDecision::RetryAfter(_)
        ));
        assert!(matches!(
            decide(UNSAFE, &api(503, None)),
            RetryDecision::RetryAfter(_)
        ));
    }

    #[test]
    fn client_errors_are_final() {
        for status in [400, 401, 403, 404, 409, 422, 501, 505] {
            assert_eq!(
                decide(SAFE, &api(status, Some(1))),
                RetryDecision::GiveUp,
                "{status}"
            );
        }
        let v = Error::Validation(ValidationError::new("limit", "x"));
        assert_eq!(decide(SAFE, &v), RetryDecision::GiveUp);
    }

    #[test]
    fn transport_errors_by_kind() {
        use TransportErrorKind::*;
        assert!(matches!(
            decide(UNSAFE, &transport(Connect)),
            RetryDecision::RetryAfter(_)
        ));
        for kind in [Timeout, Io] {
            assert!(matches!(
                decide(SAFE, &transport(kind)),
                RetryDecision::RetryAfter(_)
            ));
            assert!(matches!(
                decide(SAFE, &transport(kind)),
                RetryDecision::RetryAfter(_)
            ));
            assert_eq!(
                decide(UNSAFE, &transport(kind)),
                RetryDecision::GiveUp,
                "{kind:?}"
            );
        }
        for kind in [Tls, BodyTooLarge, Other] {
            assert_eq!(
                decide(SAFE, &transport(kind)),
                RetryDecision::GiveUp,
                "{kind:?}"
            );
        }
    }

    /// The table at the top of this file, row by row, from a `Repeat` and a `Failure`
    /// alone: no method, no path, no error.
    #[test]
    fn the_decision_table() {
        use TransportErrorKind::*;
        let status = |status, secs: Option<u64>| Failure::Status {
            status,
            retry_after: secs.map(Duration::from_secs),
        };
        let p = RetryPolicy::default();
        let retried = |repeat, failure| match p.decide(1, repeat, failure, Duration::ZERO, 7) {
            RetryDecision::RetryAfter(_) => true,
            RetryDecision::GiveUp => false,
        };
        // (failure, retried when safe to repeat, retried when not)
        let table = [
            (status(429, Some(1)), true, true),
            (status(503, Some(60)), true, true),
            (status(429, Some(61)), false, false),
            (status(503, None), true, true),
            (status(500, None), true, false),
            (status(502, None), true, false),
            (status(504, None), true, false),
            (Failure::Transport(Connect), true, true),
            (Failure::Transport(ConnectTimeout), true, true),
            (Failure::Transport(Timeout), true, false),
            (Failure::Transport(Io), true, false),
            (status(400, None), false, false),
            (status(404, Some(1)), false, false),
            (status(501, None), false, false),
            (status(505, None), false, false),
            (Failure::Transport(Tls), false, false),
            (Failure::Transport(BodyTooLarge), false, false),
            (Failure::Transport(Other), false, false),
            (Failure::Other, false, false),
        ];
        for (failure, safe, not) in table {
            assert_eq!(retried(SAFE, failure), safe, "safe: {failure:?}");
            assert_eq!(retried(UNSAFE, failure), not, "unsafe: {failure:?}");
        }
        // The wait a server asked for is the wait.
        assert_eq!(
            p.decide(1, UNSAFE, status(429, Some(3)), Duration::ZERO, 7),
            RetryDecision::RetryAfter(Duration::from_secs(3))
        );
    }

    #[test]
    fn a_failure_is_read_from_an_error_as_status_retry_after_or_transport_kind() {
        assert_eq!(
            Failure::from(&api(429, Some(4))),
            Failure::Status {
                status: 429,
                retry_after: Some(Duration::from_secs(4))
            }
        );
        assert_eq!(
            Failure::from(&transport(TransportErrorKind::Io)),
            Failure::Transport(TransportErrorKind::Io)
        );
        let v = Error::Validation(ValidationError::new("limit", "x"));
        assert_eq!(Failure::from(&v), Failure::Other);
    }

    #[test]
    fn attempts_are_bounded() {
        let p = RetryPolicy::default();
        let e = api(503, Some(0));
        assert!(matches!(
            p.decide(1, SAFE, (&e).into(), Duration::ZERO, 0),
            RetryDecision::RetryAfter(_)
        ));
        assert!(matches!(
            p.decide(2, SAFE, (&e).into(), Duration::ZERO, 0),
            RetryDecision::RetryAfter(_)
        ));
        assert_eq!(
            p.decide(3, SAFE, (&e).into(), Duration::ZERO, 0),
            RetryDecision::GiveUp
        );
        assert_eq!(
            RetryPolicy::none().decide(1, SAFE, (&e).into(), Duration::ZERO, 0),
            RetryDecision::GiveUp
        );
        let five = RetryPolicy::default().with_max_retries(5);
        assert!(matches!(
            five.decide(5, SAFE, (&e).into(), Duration::ZERO, 0),
            RetryDecision::RetryAfter(_)
        ));
        assert_eq!(
            five.decide(6, SAFE, (&e).into(), Duration::ZERO, 0),
            RetryDecision::GiveUp
        );
    }

    #[test]
    fn the_total_budget_bounds_the_waits() {
        let p = RetryPolicy::default().with_total_budget(Duration::from_secs(10));
        let e = api(429, Some(4));
        assert_eq!(
            p.decide(1, SAFE, (&e).into(), Duration::from_secs(5), 0),
            RetryDecision::RetryAfter(Duration::from_secs(4))
        );
        // A wait that ends exactly at the budget would leave the retry no time.
        assert_eq!(
            p.decide(1, SAFE, (&e).into(), Duration::from_secs(6), 0),
            RetryDecision::GiveUp
        );
        assert_eq!(
            p.decide(1, SAFE, (&e).into(), Duration::from_secs(7), 0),
            RetryDecision::GiveUp
        );
    }

    #[test]
    fn backoff_is_full_jitter_under_a_doubling_capped_ceiling() {
        let p = RetryPolicy::default()
            .with_base_delay(Duration::from_millis(100))
            .with_max_delay(Duration::from_millis(350))
            .with_max_retries(10);
        // The random value picks a wait from zero up to the ceiling, inclusive.
        assert_eq!(p.backoff(1, 0), Duration::ZERO);
        assert_eq!(p.backoff(1, 100_000_000), Duration::from_millis(100));
        assert_eq!(p.backoff(2, 200_000_000), Duration::from_millis(200));
        assert_eq!(p.backoff(3, 350_000_000), Duration::from_millis(350));
        assert_eq!(p.backoff(9, 350_000_000), Duration::from_millis(350));
        for retry in 1..=10 {
            for random in [1, 12345, 999_999_999_999, u64::MAX] {
                let wait = p.backoff(retry, random);
                assert!(
                    wait <= Duration::from_millis(100 << (retry - 1))
                        .min(Duration::from_millis(350))
                );
            }
        }
        // A huge exponent saturates instead of overflowing.
        let big = RetryPolicy::default().with_max_delay(Duration::MAX);
        let _ = big.backoff(u32::MAX, u64::MAX);
        // Backoff is used where no Retry-After was given.
        let none = api(429, None);
        assert_eq!(
            p.decide(1, SAFE, (&none).into(), Duration::ZERO, 50_000_000),
            RetryDecision::RetryAfter(Duration::from_millis(50))
        );
    }

    #[test]
    fn setters_apply() {
        let p = RetryPolicy::default()
            .with_max_retries(7)
            .with_base_delay(Duration::from_millis(1))
            .with_max_delay(Duration::from_millis(2))
            .with_max_retry_after(Duration::from_secs(3))
            .with_total_budget(Duration::from_secs(4));
        assert_eq!(p.total_budget(), Duration::from_secs(4));
        assert_eq!(
            RetryPolicy::default().total_budget(),
            Duration::from_secs(120)
        );
        assert_eq!(
            p,
            RetryPolicy {
                max_retries: 7,
                base_delay: Duration::from_millis(1),
                max_delay: Duration::from_millis(2),
                max_retry_after: Duration::from_secs(3),
                total_budget: Duration::from_secs(4),
            }
        );
    }

    fn now() -> OffsetDateTime {
        datetime!(2026-11-25 12:00 UTC)
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("0", now()), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after(" 120 ", now()),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("99999999999999999999999", now()),
            Some(Duration::from_secs(u64::MAX))
        );
        assert_eq!(
            parse_retry_after("Wed, 25 Nov 2026 12:01:30 GMT", now()),
            Some(Duration::from_secs(90))
        );
        assert_eq!(
            parse_retry_after("Wed, 25 Nov 2026 11:00:00 GMT", now()),
            Some(Duration::ZERO)
        );
        for bad in [
            "",
            "-1",
            "1.5",
            "soon",
            "Wed, 25 Nov 2026 12:01:30 UTC",
            "Wed 25 Nov 2026 12:01:30 GMT",
            "Wed, 31 Feb 2026 12:01:30 GMT",
            "Wed, 25 Foo 2026 12:01:30 GMT",
            "Wed, 25 Nov 2026 12:01 GMT",
            "Wed, 25 Nov 2026 12:01:30:00 GMT",
            "Wed, 25 Nov 2026 25:01:30 GMT",
            "Wed, 25 Nov 2026 12:01:30 GMT extra",
        ] {
            assert_eq!(parse_retry_after(bad, now()), None, "{bad:?}");
        }
        for (month, n) in [
            ("Jan", 1),
            ("Feb", 2),
            ("Mar", 3),
            ("Apr", 4),
            ("May", 5),
            ("Jun", 6),
            ("Jul", 7),
            ("Aug", 8),
            ("Sep", 9),
            ("Oct", 10),
            ("Nov", 11),
            ("Dec", 12),
        ] {
            let start = datetime!(2024-01-01 00:00 UTC);
            let at = format!("01 {month} 2024 00:00:00 GMT");
            // The weekday is not checked against the date by every parser: any is fine here.
            let wait = ["Mon", "Thu", "Fri", "Sat", "Sun", "Tue", "Wed"]
                .iter()
                .find_map(|day| parse_retry_after(&format!("{day}, {at}"), start))
                .unwrap_or_else(|| panic!("{at}"));
            let expected =
                time::Date::from_calendar_date(2024, time::Month::try_from(n).unwrap(), 1)
                    .unwrap()
                    .midnight()
                    .assume_utc()
                    - start;
            assert_eq!(wait, expected.unsigned_abs(), "{month}");
        }
    }

    #[test]
    fn retry_after_in_every_http_date_form() {
        let now = datetime!(1994-11-06 08:48:37 UTC);
        let minute = Some(Duration::from_secs(60));
        // RFC 9110 section 5.6.7: IMF-fixdate, then the two obsolete forms.
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now),
            minute
        );
        assert_eq!(
            parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", now),
            minute
        );
        assert_eq!(parse_retry_after("Sun Nov  6 08:49:37 1994", now), minute);
        assert_eq!(
            parse_retry_after("  Sun Nov  6 08:49:37 1994  ", now),
            minute
        );
        // In the past: no wait, in each form.
        let later = datetime!(2026-11-25 12:00 UTC);
        for past in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            assert_eq!(
                parse_retry_after(past, later),
                Some(Duration::ZERO),
                "{past}"
            );
        }
        // Far in the future: a long wait, no overflow.
        assert!(
            parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", later)
                .is_some_and(|w| w > Duration::from_secs(200_000_000_000))
        );
        for bad in [
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sunday, 06-Nov-94 08:49:37 UTC",
            "Sun Nov 06 08:49:37 1994 GMT",
            "Sun, 06 Nov 1994 08:49:37 GMT\u{0}",
            "Sun, 06 Nov 10000 08:49:37 GMT",
            "Sun, 06 Nov 1969 08:49:37 GMT",
            "Sun, 06 Nov -1994 08:49:37 GMT",
            "\u{1F600}\u{1F600}\u{1F600}\u{1F600}\u{1F600}\u{1F600}\u{1F600}x",
            "18446744073709551616.5",
            "+5",
        ] {
            assert_eq!(parse_retry_after(bad, later), None, "{bad:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn retry_after_never_panics(value in "\\PC{0,40}", secs in proptest::num::i64::ANY) {
            let now = OffsetDateTime::from_unix_timestamp(secs.rem_euclid(253_402_300_799))
                .unwrap_or(OffsetDateTime::UNIX_EPOCH);
            let _ = parse_retry_after(&value, now);
            let _ = parse_retry_after(&value, OffsetDateTime::UNIX_EPOCH);
        }

        #[test]
        fn retry_after_dates_round_trip(secs in 0i64..253_402_300_799, offset in 0i64..100_000) {
            let at = OffsetDateTime::from_unix_timestamp(secs).unwrap();
            let system = std::time::UNIX_EPOCH + Duration::from_secs(secs as u64);
            let now = OffsetDateTime::from_unix_timestamp((secs - offset).max(0)).unwrap();
            let expected = (at - now).unsigned_abs();
            proptest::prop_assert_eq!(
                parse_retry_after(&httpdate::fmt_http_date(system), now),
                Some(expected)
            );
        }
    }
}
