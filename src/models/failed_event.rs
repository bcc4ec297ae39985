//! Events whose delivery failed, and the query that pages through them.

use std::fmt;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use time::{Date, OffsetDateTime, UtcOffset};

use super::{FailedEventId, WebhookId};
use crate::error::ValidationError;
use crate::events::{EventParseError, WebhookEvent};

/// An event Revolut could not deliver, after its retries.
///
/// The `payload` is the exact event envelope Revolut tried to deliver
/// (`{"event", "timestamp", "data"}`), kept as raw JSON so a large page decodes
/// quickly and nothing in it is lost; decode it when you need it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FailedEvent {
    /// The failed event's id.
    pub id: FailedEventId,
    /// When the event was created; the pagination cursor.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When the event was last updated.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// The webhook it was meant for.
    pub webhook_id: WebhookId,
    /// The URL it was sent to.
    pub webhook_url: String,
    /// The event as Revolut sent it, untouched.
    pub payload: Box<RawValue>,
    /// When the last delivery attempt was made, if Revolut says.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_sent_date: Option<OffsetDateTime>,
}

impl FailedEvent {
    /// The payload's JSON text, exactly as received.
    pub fn payload_json(&self) -> &str {
        self.payload.get()
    }

    /// The payload as the typed event a receiver gets from
    /// [`Verified::event`](crate::signature::Verified::event), so a replay
    /// of failed events can feed the same handler as live deliveries.
    ///
    /// ```
    /// # let page = r#"[{"id":"d6d04ec2-2a48-4825-8fba-3603cdacdba7","created_at":"2023-07-22T11:52:21.297570Z",
    /// #  "updated_at":"2023-07-22T11:52:21.534872Z","webhook_id":"c8083529-fb91-4de0-a66d-9fc3ccc1da10",
    /// #  "webhook_url":"https://www.example.com","payload":{"data":{"id":"0e1a8d4b-1d1e-457d-9f10-3e7007a82ea8",
    /// #  "request_id":"2e2837f5-828d-473f-85e8-5614afd3f8e8","old_state":"active","new_state":"processed"},
    /// #  "event":"PayoutLinkStateChanged","timestamp":"2023-07-22T12:31:18.534798Z"}}]"#;
    /// # let events: Vec<revolut_webhooks::FailedEvent> = serde_json::from_str(page)?;
    /// use revolut_webhooks::events::EventData;
    /// use revolut_webhooks::EventType;
    ///
    /// let event = events[0].event()?;
    /// assert_eq!(event.event, EventType::PayoutLinkStateChanged);
    /// assert!(matches!(event.data, EventData::PayoutLinkStateChanged(_)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn event(&self) -> Result<WebhookEvent, EventParseError> {
        WebhookEvent::from_json(self.payload.get())
    }

    /// The payload's [`DeliveryKey`](crate::events::DeliveryKey): the same key as the
    /// live delivery of this event, so an inbox recognises it.
    pub fn delivery_key(&self) -> Result<crate::events::DeliveryKey, EventParseError> {
        crate::events::DeliveryKey::from_body(self.payload_json().as_bytes())
    }

    /// Decodes the payload into any type: your own struct, or `serde_json::Value`.
    ///
    /// ```
    /// # let page = r#"[{"id":"d6d04ec2-2a48-4825-8fba-3603cdacdba7","created_at":"2023-01-26T16:22:21.297570Z",
    /// #  "updated_at":"2023-01-26T16:22:21.534872Z","webhook_id":"c8083529-fb91-4de0-a66d-9fc3ccc1da10",
    /// #  "webhook_url":"https://www.example.com","payload":{"event":"TransactionCreated","timestamp":"2023-01-26T16:22:21.230599Z","data":{"id":"x"}}}]"#;
    /// # let events: Vec<revolut_webhooks::FailedEvent> = serde_json::from_str(page)?;
    /// let value: serde_json::Value = events[0].payload_as()?;
    /// assert_eq!(value["event"], "TransactionCreated");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn payload_as<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(self.payload.get())
    }
}

