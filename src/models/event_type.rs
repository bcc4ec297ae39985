//! The kinds of event a webhook can subscribe to.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A webhook event type, as Revolut names it.
///
/// Unknown names (a type Revolut adds later) parse to [`EventType::Unknown`]
/// instead of failing, so a new event type never breaks a list of webhooks.
///
/// ```
/// use revolut_webhooks::EventType;
///
/// let t: EventType = "TransactionCreated".parse().unwrap();
/// assert_eq!(t, EventType::TransactionCreated);
/// let later: EventType = "CardCreated".parse().unwrap();
/// assert_eq!(later, EventType::Unknown("CardCreated".into()));
/// assert_eq!(later.as_str(), "CardCreated");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum EventType {
    /// A transaction was created (`TransactionCreated`).
    TransactionCreated,
    /// A transaction changed state (`TransactionStateChanged`).
    TransactionStateChanged,
    /// A payout link was created (`PayoutLinkCreated`).
    PayoutLinkCreated,
    /// A payout link changed state (`PayoutLinkStateChanged`).
    PayoutLinkStateChanged,
    /// A type this version of the crate does not know, kept verbatim.
    Unknown(String),
}

impl EventType {
    /// The event types this crate knows, in the API's order.
    ///
    /// A slice, not an array, so that knowing one more type is not a change of type.
    pub const ALL: &'static [EventType] = &[
        EventType::TransactionCreated,
        EventType::TransactionStateChanged,
        EventType::PayoutLinkCreated,
        EventType::PayoutLinkStateChanged,
    ];

    /// The name on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            EventType::TransactionCreated => "TransactionCreated",
            EventType::TransactionStateChanged => "TransactionStateChanged",
            EventType::PayoutLinkCreated => "PayoutLinkCreated",
            EventType::PayoutLinkStateChanged => "PayoutLinkStateChanged",
            EventType::Unknown(name) => name,
        }
    }

    /// Whether this is a type the crate does not know.
    pub fn is_unknown(&self) -> bool {
        matches!(self, EventType::Unknown(_))
    }

    fn from_name(name: &str) -> Option<EventType> {
        Some(match name {
            "TransactionCreated" => EventType::TransactionCreated,
            "TransactionStateChanged" => EventType::TransactionStateChanged,
            "PayoutLinkCreated" => EventType::PayoutLinkCreated,
            "PayoutLinkStateChanged" => EventType::PayoutLinkStateChanged,
            _ => return None,
        })
    }
}

impl From<&str> for EventType {
    fn from(name: &str) -> Self {
        EventType::from_name(name).unwrap_or_else(|| EventType::Unknown(name.to_owned()))
    }
}

impl From<String> for EventType {
    fn from(name: String) -> Self {
        EventType::from_name(&name).unwrap_or(EventType::Unknown(name))
    }
}

impl FromStr for EventType {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(EventType::from(s))
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for EventType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for EventType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = EventType;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an event type name")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<EventType, E> {
                Ok(EventType::from(v))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<EventType, E> {
                Ok(EventType::from(v))
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_names_round_trip() {
        for t in EventType::ALL {
            let json = serde_json::to_string(t).unwrap();
            assert_eq!(json, format!("\"{}\"", t.as_str()));
            let back: EventType = serde_json::from_str(&json).unwrap();
            assert_eq!(&back, t);
            assert!(!back.is_unknown());
        }
    }

    #[test]
    fn all_is_a_slice_of_every_known_type() {
        // A slice, so a fifth known type does not change the constant's type.
        let all: &'static [EventType] = EventType::ALL;
        assert_eq!(all.len(), 4);
        assert!(all.iter().all(|t| !t.is_unknown()));
        assert!(all.iter().all(|t| EventType::from(t.as_str()) == *t));
    }

    #[test]
    fn unknown_names_are_kept() {
        let t: EventType = serde_json::from_str("\"CardCreated\"").unwrap();
        assert_eq!(t, EventType::Unknown("CardCreated".into()));
        assert!(t.is_unknown());
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"CardCreated\"");
        assert_eq!(t.to_string(), "CardCreated");
        // Case matters on the wire: a differently cased name is not the known type.
        assert!(EventType::from("transactioncreated").is_unknown());
        assert_eq!(
            EventType::from(String::from("PayoutLinkCreated")),
            EventType::PayoutLinkCreated
        );
    }

    #[test]
    fn non_string_is_an_error() {
        assert!(serde_json::from_str::<EventType>("3").is_err());
    }
}
