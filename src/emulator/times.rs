//! Time helpers shared by the emulator's modules: deadlines in real time, and
//! instants on the emulator's clock as Revolut writes them.

use std::time::{Duration, Instant};

use time::OffsetDateTime;

/// The instant `d` from now; a year from now for durations too large to add
/// (`Duration::MAX` from a caller), which is as good as never here.
pub(crate) fn after(d: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(d)
        .or_else(|| now.checked_add(Duration::from_secs(365 * 24 * 3600)))
        .unwrap_or(now)
}

/// `2026-11-25T12:00:00.123456Z`: UTC, microseconds, as Revolut writes times (the
/// client's own `created_before` format).
pub(crate) fn fmt_time(t: OffsetDateTime) -> String {
    crate::models::CreatedBefore::DateTime(t).to_string()
}

pub(crate) fn truncate_micros(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_nanosecond(t.nanosecond() / 1000 * 1000)
        .unwrap_or(t)
}
/// `t + d` on the emulator's clock, saturating at the largest (or smallest) instant
/// `time` can represent: a clock set near the year 9999 makes things expire "never"
/// rather than panic.
pub(crate) fn plus(t: OffsetDateTime, d: time::Duration) -> OffsetDateTime {
    t.checked_add(d).unwrap_or(if d.is_negative() {
        time::PrimitiveDateTime::MIN.assume_utc()
    } else {
        time::PrimitiveDateTime::MAX.assume_utc()
    })
}

/// `t - d`, saturating like [`plus`].
pub(crate) fn minus(t: OffsetDateTime, d: time::Duration) -> OffsetDateTime {
    t.checked_sub(d).unwrap_or(if d.is_negative() {
        time::PrimitiveDateTime::MAX.assume_utc()
    } else {
        time::PrimitiveDateTime::MIN.assume_utc()
    })
}
