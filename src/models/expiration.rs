//! How long an old signing secret stays valid after a rotation.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::ValidationError;

const MAX_SECS: u64 = 7 * 24 * 3600;

/// The `expiration_period` of a secret rotation: an ISO 8601 duration of whole
/// seconds, at most seven days (`P7D`).
///
/// It formats without zero parts (`PT5H30M`, `P1DT2H`, `P0D` for zero) and parses
/// days, weeks, hours, minutes and seconds (`P1W`, `P2DT3H4M5S`); years, months and
/// fractions are refused, since the API only accepts up to `P7D`.
///
/// ```
/// use revolut_webhooks::SecretExpiration;
///
/// let exp = SecretExpiration::from_hours(5)?.checked_add_minutes(30)?;
/// assert_eq!(exp.to_string(), "PT5H30M");
/// assert_eq!("PT5H30M".parse::<SecretExpiration>()?, exp);
/// assert!(SecretExpiration::from_days(8).is_err());
/// # Ok::<(), revolut_webhooks::ValidationError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct SecretExpiration {
    secs: u64,
}

impl SecretExpiration {
    /// The largest period the API accepts: seven days.
    pub const MAX: SecretExpiration = SecretExpiration { secs: MAX_SECS };

    /// Zero: the old secret stops working at once (`P0D`, the API's default).
    pub const IMMEDIATE: SecretExpiration = SecretExpiration { secs: 0 };

    /// A period of `secs` seconds.
    pub fn from_secs(secs: u64) -> Result<Self, ValidationError> {
        if secs > MAX_SECS {
            return Err(ValidationError::new(
                "expiration_period",
                format!("at most P7D (604800 s) is allowed, got {secs} s"),
            ));
        }
        Ok(SecretExpiration { secs })
    }

    /// A period of `minutes` minutes.
    pub fn from_minutes(minutes: u64) -> Result<Self, ValidationError> {
        Self::from_secs(minutes.saturating_mul(60))
    }

    /// A period of `hours` hours.
    pub fn from_hours(hours: u64) -> Result<Self, ValidationError> {
        Self::from_secs(hours.saturating_mul(3600))
    }

    /// A period of `days` days.
    pub fn from_days(days: u64) -> Result<Self, ValidationError> {
        Self::from_secs(days.saturating_mul(86_400))
    }

    /// A period from a [`Duration`]; it must be whole seconds.
    pub fn from_duration(d: Duration) -> Result<Self, ValidationError> {
        if d.subsec_nanos() != 0 {
            return Err(ValidationError::new(
                "expiration_period",
                "the period must be whole seconds",
            ));
        }
        Self::from_secs(d.as_secs())
    }

    /// This period plus `minutes` minutes, still at most seven days.
    pub fn checked_add_minutes(self, minutes: u64) -> Result<Self, ValidationError> {
        Self::from_secs(self.secs.saturating_add(minutes.saturating_mul(60)))
    }

    /// The period in seconds.
    pub fn as_secs(&self) -> u64 {
        self.secs
    }

    /// The period as a [`Duration`].
    pub fn as_duration(&self) -> Duration {
        Duration::from_secs(self.secs)
    }
}

impl fmt::Display for SecretExpiration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.secs == 0 {
            return f.write_str("P0D");
        }
        let (days, rest) = (self.secs / 86_400, self.secs % 86_400);
        let (hours, minutes, seconds) = (rest / 3600, rest % 3600 / 60, rest % 60);
        f.write_str("P")?;
        if days > 0 {
            write!(f, "{days}D")?;
        }
        if rest > 0 {
            f.write_str("T")?;
            for (value, unit) in [(hours, 'H'), (minutes, 'M'), (seconds, 'S')] {
                if value > 0 {
                    write!(f, "{value}{unit}")?;
                }
            }
        }
        Ok(())
    }
}

