//! Webhooks and the requests that create and change them.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{EventType, SigningSecret};
use crate::config::{Scheme, UrlRules, check_url};
use crate::error::ValidationError;

/// A webhook as `list` and `update` return it: no signing secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Webhook {
    /// The webhook's id.
    pub id: Uuid,
    /// Where events are delivered.
    pub url: String,
    /// The event types it is subscribed to.
    #[serde(default)]
    pub events: Vec<EventType>,
}

/// A webhook with its signing secret, as `create`, `get` and
/// `rotate_signing_secret` return it.
///
/// `Debug` hides the secret; read it with `signing_secret.expose_secret()`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WebhookWithSecret {
    /// The webhook's id.
    pub id: Uuid,
    /// Where events are delivered.
    pub url: String,
    /// The event types it is subscribed to.
    #[serde(default)]
    pub events: Vec<EventType>,
    /// The current signing secret (`wsk_…`), the key of the HMAC in `Revolut-Signature`.
    pub signing_secret: SigningSecret,
}

impl WebhookWithSecret {
    /// The webhook without its secret.
    pub fn without_secret(&self) -> Webhook {
        Webhook {
            id: self.id,
            url: self.url.clone(),
            events: self.events.clone(),
        }
    }
}

/// The body of `POST /webhooks`.
///
/// ```
/// use revolut_webhooks::{CreateWebhook, EventType};
///
/// let req = CreateWebhook::new("https://example.com/hooks/revolut")?
///     .events([EventType::TransactionCreated, EventType::PayoutLinkCreated]);
/// assert_eq!(
///     serde_json::to_string(&req)?,
///     r#"{"url":"https://example.com/hooks/revolut","events":["TransactionCreated","PayoutLinkCreated"]}"#
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreateWebhook {
    url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    events: Option<Vec<EventType>>,
}

impl CreateWebhook {
    /// A webhook delivering to `url`, which must be `https`.
    ///
    /// Without [`events`](Self::events), Revolut subscribes it to
    /// `TransactionCreated` and `TransactionStateChanged`.
    pub fn new(url: impl Into<String>) -> Result<Self, ValidationError> {
        let url = url.into();
        validate_webhook_url(&url)?;
        Ok(CreateWebhook { url, events: None })
    }

    /// Subscribes to these event types instead of the default two.
    pub fn events(mut self, events: impl IntoIterator<Item = EventType>) -> Self {
        self.events = Some(events.into_iter().collect());
        self
    }

    /// The delivery URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The chosen event types, if any were chosen.
    pub fn event_types(&self) -> Option<&[EventType]> {
        self.events.as_deref()
    }

    pub(crate) fn validate(&self) -> Result<(), ValidationError> {
        validate_events(self.events.as_deref())
    }
}

/// The body of `PATCH /webhooks/{id}`: what to change. Fields left unset are not changed,
/// and at least one must be set.
///
/// ```
/// use revolut_webhooks::{EventType, UpdateWebhook};
///
/// let change = UpdateWebhook::new().events([EventType::PayoutLinkStateChanged]);
/// assert_eq!(serde_json::to_string(&change)?, r#"{"events":["PayoutLinkStateChanged"]}"#);
/// let moved = UpdateWebhook::new().url("https://example.com/v2")?;
/// assert_eq!(serde_json::to_string(&moved)?, r#"{"url":"https://example.com/v2"}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UpdateWebhook {
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    events: Option<Vec<EventType>>,
}

impl UpdateWebhook {
    /// An update that changes nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves delivery to `url`, which must be `https`.
    pub fn url(mut self, url: impl Into<String>) -> Result<Self, ValidationError> {
        let url = url.into();
        validate_webhook_url(&url)?;
        self.url = Some(url);
        Ok(self)
    }

    /// Replaces the subscribed event types.
    pub fn events(mut self, events: impl IntoIterator<Item = EventType>) -> Self {
        self.events = Some(events.into_iter().collect());
        self
    }

