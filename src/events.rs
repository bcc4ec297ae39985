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

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserializer};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::models::EventType;

/// Declares a forward-compatible string enum: known wire names map to variants, anything
/// else to `Unknown(String)`, kept verbatim.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version of the crate does not know, kept verbatim.
            Unknown(String),
        }

        impl $name {
            /// The value on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )+
                    $name::Unknown(other) => other,
                }
            }

            /// Whether this is a value the crate does not know.
            pub fn is_unknown(&self) -> bool {
                matches!(self, $name::Unknown(_))
            }

            fn known(name: &str) -> Option<Self> {
                match name {
                    $( $wire => Some($name::$variant), )+
                    _ => None,
                }
            }
        }

        impl From<&str> for $name {
            fn from(name: &str) -> Self {
                $name::known(name).unwrap_or_else(|| $name::Unknown(name.to_owned()))
            }
        }

        impl From<String> for $name {
            fn from(name: String) -> Self {
                $name::known(&name).unwrap_or($name::Unknown(name))
            }
        }

        impl FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok($name::from(s))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Visitor;
                impl de::Visitor<'_> for Visitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str(concat!("a ", stringify!($name), " string"))
                    }
                    fn visit_str<E: de::Error>(self, v: &str) -> Result<$name, E> {
                        Ok($name::from(v))
                    }
                    fn visit_string<E: de::Error>(self, v: String) -> Result<$name, E> {
                        Ok($name::from(v))
                    }
                }
                deserializer.deserialize_str(Visitor)
            }
        }
    };
}

open_enum! {
    /// The state of a transaction (`TransactionState` in the API).
    pub enum TransactionState {
        /// Created; processed asynchronously or scheduled for later (`created`).
        Created = "created",
        /// Waiting to be processed (`pending`).
        Pending = "pending",
        /// Successful (`completed`).
        Completed = "completed",
        /// Unsuccessful, e.g. insufficient balance (`declined`).
        Declined = "declined",
        /// Unsuccessful, e.g. blocked payment (`failed`).
        Failed = "failed",
        /// Reverted, e.g. receiver inaccessible (`reverted`).
        Reverted = "reverted",
    }
}

open_enum! {
    /// The kind of a transaction (`TransactionType` in the API).
    pub enum TransactionType {
        /// `atm`
        Atm = "atm",
        /// `card_payment`
        CardPayment = "card_payment",
        /// `card_refund`
        CardRefund = "card_refund",
        /// `card_chargeback`
        CardChargeback = "card_chargeback",
        /// `card_credit`
        CardCredit = "card_credit",
        /// `charge`
        Charge = "charge",
        /// `charge_refund`
        ChargeRefund = "charge_refund",
        /// `exchange`
        Exchange = "exchange",
        /// `transfer`
        Transfer = "transfer",
        /// `loan`
        Loan = "loan",
        /// `fee`
        Fee = "fee",
        /// `refund`
        Refund = "refund",
        /// `topup`
        Topup = "topup",
        /// `topup_return`
        TopupReturn = "topup_return",
        /// `tax`
        Tax = "tax",
        /// `tax_refund`
        TaxRefund = "tax_refund",
        /// `rev_payment`
        RevPayment = "rev_payment",
    }
}

open_enum! {
    /// The kind of account on the other side of a transaction leg.
    pub enum CounterpartyAccountType {
        /// One of your own accounts (`self`).
        OwnAccount = "self",
        /// A Revolut account (`revolut`).
        Revolut = "revolut",
        /// An account at another bank (`external`).
        External = "external",
    }
}

open_enum! {
    /// The state of a payout link (`PayoutLinkState` in the API).
    pub enum PayoutLinkState {
        /// Created, amount not yet blocked (`created`).
        Created = "created",
        /// Could not be generated (`failed`).
        Failed = "failed",
        /// Awaiting approval (`awaiting`).
        Awaiting = "awaiting",
        /// Can be redeemed (`active`).
        Active = "active",
        /// Not claimed before its expiry date (`expired`).
        Expired = "expired",
        /// Cancelled (`cancelled`).
        Cancelled = "cancelled",
        /// Redeemed, being processed (`processing`).
        Processing = "processing",
        /// Redeemed, money transferred (`processed`).
        Processed = "processed",
    }
}

