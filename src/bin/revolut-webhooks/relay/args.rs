//! `relay`'s flags, and the durations they take (`30s`, `500ms`, `2m`).

use std::net::IpAddr;
use std::time::Duration;

use clap::Args;

use crate::args::MAX_TOLERANCE_SECS;

/// The store when none is given: a SQLite file in the current directory.
pub(crate) const DEFAULT_STORE: &str = "revolut-inbox.db";

/// Where the inbox is: a SQLite file path or a `postgres://` URL.
#[derive(Debug, Args)]
pub(crate) struct StoreArg {
    /// The inbox: a SQLite file path, or a postgres:// URL (libpq parameters such as
    /// sslmode honoured). Prefer the environment variable for a URL with a password.
    #[arg(
        long,
        env = "REVOLUT_INBOX_STORE",
        hide_env_values = true,
        default_value = DEFAULT_STORE,
        value_name = "STORE"
    )]
    pub store: String,
}

#[derive(Debug, Args)]
pub(crate) struct RelayArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// A signing secret to verify deliveries with; repeat it (or comma separate) during a
    /// rotation. The first one signs what is forwarded. This or REVOLUT_WEBHOOK_SECRET.
    #[arg(
        long = "secret",
        env = "REVOLUT_WEBHOOK_SECRET",
        hide_env_values = true,
        value_delimiter = ',',
        value_name = "SECRET"
    )]
    pub secrets: Vec<String>,
    /// Your app: each stored event is POSTed here, signed, with an Idempotency-Key.
    #[arg(long, value_name = "URL")]
    pub forward_to: String,
    /// The port to take deliveries on (0: any free port, printed at start).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// The address to take deliveries on (0.0.0.0 for every interface).
    #[arg(long, default_value = "127.0.0.1", value_name = "ADDR")]
    pub bind: IpAddr,
    /// How long a relay holds an event it is forwarding before another relay may take it
    /// (e.g. 60s, 500ms, 2m); longer than --timeout.
    #[arg(long, default_value = "60s", value_name = "DURATION", value_parser = duration)]
    pub lease: Duration,
    /// Forwarding attempts before an event becomes a dead letter (`inbox dead`, `inbox retry`).
    #[arg(long, default_value_t = 10, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub max_attempts: u32,
    /// How long to wait for your app's answer to one forward (e.g. 30s); shorter than --lease.
    #[arg(long, default_value = "30s", value_name = "DURATION", value_parser = duration)]
    pub timeout: Duration,
    /// The wait after a failed forward, doubled after each further one, up to --retry-max.
    #[arg(long, default_value = "1s", value_name = "DURATION", value_parser = duration)]
    pub retry_min: Duration,
    /// The longest wait between two forwards of one event.
    #[arg(long, default_value = "10m", value_name = "DURATION", value_parser = duration)]
    pub retry_max: Duration,
    /// Events forwarded at once (events of one object are always forwarded one at a time).
    #[arg(long, default_value_t = 4, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=64))]
    pub workers: u32,
    /// How old (or how far ahead) a delivery's timestamp may be, in seconds (at most a week).
    #[arg(
        long,
        default_value_t = 300,
        value_name = "SECONDS",
        value_parser = clap::value_parser!(u64).range(0..=MAX_TOLERANCE_SECS)
    )]
    pub tolerance: u64,
}

/// The longest duration a flag takes: a day.
const MAX_DURATION: Duration = Duration::from_secs(86_400);

/// `500ms`, `30s`, `2m`, `1h`, or a bare number of seconds; at least 1 ms, at most a day.
pub(crate) fn duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let bad = || format!("{text:?}: expected a duration such as 500ms, 30s, 2m or 1h");
    let n: u64 = number.parse().map_err(|_| bad())?;
    let ms_per = match unit.trim() {
        "ms" => 1,
        "" | "s" => 1000,
        "m" | "min" => 60_000,
        "h" => 3_600_000,
        _ => return Err(bad()),
    };
    let ms = n
        .checked_mul(ms_per)
        .filter(|ms| *ms >= 1 && *ms <= MAX_DURATION.as_millis() as u64)
        .ok_or_else(|| format!("{text:?}: between 1ms and 24h"))?;
    Ok(Duration::from_millis(ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_their_units_and_bounded() {
        assert_eq!(duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(duration("30"), Ok(Duration::from_secs(30)));
        assert_eq!(duration(" 2m "), Ok(Duration::from_secs(120)));
        assert_eq!(duration("1h"), Ok(Duration::from_secs(3600)));
        for bad in [
            "",
            "ms",
            "-1s",
            "1.5s",
            "3d",
            "0s",
            "25h",
            "99999999999999999999s",
        ] {
            assert!(duration(bad).is_err(), "{bad}");
        }
        assert!(duration("18446744073709551615h").is_err());
    }
}
