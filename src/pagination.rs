//! The failed-events cursor: lossless keyset pagination, without I/O.
//!
//! The API returns failed events newest first, created strictly before
//! `created_before`, and tells callers to pass the last event's `created_at` as the
//! next `created_before`. With a strict `<`, events that share the last
//! timestamp but did not fit on the page would be skipped. This cursor asks
//! instead for events before *the last timestamp plus one microsecond* (Revolut's
//! precision) and drops the ids it has already yielded at that timestamp, so
//! every event comes out exactly once.
//!
//! When a whole page shares one timestamp, the cursor cannot move by time: it
//! asks again with the largest page the API allows (1000). If 1000 events still
//! share that timestamp, it reports a [`TiedEventsOverflow`] (once, and never
//! silently) and moves past that instant. Memory stays bounded: the cursor keeps
//! only the ids at the current boundary, at most two pages' worth.
//!
//! Public so a client of your own can walk pages the same way; semver covers it
//! (see [the crate's stability notes](crate#stability)).

use std::collections::HashSet;

use time::OffsetDateTime;

use crate::error::Error;
use crate::models::{
    CreatedBefore, FailedEvent, FailedEventId, FailedEventsQuery, MAX_PAGE_SIZE, WebhookId,
};
use crate::request::{self, Call};

/// Where a walk through a webhook's failed events stands.
///
/// Drive it with [`next_call`](Self::next_call) and [`accept`](Self::accept); the
/// clients' `failed_events_all` do exactly that.
#[derive(Debug, Clone)]
pub struct FailedEventsCursor {
    webhook_id: WebhookId,
    page_size: u32,
    limit: u32,
    created_before: Option<CreatedBefore>,
    seen: HashSet<FailedEventId>,
    done: bool,
}

/// What one page yielded.
#[derive(Debug)]
#[non_exhaustive]
pub struct PageOutcome {
    /// Events not yielded before, newest first.
    pub events: Vec<FailedEvent>,
    /// Set when events may have been missed at a timestamp (see the module docs).
    pub overflow: Option<TiedEventsOverflow>,
}

/// More failed events share one `created_at` than the largest page holds, so the
/// API cannot page through them all: some events at that instant may be missing.
/// The walk reports it once and goes on with older events.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "more than {page_size} failed events share created_at {created_at}; the API cannot page \
     within one timestamp, so events at that instant beyond the {page_size} returned may be missing"
)]
#[non_exhaustive]
pub struct TiedEventsOverflow {
    /// The shared timestamp.
    pub created_at: OffsetDateTime,
    /// The largest page the API allows (1000), all of it at `created_at`.
    pub page_size: u32,
}