/// A transaction, the data of a `TransactionCreated` event (the API's `Transaction`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Transaction {
    /// The transaction's ID. A string: the spec does not promise a UUID.
    pub id: String,
    /// The kind of transaction (`type` on the wire).
    #[serde(rename = "type")]
    pub kind: TransactionType,
    /// The state of the transaction.
    pub state: TransactionState,
    /// The request ID you gave when creating it, if any (not necessarily a UUID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Why the transaction was declined or failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_code: Option<String>,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it was last updated.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// When it completed.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub completed_at: Option<OffsetDateTime>,
    /// The date the payment is scheduled for, if any. A full date-time is accepted too
    /// (its date is kept).
    #[serde(
        default,
        with = "lenient_date",
        skip_serializing_if = "Option::is_none"
    )]
    pub scheduled_for: Option<Date>,
    /// The transaction this one relates to (e.g. the original of a refund).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related_transaction_id: Option<Uuid>,
    /// The merchant, for card transactions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant: Option<Merchant>,
    /// The payment reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The legs: one, or two for a transfer between your own accounts.
    pub legs: Vec<TransactionLeg>,
    /// The card, for card transactions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<Card>,
}

/// One leg of a [`Transaction`] (the API's `TransactionLeg`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TransactionLeg {
    /// The leg's ID.
    pub leg_id: Uuid,
    /// The amount, negative for money going out (see the [module docs](self#amounts)).
    pub amount: f64,
    /// The fee, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee: Option<f64>,
    /// ISO 4217 currency code of `amount`, e.g. `GBP`.
    pub currency: String,
    /// The billed amount, for cross-currency payments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill_amount: Option<f64>,
    /// ISO 4217 currency code of `bill_amount`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill_currency: Option<String>,
    /// Your account this leg belongs to.
    pub account_id: Uuid,
    /// The other side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counterparty: Option<Counterparty>,
    /// What the leg is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The account's balance after this leg.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balance: Option<f64>,
}

/// The other side of a [`TransactionLeg`] (the API's `TransactionCounterparty`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Counterparty {
    /// The kind of account.
    pub account_type: CounterpartyAccountType,
    /// The counterparty's ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    /// The counterparty's account ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<Uuid>,
}

/// The merchant of a card transaction (the API's `TransactionMerchant`). All fields are
/// optional.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Merchant {
    /// The merchant's ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The merchant's (cleaned) name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The name as the card network gave it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    /// The merchant's city.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// The merchant category code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_code: Option<String>,
    /// ISO 3166 country code (2 or 3 letters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// The card of a card transaction (the API's `TransactionCard`). All fields are optional.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Card {
    /// The card's ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The masked card number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_number: Option<String>,
    /// The cardholder's first name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// The cardholder's last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// The cardholder's phone number (E.164).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// The card's references (name-value pairs) at the time of the transaction.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<CardReference>,
}

/// A name-value pair recorded on a card transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CardReference {
    /// The reference's name.
    pub name: String,
    /// Its value.
    pub value: String,
}

/// The data of a `TransactionStateChanged` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TransactionStateChanged {
    /// The transaction's ID.
    pub id: String,
    /// The request ID given when the transaction was created. Not necessarily a UUID (e.g.
    /// `app_charges-…`), and absent for transactions not created through the API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The state before.
    pub old_state: TransactionState,
    /// The state now.
    pub new_state: TransactionState,
}

/// The data of a `PayoutLinkStateChanged` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PayoutLinkStateChanged {
    /// The payout link's ID.
    pub id: String,
    /// The request ID given when the link was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The state before.
    pub old_state: PayoutLinkState,
    /// The state now.
    pub new_state: PayoutLinkState,
}

/// The data of a `PayoutLinkCreated` event.
///
/// Revolut has not published this event's shape; these fields are the best evidence
/// available, so all are optional, and every other field is kept in
/// [`other`](PayoutLinkCreated::other).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PayoutLinkCreated {
    /// The payout link's ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Its state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<PayoutLinkState>,
    /// The request ID given when the link was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Every other field, as JSON.
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// The typed `data` of a [`WebhookEvent`], chosen by the event's name.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum EventData {
    /// `TransactionCreated`: the new transaction (boxed: it is much larger than the
    /// other variants).
    TransactionCreated(Box<Transaction>),
    /// `TransactionStateChanged`.
    TransactionStateChanged(TransactionStateChanged),
    /// `PayoutLinkCreated` (shape unconfirmed, read leniently).
    PayoutLinkCreated(PayoutLinkCreated),
    /// `PayoutLinkStateChanged`.
    PayoutLinkStateChanged(PayoutLinkStateChanged),
    /// An event type this crate does not know: its `data`, as the raw JSON received
    /// (`null` if the envelope had no `data`).
    Unknown(Box<RawValue>),
}

impl PartialEq for EventData {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (EventData::TransactionCreated(a), EventData::TransactionCreated(b)) => a == b,
            (EventData::TransactionStateChanged(a), EventData::TransactionStateChanged(b)) => {
                a == b
            }
            (EventData::PayoutLinkCreated(a), EventData::PayoutLinkCreated(b)) => a == b,
            (EventData::PayoutLinkStateChanged(a), EventData::PayoutLinkStateChanged(b)) => a == b,
            (EventData::Unknown(a), EventData::Unknown(b)) => a.get() == b.get(),
            _ => false,
        }
    }
}

