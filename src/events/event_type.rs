//! [`EventType`], the kinds of event a webhook can subscribe to, generated from the
//! event table in [`events`](super).

use super::open_enum::open_enum;
use super::table::event_table;

/// Turns the event table into [`EventType`] and its [`ALL`](EventType::ALL).
macro_rules! event_type {
    ($(
        $(#[$doc:meta])*
        $variant:ident = $wire:literal => { $(#[$data_doc:meta])* $data:ty }
    )+) => {
        open_enum! {
            #[open_enum(kind = "type", wire = "name", expecting = "an event type name")]
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
            pub enum EventType {
                $( $(#[$doc])* $variant = $wire, )+
            }
        }

        impl EventType {
            /// The event types this crate knows, in the API's order.
            ///
            /// A slice, not an array, so that knowing one more type is not a change of type.
            pub const ALL: &'static [EventType] = &[$( EventType::$variant, )+];
        }
    };
}

event_table!(event_type);

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
        // Every type the API documents, each once; a new table row adds to these
        // without editing this test.
        for documented in [
            EventType::TransactionCreated,
            EventType::TransactionStateChanged,
            EventType::PayoutLinkCreated,
            EventType::PayoutLinkStateChanged,
        ] {
            assert_eq!(
                all.iter().filter(|t| **t == documented).count(),
                1,
                "{documented}"
            );
        }
        let mut names: Vec<&str> = all.iter().map(EventType::as_str).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), all.len(), "a name twice in ALL");
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

    #[test]
    fn non_string_error_names_what_was_expected() {
        let error = serde_json::from_str::<EventType>("3").unwrap_err();
        assert!(
            error.to_string().contains("expected an event type name"),
            "{error}"
        );
    }
}