impl FromStr for SecretExpiration {
    type Err = ValidationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |why: &str| {
            ValidationError::new(
                "expiration_period",
                format!("{s:?} is not an ISO 8601 duration like PT5H30M: {why}"),
            )
        };
        let body = s
            .strip_prefix('P')
            .ok_or_else(|| err("it must start with P"))?;
        if body.is_empty() {
            return Err(err("it names no amount"));
        }
        let (date, time) = match body.split_once('T') {
            Some((_, "")) => return Err(err("nothing follows T")),
            Some((d, t)) => (d, Some(t)),
            None => (body, None),
        };
        let mut secs: u64 = 0;
        let mut add = |part: &str, units: &[(char, u64)]| -> Result<(), ValidationError> {
            let mut rest = part;
            let mut last_unit = 0;
            while !rest.is_empty() {
                let digits = rest.chars().take_while(char::is_ascii_digit).count();
                if digits == 0 {
                    return Err(err("expected a whole number before each unit"));
                }
                let unit = rest[digits..]
                    .chars()
                    .next()
                    .ok_or_else(|| err("a number has no unit"))?;
                let position = units.iter().position(|(u, _)| *u == unit).ok_or_else(|| {
                    err("only W and D before T, and H, M, S after it, are accepted")
                })?;
                if position < last_unit {
                    return Err(err("units are out of order"));
                }
                last_unit = position + 1;
                let value: u64 = rest[..digits]
                    .parse()
                    .map_err(|_| err("number too large"))?;
                secs = secs.saturating_add(value.saturating_mul(units[position].1));
                rest = &rest[digits + unit.len_utf8()..];
            }
            Ok(())
        };
        add(date, &[('W', 7 * 86_400), ('D', 86_400)])?;
        if let Some(time) = time {
            add(time, &[('H', 3600), ('M', 60), ('S', 1)])?;
        }
        SecretExpiration::from_secs(secs)
    }
}

impl Serialize for SecretExpiration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SecretExpiration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_without_zero_parts() {
        let cases = [
            (0, "P0D"),
            (1, "PT1S"),
            (60, "PT1M"),
            (3600, "PT1H"),
            (5 * 3600 + 30 * 60, "PT5H30M"),
            (86_400, "P1D"),
            (86_400 + 2 * 3600 + 3 * 60 + 4, "P1DT2H3M4S"),
            (86_400 + 4, "P1DT4S"),
            (MAX_SECS, "P7D"),
        ];
        for (secs, text) in cases {
            let e = SecretExpiration::from_secs(secs).unwrap();
            assert_eq!(e.to_string(), text);
            assert_eq!(text.parse::<SecretExpiration>().unwrap(), e, "{text}");
        }
    }

    #[test]
    fn parses_weeks_and_redundant_forms() {
        assert_eq!(
            "P1W".parse::<SecretExpiration>().unwrap().as_secs(),
            7 * 86_400
        );
        assert_eq!(
            "PT90M".parse::<SecretExpiration>().unwrap().to_string(),
            "PT1H30M"
        );
        assert_eq!(
            "P0DT0H".parse::<SecretExpiration>().unwrap(),
            SecretExpiration::IMMEDIATE
        );
        assert_eq!("PT0S".parse::<SecretExpiration>().unwrap().as_secs(), 0);
        assert_eq!(
            "PT168H".parse::<SecretExpiration>().unwrap(),
            SecretExpiration::MAX
        );
    }

    #[test]
    fn refuses_bad_and_long_periods() {
        for bad in [
            "",
            "P",
            "PT",
            "5H",
            "P1Y",
            "P1M",
            "PT1.5H",
            "PT-1H",
            "P1DT",
            "PTH",
            "P1H",
            "PT1D",
            "PT1M1H",
            "P1D1W",
            "PT1H1H",
            "P1D1D",
            "pt1h",
            "P8D",
            "PT168H1S",
            "P2W",
            "P99999999999999999999999D",
            "PT1H ",
            "P1W\u{e9}",
        ] {
            let e = bad.parse::<SecretExpiration>().unwrap_err();
            assert_eq!(e.field, "expiration_period", "{bad:?}");
        }
    }

    #[test]
    fn constructors_enforce_the_maximum() {
        assert!(SecretExpiration::from_days(7).is_ok());
        assert!(SecretExpiration::from_days(8).is_err());
        assert!(SecretExpiration::from_hours(168).is_ok());
        assert!(SecretExpiration::from_hours(169).is_err());
        assert!(SecretExpiration::from_minutes(u64::MAX).is_err());
        assert!(SecretExpiration::from_secs(MAX_SECS + 1).is_err());
        assert_eq!(SecretExpiration::from_minutes(2).unwrap().as_secs(), 120);
        assert_eq!(
            SecretExpiration::from_duration(Duration::from_secs(90))
                .unwrap()
                .as_duration(),
            Duration::from_secs(90)
        );
        assert!(SecretExpiration::from_duration(Duration::from_millis(1500)).is_err());
        assert!(SecretExpiration::MAX.checked_add_minutes(1).is_err());
        assert_eq!(
            SecretExpiration::from_hours(1)
                .unwrap()
                .checked_add_minutes(1)
                .unwrap()
                .as_secs(),
            3660
        );
    }

    #[test]
    fn serde_uses_the_iso_string() {
        let e = SecretExpiration::from_hours(5).unwrap();
        assert_eq!(serde_json::to_string(&e).unwrap(), "\"PT5H\"");
        let back: SecretExpiration = serde_json::from_str("\"PT5H\"").unwrap();
        assert_eq!(back, e);
        assert!(serde_json::from_str::<SecretExpiration>("\"P9D\"").is_err());
    }
}
