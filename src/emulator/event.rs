//! Events the emulator can deliver, with realistic sample data.

use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

use super::times::fmt_time;
use crate::models::EventType;

/// An event to [`emit`](super::Emulator::emit): its type, its `data` and, optionally,
/// its `timestamp` (the emulator's clock at emit time otherwise).
///
/// The constructors build data shaped like Revolut's documented examples, with fresh
/// ids each time; the `created_at`/`updated_at` of a sample transaction are set to
/// the emulator's clock when it is emitted.
///
/// ```
/// use revolut_webhooks::EventType;
/// use revolut_webhooks::emulator::Event;
///
/// let event = Event::transaction_created();
/// assert_eq!(event.event_type(), &EventType::TransactionCreated);
/// assert_eq!(event.data()["legs"][0]["currency"], "GBP");
///
/// let custom = Event::new(EventType::PayoutLinkStateChanged, serde_json::json!({
///     "id": "0e1a8d4b-1d1e-457d-9f10-3e7007a82ea8",
///     "old_state": "active",
///     "new_state": "processed",
/// }));
/// assert_eq!(custom.data()["new_state"], "processed");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    event_type: EventType,
    timestamp: Option<OffsetDateTime>,
    data: Value,
    fill_times: bool,
}

impl Event {
    /// An event of any type with the given `data`, sent as it is.
    pub fn new(event_type: EventType, data: Value) -> Event {
        Event {
            event_type,
            timestamp: None,
            data,
            fill_times: false,
        }
    }

    /// A sample event of `event_type`: one of the four constructors below, or
    /// empty data (`{}`) for a type the crate does not know.
    pub fn sample(event_type: &EventType) -> Event {
        // No catch-all arm: `#[non_exhaustive]` does not apply inside the crate, so an
        // event type added to the table without a sample here does not compile.
        match event_type {
            EventType::TransactionCreated => Event::transaction_created(),
            EventType::TransactionStateChanged => Event::transaction_state_changed(),
            EventType::PayoutLinkCreated => Event::payout_link_created(),
            EventType::PayoutLinkStateChanged => Event::payout_link_state_changed(),
            EventType::Unknown(_) => Event::new(event_type.clone(), json!({})),
        }
    }

    /// A pending £10 transfer to an external counterparty, shaped like the
    /// `TransactionCreated` example of Revolut's webhooks guide.
    pub fn transaction_created() -> Event {
        let id = Uuid::new_v4();
        let mut leg_id = *id.as_bytes();
        // Revolut leg ids share the transaction id with zeros in the fourth group.
        leg_id[8] = 0;
        leg_id[9] = 0;
        Event {
            event_type: EventType::TransactionCreated,
            timestamp: None,
            data: json!({
                "id": id.to_string(),
                "type": "transfer",
                "state": "pending",
                "request_id": Uuid::new_v4().to_string(),
                "created_at": null,
                "updated_at": null,
                "reference": "To John Doe",
                "legs": [{
                    "leg_id": Uuid::from_bytes(leg_id).to_string(),
                    "account_id": Uuid::new_v4().to_string(),
                    "counterparty": {
                        "id": Uuid::new_v4().to_string(),
                        "account_type": "external",
                        "account_id": Uuid::new_v4().to_string(),
                    },
                    "amount": -10.0,
                    "fee": 0.2,
                    "currency": "GBP",
                    "description": "To Acme Corp",
                }],
            }),
            fill_times: true,
        }
    }

    /// A transaction going from `pending` to `completed`, shaped like the body of
    /// Revolut's signature guide (its `request_id` is not a UUID there either).
    pub fn transaction_state_changed() -> Event {
        Event::new(
            EventType::TransactionStateChanged,
            json!({
                "id": Uuid::new_v4().to_string(),
                "request_id": format!("app_charges-{}", Uuid::new_v4()),
                "old_state": "pending",
                "new_state": "completed",
            }),
        )
    }

    /// A new, active payout link. Revolut does not publish this event's example; the
    /// fields (`id`, `state`, `request_id`) follow third-party models.
    pub fn payout_link_created() -> Event {
        Event::new(
            EventType::PayoutLinkCreated,
            json!({
                "id": Uuid::new_v4().to_string(),
                "request_id": Uuid::new_v4().to_string(),
                "state": "active",
            }),
        )
    }

