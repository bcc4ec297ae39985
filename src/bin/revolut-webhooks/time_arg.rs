//! Dates and date-times on the command line.

use std::str::FromStr;

use revolut_webhooks::CreatedBefore;
use time::format_description::well_known::Rfc3339;
use time::{Date, Month, OffsetDateTime};

/// `2026-01-05` (midnight UTC) or an RFC 3339 date-time such as `2026-01-05T10:30:00Z`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TimeArg(pub CreatedBefore);

impl TimeArg {
    pub(crate) fn instant(&self) -> OffsetDateTime {
        self.0.instant()
    }
}

impl FromStr for TimeArg {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
            return Ok(TimeArg(CreatedBefore::DateTime(t)));
        }
        parse_date(s)
            .map(|d| TimeArg(CreatedBefore::Date(d)))
            .ok_or_else(|| {
                format!(
                    "{s:?} is neither a date (2026-01-05) nor an RFC 3339 date-time (2026-01-05T10:30:00Z)"
                )
            })
    }
}

fn parse_date(s: &str) -> Option<Date> {
    let mut parts = s.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let month = Month::try_from(m.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_date_times() {
        let d: TimeArg = "2026-01-05".parse().unwrap();
        assert_eq!(d.0.to_string(), "2026-01-05");
        let t: TimeArg = "2026-01-05T10:30:00.5+02:00".parse().unwrap();
        assert_eq!(t.0.to_string(), "2026-01-05T08:30:00.500000Z");
        for bad in [
            "2026-13-01",
            "26-01-05",
            "yesterday",
            "2026-01-05T10:30",
            "",
        ] {
            assert!(bad.parse::<TimeArg>().is_err(), "{bad}");
        }
    }
}