/// The upper bound of a failed-events query: a date, or an instant.
///
/// The API returns events created strictly before it, and refuses a bound more
/// than 21 days in the past.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CreatedBefore {
    /// A calendar date (`2026-11-20`), sent as such.
    Date(Date),
    /// An instant, sent in UTC with microseconds (`2026-11-20T10:00:00.000000Z`).
    DateTime(OffsetDateTime),
}

impl CreatedBefore {
    /// The instant it stands for: a date means its midnight, UTC.
    pub fn instant(&self) -> OffsetDateTime {
        match *self {
            CreatedBefore::Date(d) => d.midnight().assume_utc(),
            CreatedBefore::DateTime(t) => t,
        }
    }
}

impl From<Date> for CreatedBefore {
    fn from(d: Date) -> Self {
        CreatedBefore::Date(d)
    }
}

impl From<OffsetDateTime> for CreatedBefore {
    fn from(t: OffsetDateTime) -> Self {
        CreatedBefore::DateTime(t)
    }
}

impl fmt::Display for CreatedBefore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            CreatedBefore::Date(d) => {
                write!(
                    f,
                    "{:04}-{:02}-{:02}",
                    d.year(),
                    u8::from(d.month()),
                    d.day()
                )
            }
            CreatedBefore::DateTime(t) => write_utc_micros(f, t),
        }
    }
}

/// RFC 3339 in UTC with exactly six fractional digits, the precision Revolut uses.
/// Sub-microsecond digits are truncated.
fn write_utc_micros(f: &mut fmt::Formatter<'_>, t: OffsetDateTime) -> fmt::Result {
    let t = t.to_offset(UtcOffset::UTC);
    write!(
        f,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    )
}

/// How many failed events per page the API allows at most.
pub const MAX_PAGE_SIZE: u32 = 1000;

/// How far back the API lets `created_before` reach.
pub const FAILED_EVENTS_WINDOW: time::Duration = time::Duration::days(21);

/// Which page of failed events to fetch.
///
/// ```
/// use revolut_webhooks::FailedEventsQuery;
/// use time::macros::datetime;
///
/// let q = FailedEventsQuery::new()
///     .with_limit(500)?
///     .with_created_before(datetime!(2026-11-20 10:00 UTC));
/// assert_eq!(q.limit(), Some(500));
/// assert!(FailedEventsQuery::new().with_limit(0).is_err());
/// # Ok::<(), revolut_webhooks::ValidationError>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FailedEventsQuery {
    pub(crate) limit: Option<u32>,
    pub(crate) created_before: Option<CreatedBefore>,
}

impl FailedEventsQuery {
    /// The API's defaults: 100 events, created before now.
    pub fn new() -> Self {
        Self::default()
    }

    /// At most `limit` events per page, 1 to 1000.
    pub fn with_limit(mut self, limit: u32) -> Result<Self, ValidationError> {
        if !(1..=MAX_PAGE_SIZE).contains(&limit) {
            return Err(ValidationError::new(
                "limit",
                format!("must be between 1 and {MAX_PAGE_SIZE}, got {limit}"),
            ));
        }
        self.limit = Some(limit);
        Ok(self)
    }

    /// Only events created strictly before this date or instant, which must not be
    /// more than 21 days ago (checked when the request is made, against the client's clock).
    #[must_use]
    pub fn with_created_before(mut self, bound: impl Into<CreatedBefore>) -> Self {
        self.created_before = Some(bound.into());
        self
    }

    /// The page size in effect: the limit set, or the API's default of 100.
    pub(crate) fn page_size(&self) -> u32 {
        self.limit.unwrap_or(100)
    }

    /// The limit set, if any (without one, the API sends 100 events a page).
    pub fn limit(&self) -> Option<u32> {
        self.limit
    }

    /// The bound set, if any.
    pub fn created_before(&self) -> Option<CreatedBefore> {
        self.created_before
    }