    /// A payout link going from `active` to `processed`, shaped like the spec's
    /// failed-events example.
    pub fn payout_link_state_changed() -> Event {
        Event::new(
            EventType::PayoutLinkStateChanged,
            json!({
                "id": Uuid::new_v4().to_string(),
                "request_id": Uuid::new_v4().to_string(),
                "old_state": "active",
                "new_state": "processed",
            }),
        )
    }

    /// Sets the envelope's `timestamp` (otherwise the emulator's clock when emitted).
    #[must_use]
    pub fn at(mut self, timestamp: OffsetDateTime) -> Event {
        self.timestamp = Some(timestamp);
        self
    }

    /// Replaces the `data` object.
    #[must_use]
    pub fn with_data(mut self, data: Value) -> Event {
        self.data = data;
        self.fill_times = false;
        self
    }

    /// The event type.
    pub fn event_type(&self) -> &EventType {
        &self.event_type
    }

    /// The `data` object (sample times are still `null` until it is emitted).
    pub fn data(&self) -> &Value {
        &self.data
    }

    /// The exact body that is delivered when the event is emitted at `now`: compact
    /// JSON `{"data":…,"event":…,"timestamp":…}`, the bytes that are signed.
    pub fn body_at(&self, now: OffsetDateTime) -> String {
        let mut data = self.data.clone();
        if self.fill_times
            && let Some(object) = data.as_object_mut()
        {
            for key in ["created_at", "updated_at"] {
                if object.get(key).is_some_and(Value::is_null) {
                    object.insert(key.to_owned(), Value::String(fmt_time(now)));
                }
            }
        }
        let timestamp = fmt_time(self.timestamp.unwrap_or(now));
        // Built by hand so the key order (data, event, timestamp) never depends on
        // serde_json's map features; this is the order of Revolut's signed example.
        format!(
            "{{\"data\":{},\"event\":{},\"timestamp\":{}}}",
            data,
            Value::String(self.event_type.as_str().to_owned()),
            Value::String(timestamp)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn samples_have_realistic_shapes() {
        let now = datetime!(2026-11-25 12:00:00.123456789 UTC);
        for t in EventType::ALL {
            let e = Event::sample(t);
            assert_eq!(e.event_type(), t);
            let body: Value = serde_json::from_str(&e.body_at(now)).unwrap();
            assert_eq!(body["event"], t.as_str());
            assert_eq!(body["timestamp"], "2026-11-25T12:00:00.123456Z");
            assert!(body["data"]["id"].is_string(), "{t}");
        }
        let tx: Value = serde_json::from_str(&Event::transaction_created().body_at(now)).unwrap();
        assert_eq!(tx["data"]["created_at"], "2026-11-25T12:00:00.123456Z");
        assert_eq!(tx["data"]["legs"][0]["amount"], -10.0);
        assert_eq!(
            tx["data"]["legs"][0]["counterparty"]["account_type"],
            "external"
        );
        let leg = tx["data"]["legs"][0]["leg_id"].as_str().unwrap();
        assert_eq!(&leg[19..23], "0000");
        assert_eq!(leg[..18], tx["data"]["id"].as_str().unwrap()[..18]);
        let unknown = Event::sample(&EventType::Unknown("CardCreated".into()));
        assert_eq!(
            unknown.body_at(now),
            r#"{"data":{},"event":"CardCreated","timestamp":"2026-11-25T12:00:00.123456Z"}"#
        );
    }

    #[test]
    fn explicit_timestamp_and_data_are_kept() {
        let t = datetime!(2023-05-09 16:36:38.028960 UTC);
        let e = Event::transaction_created()
            .with_data(json!({"created_at": null}))
            .at(t);
        assert_eq!(
            e.body_at(datetime!(2026-01-01 0:00 UTC)),
            r#"{"data":{"created_at":null},"event":"TransactionCreated","timestamp":"2023-05-09T16:36:38.028960Z"}"#
        );
    }
}
