//! The events Revolut delivers to a webhook URL, typed.
//!
//! Every delivery is a JSON envelope `{"event": …, "timestamp": …, "data": {…}}`. The shape
//! of `data` is chosen by the `event` name, **never** guessed from the data's shape: the
//! envelope is read first with `data` kept as raw JSON, then `data` is read as the type the
//! event name says. An event type this crate does not know is kept as
//! [`EventData::Unknown`] with its raw JSON, so a new type never breaks a receiver.
//!
//! Unknown fields are ignored everywhere, and enums that come from Revolut (states,
//! transaction types, account types) have an `Unknown(String)` variant.
//!
//! ```
//! use revolut_webhooks::events::{EventData, WebhookEvent};
//! use revolut_webhooks::EventType;
//! use revolut_webhooks::events::TransactionState;
//!
//! let body = br#"{"data":{"id":"645a7696-22f3-aa47-9c74-cbae0449cc46","new_state":"completed","old_state":"pending","request_id":"app_charges-9f5d5eb3-1e06-46c5-b1c0-3914763e0bcb"},"event":"TransactionStateChanged","timestamp":"2023-05-09T16:36:38.028960Z"}"#;
//! let event = WebhookEvent::from_slice(body)?;
//! assert_eq!(event.event, EventType::TransactionStateChanged);
//! match event.data {
//!     EventData::TransactionStateChanged(change) => {
//!         assert_eq!(change.new_state, TransactionState::Completed);
//!         assert_eq!(change.request_id.as_deref(), Some("app_charges-9f5d5eb3-1e06-46c5-b1c0-3914763e0bcb"));
//!     }
//!     other => panic!("unexpected {other:?}"),
//! }
//! # Ok::<(), revolut_webhooks::events::EventParseError>(())
//! ```
//!
//! # Amounts
//!
//! Amounts are `f64`, the spec's type (`number`, `format: double`). Revolut amounts have a
//! handful of decimals, far below the 15 significant digits an `f64` holds exactly, so an
//! amount prints back (`to_string()`) as the decimal that was sent; `-10` is `-10.0`. Do
//! not do money arithmetic on the `f64`: convert it first, e.g. parse `amount.to_string()`
//! into the decimal type of your choice. A decimal-preserving type here would need either
//! a decimal dependency or serde_json's global `arbitrary_precision` feature, which changes
//! number handling for every crate in a program.

use serde::de::{self, Deserializer};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use time::OffsetDateTime;

pub(crate) mod event_type;
mod key;
mod open_enum;
mod payout_link;
mod table;
mod transaction;

use event_type::EventType;
pub use key::{DeliveryKey, DeliveryKeyParseError};
use table::event_table;
// Globs, so that a data type added to one of these modules is public without another edit.
pub use payout_link::*;
pub use transaction::*;

