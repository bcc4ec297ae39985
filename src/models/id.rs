//! Ids that cannot be mixed up: a webhook's id and a failed event's id are both
//! UUIDs, but passing one where the other is wanted is a type error.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::ValidationError;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $field:literal) => {
        $(#[$doc])*
        ///
        /// Transparent in JSON (a plain UUID string); `Display` and `FromStr` use the
        /// hyphenated form.
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// The id as a UUID.
            pub const fn as_uuid(&self) -> &Uuid {
                &self.0
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                $name(uuid)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.0.hyphenated())
            }
        }

        impl FromStr for $name {
            type Err = ValidationError;

            fn from_str(s: &str) -> Result<Self, ValidationError> {
                Uuid::try_parse(s).map($name).map_err(|_| {
                    ValidationError::new(
                        $field,
                        "expected a UUID such as 4fa85f64-5717-4562-b3fc-2c963f66afa6",
                    )
                })
            }
        }
    };
}

id_type!(
    /// The id of a webhook, as `list`, `get` and `create` return it.
    ///
    /// A failed event's id is a different type, so it cannot be passed by mistake:
    ///
    /// ```compile_fail
    /// use revolut_webhooks::{FailedEvent, WebhookId};
    ///
    /// fn get(id: WebhookId) {}
    /// fn mix_up(event: &FailedEvent) {
    ///     get(event.id); // a FailedEventId: does not compile
    /// }
    /// ```
    ///
    /// ```
    /// use revolut_webhooks::{FailedEvent, WebhookId};
    ///
    /// fn get(id: WebhookId) {}
    /// fn right(event: &FailedEvent) {
    ///     get(event.webhook_id);
    /// }
    /// ```
    WebhookId,
    "webhook id"
);

id_type!(
    /// The id of a failed event (not of the webhook it was for).
    FailedEventId,
    "failed event id"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_as_a_plain_uuid() {
        let text = "4fa85f64-5717-4562-b3fc-2c963f66afa6";
        let id: WebhookId = text.parse().unwrap();
        assert_eq!(id.to_string(), text);
        assert_eq!(format!("{id:?}"), format!("WebhookId({text})"));
        assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"{text}\""));
        let back: WebhookId = serde_json::from_str(&format!("\"{text}\"")).unwrap();
        assert_eq!(back, id);
        assert_eq!(Uuid::from(id), *id.as_uuid());
        assert_eq!(WebhookId::from(*id.as_uuid()), id);
        // Upper case parses to the same id.
        assert_eq!(
            "4FA85F64-5717-4562-B3FC-2C963F66AFA6"
                .parse::<WebhookId>()
                .unwrap(),
            id
        );
        let event: FailedEventId = text.parse().unwrap();
        assert_eq!(format!("{event:?}"), format!("FailedEventId({text})"));
    }

    #[test]
    fn refuses_what_is_not_a_uuid() {
        for bad in [
            "",
            "not-a-uuid",
            "4fa85f64",
            " 4fa85f64-5717-4562-b3fc-2c963f66afa6",
        ] {
            let e = bad.parse::<WebhookId>().unwrap_err();
            assert_eq!(e.field, "webhook id", "{bad:?}");
            assert!(e.reason.contains("expected a UUID"), "{bad:?}");
            assert_eq!(
                bad.parse::<FailedEventId>().unwrap_err().field,
                "failed event id"
            );
        }
        assert!(serde_json::from_str::<WebhookId>("\"nope\"").is_err());
    }
}
