//! Durations, latencies and verification failures in words people read.

use revolut_webhooks::signature::VerifyError;

/// Why a delivery is invalid, with ages in units a person reads.
pub(crate) fn verify_reason(why: &VerifyError, tolerance_secs: u64) -> String {
    let tolerance = duration(tolerance_secs.saturating_mul(1000));
    match why {
        VerifyError::TimestampTooOld { skew_ms } => format!(
            "webhook timestamp is too old: {} ago, more than the {tolerance} tolerance \
             (--tolerance, or --ignore-age for a capture this old)",
            duration(*skew_ms)
        ),
        VerifyError::TimestampInFuture { skew_ms } => format!(
            "webhook timestamp is too far in the future: {} ahead, more than the {tolerance} \
             tolerance (is this machine's clock right?)",
            duration(*skew_ms)
        ),
        other => other.to_string(),
    }
}

/// `1 day 2 h`, `3 h 5 min`, `4 min 10 s`, `12 s`, `250 ms`: the two largest units.
pub(crate) fn duration(ms: u64) -> String {
    const S: u64 = 1000;
    const MIN: u64 = 60 * S;
    const H: u64 = 60 * MIN;
    const DAY: u64 = 24 * H;
    let two = |big: u64, big_unit: &str, small: u64, small_unit: &str| {
        if small == 0 {
            format!("{big} {big_unit}")
        } else {
            format!("{big} {big_unit} {small} {small_unit}")
        }
    };
    if ms >= DAY {
        let days = ms / DAY;
        let unit = if days == 1 { "day" } else { "days" };
        two(days, unit, ms % DAY / H, "h")
    } else if ms >= H {
        two(ms / H, "h", ms % H / MIN, "min")
    } else if ms >= MIN {
        two(ms / MIN, "min", ms % MIN / S, "s")
    } else if ms >= S {
        format!("{} s", ms / S)
    } else {
        format!("{ms} ms")
    }
}

/// `0.4 ms`, `12 ms`: a tenth of a millisecond below 10 ms, whole ones above.
pub(crate) fn latency(ms: f64) -> String {
    if ms < 10.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.0} ms")
    }
}

#[cfg(test)]
mod tests {
    use super::duration;

    #[test]
    fn durations_in_the_two_largest_units() {
        assert_eq!(duration(96_168_013_444), "1113 days 1 h");
        assert_eq!(duration(93_600_000), "1 day 2 h");
        assert_eq!(duration(86_400_000), "1 day");
        assert_eq!(duration(3 * 3_600_000 + 5 * 60_000 + 999), "3 h 5 min");
        assert_eq!(duration(250_000), "4 min 10 s");
        assert_eq!(duration(300_000), "5 min");
        assert_eq!(duration(12_345), "12 s");
        assert_eq!(duration(250), "250 ms");
        assert_eq!(duration(u64::MAX), "213503982334 days 14 h");
    }
}
