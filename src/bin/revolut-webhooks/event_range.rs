//! The range of failed events a command reads (`failed`'s `--limit` and `--before`,
//! `replay`'s `--until`), as a library query checked in the flags' own words.

use revolut_webhooks::{FAILED_EVENTS_WINDOW, FailedEventsQuery};

use crate::failure::{Failure, flag};
use crate::time_arg::TimeArg;

pub(crate) fn query(
    limit: Option<u32>,
    before: Option<TimeArg>,
    before_flag: &'static str,
) -> Result<FailedEventsQuery, Failure> {
    let mut query = FailedEventsQuery::new();
    if let Some(limit) = limit {
        query = query.with_limit(limit).map_err(flag("--limit"))?;
    }
    if let Some(before) = before {
        // The library checks the 21-day window too, but names the API's field.
        let oldest = time::OffsetDateTime::now_utc() - FAILED_EVENTS_WINDOW;
        if before.instant() < oldest {
            return Err(Failure::usage(format!(
                "{before_flag} {}: more than 21 days ago; Revolut keeps failed events for 21 days",
                before.0
            )));
        }
        query = query.with_created_before(before.0);
    }
    Ok(query)
}