    pub(crate) fn validate(&self) -> Result<(), ValidationError> {
        if self.url.is_none() && self.events.is_none() {
            return Err(ValidationError::new(
                "update",
                "set url or events (or both); an empty update changes nothing",
            ));
        }
        validate_events(self.events.as_deref())
    }
}

fn validate_events(events: Option<&[EventType]>) -> Result<(), ValidationError> {
    match events {
        Some([]) => Err(ValidationError::new(
            "events",
            "an empty list subscribes to nothing; leave events unset to keep the current (or default) types",
        )),
        _ => Ok(()),
    }
}

/// A webhook URL: `https://` followed by a host, checked by the crate's one URL rule.
pub(crate) fn validate_webhook_url(url: &str) -> Result<(), ValidationError> {
    if !url.contains("://") {
        return Err(ValidationError::new(
            "url",
            "expected an absolute https URL, such as https://example.com/hook",
        ));
    }
    let checked = check_url(url, "url", UrlRules::Webhook)?;
    if checked.scheme != Scheme::Https {
        return Err(ValidationError::new(
            "url",
            "Revolut delivers webhooks over https only",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_url_rules() {
        for ok in [
            "https://example.com",
            "HTTPS://example.com/x?y=1",
            "https://[::1]:8443/hook",
        ] {
            validate_webhook_url(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
        for bad in [
            "http://example.com",
            "example.com",
            "https://",
            "https:///path",
            "https://exa mple.com",
            "https://example.com/\n",
            "",
        ] {
            let e = validate_webhook_url(bad).unwrap_err();
            assert_eq!(e.field, "url", "{bad}");
        }
    }

    #[test]
    fn create_and_update_validate() {
        assert!(CreateWebhook::new("http://x.com").is_err());
        let c = CreateWebhook::new("https://x.com").unwrap();
        assert_eq!(c.url(), "https://x.com");
        assert_eq!(c.event_types(), None);
        assert!(c.validate().is_ok());
        assert_eq!(
            serde_json::to_string(&c).unwrap(),
            r#"{"url":"https://x.com"}"#
        );
        let empty = c.clone().events([]);
        assert_eq!(empty.validate().unwrap_err().field, "events");
        let some = c.events([EventType::TransactionCreated]);
        assert_eq!(
            some.event_types(),
            Some(&[EventType::TransactionCreated][..])
        );

        assert_eq!(UpdateWebhook::new().validate().unwrap_err().field, "update");
        assert!(UpdateWebhook::new().url("ftp://x").is_err());
        assert!(
            UpdateWebhook::new()
                .url("https://x")
                .unwrap()
                .validate()
                .is_ok()
        );
        assert!(
            UpdateWebhook::new()
                .events([EventType::PayoutLinkCreated])
                .validate()
                .is_ok()
        );
        assert_eq!(
            UpdateWebhook::new()
                .events([])
                .validate()
                .unwrap_err()
                .field,
            "events"
        );
        let both = UpdateWebhook::new()
            .url("https://www.example.com/")
            .unwrap()
            .events([EventType::TransactionCreated, EventType::PayoutLinkCreated]);
        assert_eq!(
            serde_json::to_string(&both).unwrap(),
            r#"{"url":"https://www.example.com/","events":["TransactionCreated","PayoutLinkCreated"]}"#
        );
    }

    #[test]
    fn webhook_with_secret_hides_secret_and_strips() {
        let w: WebhookWithSecret = serde_json::from_str(
            r#"{"id":"c6db947e-e9ce-41c2-b445-02e6eb741d21","url":"https://www.example.com",
                "events":["TransactionCreated","Brand new"],"signing_secret":"wsk_4jETWMz1g1b37gCONjNp84t2KSSIT7dK","extra":1}"#,
        )
        .unwrap();
        assert!(!format!("{w:?}").contains("4jETW"));
        assert_eq!(w.events[1], EventType::Unknown("Brand new".into()));
        let plain = w.without_secret();
        assert_eq!(plain.id, w.id);
        assert_eq!(plain.events, w.events);
        assert_eq!(plain.url, w.url);
    }
}