/// What a walk through every failed event (`failed_events_all`) yields instead of
/// an event.
///
/// The two cases call for different handling, so they are one type the compiler
/// makes you look at: a failed request ends the walk, while an overflow only says
/// some events at one instant could not be read, and the walk goes on.
///
/// ```
/// use revolut_webhooks::pagination::WalkError;
///
/// fn handle(item: Result<revolut_webhooks::FailedEvent, WalkError>) -> Result<(), revolut_webhooks::Error> {
///     match item {
///         Ok(event) => println!("{}", event.id),
///         // Log it and keep going: the next item is an older event.
///         Err(WalkError::TiedEventsOverflow(overflow)) => eprintln!("warning: {overflow}"),
///         Err(WalkError::Request(error)) => return Err(error),
///         Err(other) => eprintln!("{other}"),
///     }
///     Ok(())
/// }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WalkError {
    /// A request failed (after its retries). Nothing comes after it: the walk ends.
    #[error(transparent)]
    Request(#[from] Error),
    /// Events at one instant may be missing; the walk goes on with older events.
    #[error(transparent)]
    TiedEventsOverflow(#[from] TiedEventsOverflow),
}

impl WalkError {
    /// Whether the walk ends after this item (a failed request), as opposed to going
    /// on with older events (an overflow).
    pub fn ends_walk(&self) -> bool {
        matches!(self, WalkError::Request(_))
    }
}

impl FailedEventsCursor {
    /// A cursor starting at `query` (its `created_before`, or now; its limit, or 100).
    pub fn new(webhook_id: WebhookId, query: &FailedEventsQuery) -> Self {
        let page_size = query.page_size();
        FailedEventsCursor {
            webhook_id,
            page_size,
            limit: page_size,
            created_before: query.created_before,
            seen: HashSet::new(),
            done: false,
        }
    }

    /// Whether the walk is over.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// The next page to request, or `None` when the walk is over.
    pub fn next_call(&self) -> Option<Call<Vec<FailedEvent>>> {
        (!self.done).then(|| {
            request::failed_events_page(self.webhook_id, Some(self.limit), self.created_before)
        })
    }

    /// Takes the page that answered [`next_call`](Self::next_call) and moves the cursor.
    pub fn accept(&mut self, page: Vec<FailedEvent>) -> PageOutcome {
        let full = page.len() >= self.limit as usize;
        let oldest = page.iter().map(|e| e.created_at).min();
        let newest = page.iter().map(|e| e.created_at).max();
        let bound = self.created_before.map(|b| b.instant());
        let mut outcome = PageOutcome {
            events: Vec::with_capacity(page.len()),
            overflow: None,
        };
        let (Some(oldest), Some(newest), true) = (oldest, newest, full) else {
            // A short page is the last one.
            self.done = true;
            outcome.events = page
                .into_iter()
                .filter(|e| !self.seen.contains(&e.id))
                .collect();
            self.seen.clear();
            return outcome;
        };

        let next_bound = just_after(oldest);
        let stuck = oldest == newest || bound.is_some_and(|b| next_bound >= b);
        if !stuck {
            // The usual step: ask again from just after the oldest timestamp,
            // remembering the ids at (or within a microsecond of) it.
            let floor = next_bound - time::Duration::microseconds(1);
            let mut seen = HashSet::new();
            for event in page {
                if event.created_at >= floor {
                    seen.insert(event.id);
                }
                if !self.seen.contains(&event.id) {
                    outcome.events.push(event);
                }
            }
            self.seen = seen;
            self.limit = self.page_size;
            self.created_before = Some(CreatedBefore::DateTime(next_bound));
            return outcome;
        }

        // The whole page is one instant: time cannot move the cursor.
        for event in page {
            if self.seen.insert(event.id) {
                outcome.events.push(event);
            }
        }
        if self.limit < MAX_PAGE_SIZE {
            // A larger page reaches past the tie.
            self.limit = MAX_PAGE_SIZE;
            self.created_before = Some(CreatedBefore::DateTime(next_bound));
        } else {
            outcome.overflow = Some(TiedEventsOverflow {
                created_at: oldest,
                page_size: MAX_PAGE_SIZE,
            });
            self.seen.clear();
            self.limit = self.page_size;
            self.created_before = Some(CreatedBefore::DateTime(oldest));
        }
        outcome
    }
}

/// The smallest microsecond instant strictly after `t`.
fn just_after(t: OffsetDateTime) -> OffsetDateTime {
    let sub_micro = i64::from(t.nanosecond() % 1000);
    t - time::Duration::nanoseconds(sub_micro) + time::Duration::microseconds(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;
    use uuid::Uuid;

    fn t0() -> OffsetDateTime {
        datetime!(2026-11-20 10:00 UTC)
    }

    fn event(n: u128, created_at: OffsetDateTime) -> FailedEvent {
        let json = format!(
            r#"{{"id":"{}","created_at":"{}","updated_at":"{}","webhook_id":"{}","webhook_url":"https://x.com","payload":{{}}}}"#,
            Uuid::from_u128(n),
            created_at
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap(),
            created_at
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap(),
            Uuid::nil()
        );
        serde_json::from_str(&json).unwrap()
    }

    /// A server that behaves like the API: newest first, strict `<`, ties in id order.
    struct Server {
        events: Vec<FailedEvent>,
        requests: usize,
    }

    impl Server {
        fn new(mut events: Vec<FailedEvent>) -> Self {
            events.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(a.id.cmp(&b.id)));
            Server {
                events,
                requests: 0,
            }
        }

        fn answer(&mut self, call: &Call<Vec<FailedEvent>>) -> Vec<FailedEvent> {
            self.requests += 1;
            let query = &call.request().query;
            let limit: usize = query
                .iter()
                .find(|(k, _)| *k == "limit")
                .unwrap()
                .1
                .parse()
                .unwrap();
            let bound = query
                .iter()
                .find(|(k, _)| *k == "created_before")
                .map(|(_, v)| {
                    OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339)
                        .unwrap()
                });
            self.events
                .iter()
                .filter(|e| bound.is_none_or(|b| e.created_at < b))
                .take(limit)
                .cloned()
                .collect()
        }
    }

    /// Walks to the end; returns the ids yielded and the overflow errors.
    fn walk(server: &mut Server, query: FailedEventsQuery) -> (Vec<Uuid>, Vec<TiedEventsOverflow>) {
        let mut cursor = FailedEventsCursor::new(Uuid::nil().into(), &query);
        assert!(!cursor.is_done());
        let (mut ids, mut errors) = (Vec::new(), Vec::new());
        let mut steps = 0;
        while let Some(call) = cursor.next_call() {
            steps += 1;
            assert!(steps < 10_000, "the cursor loops");
            let page = server.answer(&call);
            let out = cursor.accept(page);
            ids.extend(out.events.iter().map(|e| Uuid::from(e.id)));
            errors.extend(out.overflow);
        }
        assert!(cursor.is_done());
        (ids, errors)
    }

    fn assert_exactly_once(ids: &[Uuid], expected: usize) {
        let unique: HashSet<_> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len(), "duplicates yielded");
        assert_eq!(ids.len(), expected, "events lost");
    }

    #[test]
    fn distinct_timestamps_page_through() {
        let events = (0..250)
            .map(|i| event(i, t0() - time::Duration::seconds(i as i64)))
            .collect();
        let mut server = Server::new(events);
        let (ids, errors) = walk(&mut server, FailedEventsQuery::new());
        assert_exactly_once(&ids, 250);
        assert!(errors.is_empty());
        assert_eq!(server.requests, 3);
        // Newest first is preserved.
        assert_eq!(ids[0], Uuid::from_u128(0));
        assert_eq!(ids[249], Uuid::from_u128(249));
    }

    #[test]
    fn ties_at_page_boundaries_are_not_lost() {
        // Pages of 3; a tie of 4 events straddles the first boundary, a tie of 3 the second.
        let mut events = vec![event(1, t0()), event(2, t0() - time::Duration::seconds(1))];
        for n in 10..14 {
            events.push(event(n, t0() - time::Duration::seconds(2)));
        }
        for n in 20..23 {
            events.push(event(n, t0() - time::Duration::seconds(3)));
        }
        events.push(event(30, t0() - time::Duration::seconds(4)));
        let mut server = Server::new(events);
        let (ids, errors) = walk(&mut server, FailedEventsQuery::new().with_limit(3).unwrap());
        assert_exactly_once(&ids, 10);
        assert!(errors.is_empty());
    }

    #[test]
    fn a_page_of_one_timestamp_grows_the_page_then_moves_on() {
        let mut events: Vec<_> = (0..250).map(|n| event(n, t0())).collect();
        events.push(event(999, t0() - time::Duration::seconds(1)));
        let mut server = Server::new(events);
        let (ids, errors) = walk(
            &mut server,
            FailedEventsQuery::new().with_limit(100).unwrap(),
        );
        assert_exactly_once(&ids, 251);
        assert!(errors.is_empty());
        assert!(server.requests <= 4, "{} requests", server.requests);
    }

    #[test]
    fn more_ties_than_the_largest_page_are_reported_not_hidden() {
        let mut events: Vec<_> = (0..1200).map(|n| event(n, t0())).collect();
        events.push(event(5000, t0() - time::Duration::seconds(1)));
        events.push(event(5001, t0() + time::Duration::seconds(1)));
        let mut server = Server::new(events);
        let (ids, errors) = walk(
            &mut server,
            FailedEventsQuery::new().with_limit(10).unwrap(),
        );
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].created_at, t0());
        assert_eq!(errors[0].page_size, 1000);
        assert!(
            errors[0]
                .to_string()
                .contains("more than 1000 failed events share")
        );
        let item = WalkError::from(errors[0].clone());
        assert!(!item.ends_walk());
        assert!(WalkError::from(Error::from(crate::ValidationError::new("x", "y"))).ends_walk());
        // 1 newer + 1000 of the tie + 1 older, each once; the walk went on past the tie.
        assert_exactly_once(&ids, 1002);
        assert!(ids.contains(&Uuid::from_u128(5000)));
        assert!(ids.contains(&Uuid::from_u128(5001)));
    }

    #[test]
    fn exact_multiple_of_the_page_ends_with_an_empty_page() {
        let events = (0..20)
            .map(|i| event(i, t0() - time::Duration::seconds(i as i64)))
            .collect();
        let mut server = Server::new(events);
        let (ids, _) = walk(
            &mut server,
            FailedEventsQuery::new().with_limit(10).unwrap(),
        );
        assert_exactly_once(&ids, 20);
        assert_eq!(server.requests, 3);
    }

    #[test]
    fn respects_the_starting_bound() {
        let events = (0..30)
            .map(|i| event(i, t0() - time::Duration::seconds(i as i64)))
            .collect();
        let mut server = Server::new(events);
        let query = FailedEventsQuery::new()
            .with_limit(7)
            .unwrap()
            .with_created_before(t0() - time::Duration::seconds(9));
        let (ids, _) = walk(&mut server, query);
        assert_exactly_once(&ids, 20);
        assert_eq!(ids[0], Uuid::from_u128(10));
    }

    #[test]
    fn empty_first_page_ends() {
        let mut server = Server::new(vec![]);
        let (ids, errors) = walk(&mut server, FailedEventsQuery::new());
        assert!(ids.is_empty() && errors.is_empty());
        assert_eq!(server.requests, 1);
    }

    #[test]
    fn sub_microsecond_timestamps_still_progress() {
        let base = datetime!(2026-11-20 10:00:00.000001500 UTC);
        let events = (0..9)
            .map(|i| event(i, base - time::Duration::nanoseconds(i as i64 * 400)))
            .collect();
        let mut server = Server::new(events);
        let (ids, _) = walk(&mut server, FailedEventsQuery::new().with_limit(2).unwrap());
        // Nothing is yielded twice and the walk terminates; with the API's own
        // microsecond precision nothing would be lost either.
        let unique: HashSet<_> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len());
    }

    #[test]
    fn just_after_rounds_to_the_next_microsecond() {
        assert_eq!(just_after(t0()), t0() + time::Duration::microseconds(1));
        assert_eq!(
            just_after(datetime!(2026-11-20 10:00:00.000000999 UTC)),
            datetime!(2026-11-20 10:00:00.000001 UTC)
        );
    }
}