/// Turns the event table into [`EventData`], its `PartialEq` and `Serialize`, and the
/// two ways of reading `data`.
macro_rules! event_data {
    ($(
        $(#[$doc:meta])*
        $variant:ident = $wire:literal => { $(#[$data_doc:meta])* $data:ty }
    )+) => {
        /// The typed `data` of a [`WebhookEvent`], chosen by the event's name.
        #[derive(Debug, Clone)]
        #[non_exhaustive]
        pub enum EventData {
            $( $(#[$data_doc])* $variant($data), )+
            /// An event type this crate does not know: its `data`, as the raw JSON received
            /// (`null` if the envelope had no `data`).
            Unknown(Box<RawValue>),
        }

        // Not derived: `RawValue` has no `PartialEq`; unknown data are equal when their
        // JSON text is.
        impl PartialEq for EventData {
            fn eq(&self, other: &Self) -> bool {
                match (self, other) {
                    $( (EventData::$variant(a), EventData::$variant(b)) => a == b, )+
                    (EventData::Unknown(a), EventData::Unknown(b)) => a.get() == b.get(),
                    _ => false,
                }
            }
        }

        // Not derived: the data is written alone, untagged; the envelope's `event` says
        // which it is.
        impl Serialize for EventData {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    $( EventData::$variant(d) => d.serialize(serializer), )+
                    EventData::Unknown(raw) => raw.serialize(serializer),
                }
            }
        }

        // The event name alone decides the type of `data`, never the data's shape.
        impl EventData {
            /// Reads `data` from the raw JSON of an envelope.
            fn from_raw(event: &EventType, raw: &RawValue) -> serde_json::Result<EventData> {
                match event {
                    $(
                        EventType::$variant => {
                            serde_json::from_str(raw.get()).map(EventData::$variant)
                        }
                    )+
                    EventType::Unknown(_) => Ok(EventData::Unknown(raw.to_owned())),
                }
            }

            /// Reads `data` from JSON already parsed (by any serde format).
            fn from_value(
                event: &EventType,
                data: serde_json::Value,
            ) -> serde_json::Result<EventData> {
                match event {
                    $(
                        EventType::$variant => {
                            serde_json::from_value(data).map(EventData::$variant)
                        }
                    )+
                    EventType::Unknown(_) => {
                        serde_json::value::to_raw_value(&data).map(EventData::Unknown)
                    }
                }
            }
        }
    };
}

event_table!(event_data);

/// A webhook delivery's body: which event, when, and its typed data.
///
/// Read it with [`from_slice`](WebhookEvent::from_slice) or
/// [`from_json`](WebhookEvent::from_json) (or through
/// [`Verified::event`](crate::signature::Verified::event)). It also implements
/// `Deserialize`, for an envelope inside other JSON (e.g. a failed event's `payload`), and
/// `Serialize`, which writes the envelope back.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct WebhookEvent {
    /// The event's type, which decided the shape of `data`.
    pub event: EventType,
    /// When the event happened.
    #[serde(with = "time::serde::rfc3339")]
    pub timestamp: OffsetDateTime,
    /// The event's data.
    pub data: EventData,
}

/// Why a body is not a webhook event this crate can read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EventParseError {
    /// The body is not a JSON envelope with `event`, `timestamp` and `data`.
    #[error("invalid webhook event envelope: {0}")]
    Envelope(#[source] serde_json::Error),
    /// The envelope is fine but `data` does not have the shape its event type requires.
    #[error("invalid data for a {event} event: {error}")]
    Data {
        /// The event type from the envelope.
        event: EventType,
        /// What serde_json said.
        #[source]
        error: serde_json::Error,
    },
}

#[derive(Deserialize)]
struct RawEnvelope<'a> {
    event: EventType,
    #[serde(with = "time::serde::rfc3339")]
    timestamp: OffsetDateTime,
    #[serde(borrow, default)]
    data: Option<&'a RawValue>,
}

impl WebhookEvent {
    /// Reads an event from the raw bytes of a delivery.
    ///
    /// ```
    /// use revolut_webhooks::events::{EventData, WebhookEvent};
    ///
    /// let event = WebhookEvent::from_slice(br#"{"event":"CardCreated","timestamp":"2026-01-01T00:00:00Z","data":{"id":"c1"}}"#)?;
    /// assert!(event.event.is_unknown());
    /// match &event.data {
    ///     EventData::Unknown(raw) => assert_eq!(raw.get(), r#"{"id":"c1"}"#),
    ///     other => panic!("{other:?}"),
    /// }
    /// # Ok::<(), revolut_webhooks::events::EventParseError>(())
    /// ```
    pub fn from_slice(body: &[u8]) -> Result<Self, EventParseError> {
        let envelope: RawEnvelope<'_> =
            serde_json::from_slice(body).map_err(EventParseError::Envelope)?;
        Self::from_envelope(envelope)
    }

    /// Reads an event from a JSON string.
    pub fn from_json(json: &str) -> Result<Self, EventParseError> {
        Self::from_slice(json.as_bytes())
    }

    fn from_envelope(envelope: RawEnvelope<'_>) -> Result<Self, EventParseError> {
        let raw = envelope.data.unwrap_or(RawValue::NULL);
        let data =
            EventData::from_raw(&envelope.event, raw).map_err(|error| EventParseError::Data {
                event: envelope.event.clone(),
                error,
            })?;
        Ok(WebhookEvent {
            event: envelope.event,
            timestamp: envelope.timestamp,
            data,
        })
    }
}

impl<'de> Deserialize<'de> for WebhookEvent {
    /// Works with any serde format: `data` goes through a `serde_json::Value` first, so
    /// [`from_slice`](WebhookEvent::from_slice) is faster for raw bytes.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Envelope {
            event: EventType,
            #[serde(with = "time::serde::rfc3339")]
            timestamp: OffsetDateTime,
            #[serde(default)]
            data: serde_json::Value,
        }
        let envelope = Envelope::deserialize(deserializer)?;
        let data = EventData::from_value(&envelope.event, envelope.data).map_err(|e| {
            de::Error::custom(format_args!(
                "invalid data for a {} event: {e}",
                envelope.event
            ))
        })?;
        Ok(WebhookEvent {
            event: envelope.event,
            timestamp: envelope.timestamp,
            data,
        })
    }
}
