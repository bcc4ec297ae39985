//! A webhook's failed events: the `failed-events` listing, its query and the 21-day
//! window.

use serde_json::value::RawValue;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::super::http::{Request, Response, parse_pairs};
use super::super::state::FailedRecord;
use super::super::times::{fmt_time, minus};
use super::answers::{error, not_found};
use super::context::Ctx;
use crate::models::{FAILED_EVENTS_WINDOW, MAX_PAGE_SIZE};

/// `created_before` as an instant: an RFC 3339 date-time, or a date (its midnight UTC).
pub(crate) fn parse_created_before(text: &str) -> Option<OffsetDateTime> {
    use time::format_description::well_known::Rfc3339;
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(t);
    }
    let mut parts = text.split('-');
    let (Some(y), Some(m), Some(d), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let month = time::Month::try_from(m.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?)
        .ok()
        .map(|d| d.midnight().assume_utc())
}

pub(super) fn list(ctx: &Ctx<'_>, request: &Request, id: Uuid) -> Response {
    if ctx.lock().hook(id).is_none() {
        return not_found();
    }
    let Some(query) = parse_pairs(&request.query, false) else {
        return error(400, 2101, "Something went wrong");
    };
    for (i, (name, _)) in query.iter().enumerate() {
        if query[..i].iter().any(|(earlier, _)| earlier == name) {
            return error(400, 2101, format!("{name} must be given at most once"));
        }
    }
    let param = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let limit = match param("limit") {
        None => 100,
        // Plain digits only: `u32::from_str` would also take `+5`.
        Some(text) => match text
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| text.parse::<u32>().ok())
            .flatten()
        {
            Some(n) if (1..=MAX_PAGE_SIZE).contains(&n) => n as usize,
            _ => return error(400, 2101, "limit must be between 1 and 1000"),
        },
    };
    let now = ctx.now();
    let oldest = minus(now, FAILED_EVENTS_WINDOW);
    let before = match param("created_before") {
        None => None,
        Some(text) => match parse_created_before(text) {
            Some(t) if t < oldest => {
                return error(
                    400,
                    2101,
                    format!(
                        "created_before must be after {}, but is: {}",
                        fmt_time(oldest),
                        fmt_time(t)
                    ),
                );
            }
            Some(t) => Some(t),
            None => {
                return error(
                    400,
                    2101,
                    format!("created_before must be an ISO 8601 date or date-time, but is: {text}"),
                );
            }
        },
    };
    let state = ctx.lock();
    let mut events: Vec<&FailedRecord> = state
        .failed
        .iter()
        .filter(|f| f.webhook_id == id && f.created_at >= oldest)
        .filter(|f| match before {
            Some(bound) => f.created_at < bound,
            // Without a bound the default is "now"; including `now` itself keeps an
            // event recorded at a stopped test clock visible.
            None => f.created_at <= now,
        })
        .collect();
    // Newest first; the insertion order breaks ties, newest insertion first.
    events.reverse();
    events.sort_by_key(|f| std::cmp::Reverse(f.created_at));
    events.truncate(limit);
    let items: Vec<FailedOut<'_>> = events
        .iter()
        .map(|f| FailedOut {
            id: f.id,
            created_at: fmt_time(f.created_at),
            updated_at: fmt_time(f.updated_at),
            webhook_id: f.webhook_id,
            webhook_url: &f.webhook_url,
            payload: &f.payload,
            last_sent_date: fmt_time(f.last_sent_date),
        })
        .collect();
    match serde_json::to_vec(&items) {
        Ok(body) => Response::new(200, "application/json", body),
        Err(_) => error(500, 5000, "could not encode failed events"),
    }
}

/// A failed event as the API returns it; the payload is the delivered bytes, verbatim.
#[derive(serde::Serialize)]
struct FailedOut<'a> {
    id: Uuid,
    created_at: String,
    updated_at: String,
    webhook_id: Uuid,
    webhook_url: &'a str,
    payload: &'a RawValue,
    last_sent_date: String,
}