impl Serialize for EventData {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            EventData::TransactionCreated(d) => d.serialize(serializer),
            EventData::TransactionStateChanged(d) => d.serialize(serializer),
            EventData::PayoutLinkCreated(d) => d.serialize(serializer),
            EventData::PayoutLinkStateChanged(d) => d.serialize(serializer),
            EventData::Unknown(raw) => raw.serialize(serializer),
        }
    }
}

/// A webhook delivery's body: which event, when, and its typed data.
///
/// Read it with [`from_slice`](WebhookEvent::from_slice) or
/// [`from_json`](WebhookEvent::from_json) (or through
/// [`Verifier::verify_and_parse`](crate::signature::Verifier::verify_and_parse)). It also implements
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
        let json = raw.get();
        // The event name alone decides the type of `data`.
        let data = match &envelope.event {
            EventType::TransactionCreated => {
                serde_json::from_str(json).map(EventData::TransactionCreated)
            }
            EventType::TransactionStateChanged => {
                serde_json::from_str(json).map(EventData::TransactionStateChanged)
            }
            EventType::PayoutLinkCreated => {
                serde_json::from_str(json).map(EventData::PayoutLinkCreated)
            }
            EventType::PayoutLinkStateChanged => {
                serde_json::from_str(json).map(EventData::PayoutLinkStateChanged)
            }
            _ => Ok(EventData::Unknown(raw.to_owned())),
        }
        .map_err(|error| EventParseError::Data {
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
        let data = match &envelope.event {
            EventType::TransactionCreated => {
                serde_json::from_value(envelope.data).map(EventData::TransactionCreated)
            }
            EventType::TransactionStateChanged => {
                serde_json::from_value(envelope.data).map(EventData::TransactionStateChanged)
            }
            EventType::PayoutLinkCreated => {
                serde_json::from_value(envelope.data).map(EventData::PayoutLinkCreated)
            }
            EventType::PayoutLinkStateChanged => {
                serde_json::from_value(envelope.data).map(EventData::PayoutLinkStateChanged)
            }
            _ => serde_json::value::to_raw_value(&envelope.data).map(EventData::Unknown),
        }
        .map_err(|e| {
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

/// `Option<Date>` from `YYYY-MM-DD`, or from a date-time (its date part).
mod lenient_date {
    use serde::{Deserialize, Deserializer, Serializer, de};
    use time::format_description::well_known::{Iso8601, Rfc3339};
    use time::{Date, OffsetDateTime};

    pub(super) fn serialize<S: Serializer>(date: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        match date {
            Some(d) => s.serialize_str(&format!(
                "{:04}-{:02}-{:02}",
                d.year(),
                u8::from(d.month()),
                d.day()
            )),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
        let Some(text) = Option::<String>::deserialize(d)? else {
            return Ok(None);
        };
        if let Ok(date) = Date::parse(&text, &Iso8601::DATE) {
            return Ok(Some(date));
        }
        OffsetDateTime::parse(&text, &Rfc3339)
            .map(|t| Some(t.date()))
            .map_err(|_| de::Error::custom(format_args!("expected a date, got {text:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_enums_round_trip() {
        for (s, v) in [
            ("self", CounterpartyAccountType::OwnAccount),
            ("external", CounterpartyAccountType::External),
            ("space", CounterpartyAccountType::Unknown("space".into())),
        ] {
            let parsed: CounterpartyAccountType =
                serde_json::from_str(&format!("\"{s}\"")).unwrap();
            assert_eq!(parsed, v);
            assert_eq!(serde_json::to_string(&parsed).unwrap(), format!("\"{s}\""));
            assert_eq!(parsed.to_string(), s);
        }
        assert!(TransactionType::from("crypto").is_unknown());
        assert_eq!(
            "rev_payment".parse::<TransactionType>().unwrap(),
            TransactionType::RevPayment
        );
    }

    #[test]
    fn lenient_date_reads_date_and_date_time() {
        #[derive(Deserialize, Serialize)]
        struct T {
            #[serde(default, with = "lenient_date")]
            d: Option<Date>,
        }
        let a: T = serde_json::from_str(r#"{"d":"2026-03-04"}"#).unwrap();
        let b: T = serde_json::from_str(r#"{"d":"2026-03-04T10:00:00Z"}"#).unwrap();
        assert_eq!(a.d, b.d);
        assert_eq!(serde_json::to_string(&a).unwrap(), r#"{"d":"2026-03-04"}"#);
        assert!(serde_json::from_str::<T>(r#"{"d":"tomorrow"}"#).is_err());
        assert_eq!(serde_json::from_str::<T>("{}").unwrap().d, None);
    }
}