    /// Checks the 21-day window at `now`.
    pub(crate) fn validate_at(&self, now: OffsetDateTime) -> Result<(), ValidationError> {
        if let Some(bound) = self.created_before {
            let oldest = now - FAILED_EVENTS_WINDOW;
            if bound.instant() < oldest {
                return Err(ValidationError::new(
                    "created_before",
                    format!(
                        "{bound} is more than 21 days ago; the API only keeps failed events for 21 days"
                    ),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn created_before_formats() {
        assert_eq!(
            CreatedBefore::from(date!(2026 - 01 - 05)).to_string(),
            "2026-01-05"
        );
        assert_eq!(
            CreatedBefore::from(datetime!(2023-01-26 16:22:21.29757 UTC)).to_string(),
            "2023-01-26T16:22:21.297570Z"
        );
        // Offsets are converted to UTC; nanoseconds truncated to microseconds.
        assert_eq!(
            CreatedBefore::from(datetime!(2023-01-26 18:22:21.123456789 +02:00)).to_string(),
            "2023-01-26T16:22:21.123456Z"
        );
        assert_eq!(
            CreatedBefore::Date(date!(2026 - 01 - 05)).instant(),
            datetime!(2026-01-05 00:00 UTC)
        );
    }

    #[test]
    fn limit_bounds() {
        assert!(FailedEventsQuery::new().with_limit(0).is_err());
        assert!(FailedEventsQuery::new().with_limit(1001).is_err());
        assert_eq!(
            FailedEventsQuery::new().with_limit(1).unwrap().page_size(),
            1
        );
        assert_eq!(
            FailedEventsQuery::new()
                .with_limit(1000)
                .unwrap()
                .page_size(),
            1000
        );
        assert_eq!(FailedEventsQuery::new().page_size(), 100);
        assert_eq!(
            FailedEventsQuery::new().with_limit(0).unwrap_err().field,
            "limit"
        );
    }

    #[test]
    fn window_of_21_days() {
        let now = datetime!(2026-11-25 12:00 UTC);
        let at_edge = FailedEventsQuery::new().with_created_before(now - FAILED_EVENTS_WINDOW);
        assert!(at_edge.validate_at(now).is_ok());
        let past = FailedEventsQuery::new()
            .with_created_before(now - FAILED_EVENTS_WINDOW - time::Duration::microseconds(1));
        assert_eq!(past.validate_at(now).unwrap_err().field, "created_before");
        // A date means its midnight: 21 days back at noon is too old by 12 hours.
        let day = FailedEventsQuery::new().with_created_before(date!(2026 - 11 - 04));
        assert!(day.validate_at(now).is_err());
        let day_ok = FailedEventsQuery::new().with_created_before(date!(2026 - 11 - 05));
        assert!(day_ok.validate_at(now).is_ok());
        assert!(FailedEventsQuery::new().validate_at(now).is_ok());
        assert_eq!(
            day_ok.created_before(),
            Some(CreatedBefore::Date(date!(2026 - 11 - 05)))
        );
    }

    #[test]
    fn failed_event_keeps_payload_bytes() {
        let json = r#"{"id":"d6d04ec2-2a48-4825-8fba-3603cdacdba7","created_at":"2023-01-26T16:22:21.297570Z",
            "updated_at":"2023-01-26T16:22:21.534872Z","webhook_id":"c8083529-fb91-4de0-a66d-9fc3ccc1da10",
            "webhook_url":"https://www.example.com","payload":{"b": 1,  "a":[2]},"new_field":true}"#;
        let e: FailedEvent = serde_json::from_str(json).unwrap();
        assert_eq!(e.payload_json(), r#"{"b": 1,  "a":[2]}"#);
        assert_eq!(e.last_sent_date, None);
        assert_eq!(e.created_at, datetime!(2023-01-26 16:22:21.29757 UTC));
        let v: serde_json::Value = e.payload_as().unwrap();
        assert_eq!(v["a"][0], 2);
    }
}
