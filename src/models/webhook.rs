//! Webhooks and the requests that create and change them.

use super::{EventType, SigningSecret, WebhookId};
use crate::config::{Scheme, UrlRules, check_url};
use crate::error::ValidationError;
use serde::{Deserialize, Serialize};

/// A webhook as `list` and `update` return it: no signing secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Webhook {
    /// The webhook's id.
    pub id: WebhookId,
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
    pub id: WebhookId,
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
/// Valid once built: the URL is checked by [`new`](Self::new) and the event list by
/// [`with_events`](Self::with_events).
///
/// ```
/// use revolut_webhooks::{CreateWebhook, EventType};
///
/// let req = CreateWebhook::new("https://example.com/hooks/revolut")?
///     .with_events([EventType::TransactionCreated, EventType::PayoutLinkCreated])?;
/// assert_eq!(
///     serde_json::to_string(&req)?,
///     r#"{"url":"https://example.com/hooks/revolut","events":["TransactionCreated","PayoutLinkCreated"]}"#
/// );
/// assert_eq!(req.events(), Some(&[EventType::TransactionCreated, EventType::PayoutLinkCreated][..]));
/// // An empty list would subscribe to nothing: refused where it is set.
/// assert!(CreateWebhook::new("https://example.com/hooks/revolut")?.with_events([]).is_err());
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
    /// Without [`with_events`](Self::with_events), Revolut subscribes it to
    /// `TransactionCreated` and `TransactionStateChanged`.
    pub fn new(url: impl Into<String>) -> Result<Self, ValidationError> {
        let url = url.into();
        validate_webhook_url(&url)?;
        Ok(CreateWebhook { url, events: None })
    }

    /// Subscribes to these event types instead of the default two. The list must
    /// not be empty.
    pub fn with_events(
        mut self,
        events: impl IntoIterator<Item = EventType>,
    ) -> Result<Self, ValidationError> {
        self.events = Some(event_list(events)?);
        Ok(self)
    }

    /// The delivery URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The chosen event types, or `None` for Revolut's default two.
    pub fn events(&self) -> Option<&[EventType]> {
        self.events.as_deref()
    }
}

/// The body of `PATCH /webhooks/{id}`: what to change. It always changes something:
/// start from the URL or the events, and add the other if both change.
///
/// ```
/// use revolut_webhooks::{EventType, UpdateWebhook};
///
/// let change = UpdateWebhook::from_events([EventType::PayoutLinkStateChanged])?;
/// assert_eq!(serde_json::to_string(&change)?, r#"{"events":["PayoutLinkStateChanged"]}"#);
/// let moved = UpdateWebhook::from_url("https://example.com/v2")?;
/// assert_eq!(serde_json::to_string(&moved)?, r#"{"url":"https://example.com/v2"}"#);
/// let both = moved.and_events([EventType::TransactionCreated])?;
/// assert_eq!((both.url(), both.events().map(<[_]>::len)), (Some("https://example.com/v2"), Some(1)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UpdateWebhook {
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    events: Option<Vec<EventType>>,
}

impl UpdateWebhook {
    /// Moves delivery to `url`, which must be `https`.
    pub fn from_url(url: impl Into<String>) -> Result<Self, ValidationError> {
        let url = url.into();
        validate_webhook_url(&url)?;
        Ok(UpdateWebhook {
            url: Some(url),
            events: None,
        })
    }

    /// Replaces the subscribed event types; the list must not be empty.
    pub fn from_events(
        events: impl IntoIterator<Item = EventType>,
    ) -> Result<Self, ValidationError> {
        Ok(UpdateWebhook {
            url: None,
            events: Some(event_list(events)?),
        })
    }

    /// Also moves delivery to `url`, which must be `https`.
    pub fn and_url(mut self, url: impl Into<String>) -> Result<Self, ValidationError> {
        let url = url.into();
        validate_webhook_url(&url)?;
        self.url = Some(url);
        Ok(self)
    }

    /// Also replaces the subscribed event types; the list must not be empty.
    pub fn and_events(
        mut self,
        events: impl IntoIterator<Item = EventType>,
    ) -> Result<Self, ValidationError> {
        self.events = Some(event_list(events)?);
        Ok(self)
    }

    /// The new URL, if the update changes it.
    pub fn url(&self) -> Option<&str> {
        self.url.as_deref()
    }

    /// The new event types, if the update changes them.
    pub fn events(&self) -> Option<&[EventType]> {
        self.events.as_deref()
    }
}

fn event_list(
    events: impl IntoIterator<Item = EventType>,
) -> Result<Vec<EventType>, ValidationError> {
    let events: Vec<EventType> = events.into_iter().collect();
    if events.is_empty() {
        return Err(ValidationError::new(
            "events",
            "an empty list subscribes to nothing; leave events unset to keep the current (or default) types",
        ));
    }
    Ok(events)
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
    fn create_and_update_hold_only_valid_states() {
        assert!(CreateWebhook::new("http://x.com").is_err());
        let c = CreateWebhook::new("https://x.com").unwrap();
        assert_eq!(c.url(), "https://x.com");
        assert_eq!(c.events(), None);
        assert_eq!(
            serde_json::to_string(&c).unwrap(),
            r#"{"url":"https://x.com"}"#
        );
        assert_eq!(c.clone().with_events([]).unwrap_err().field, "events");
        let some = c.with_events([EventType::TransactionCreated]).unwrap();
        assert_eq!(some.events(), Some(&[EventType::TransactionCreated][..]));

        assert_eq!(UpdateWebhook::from_url("ftp://x").unwrap_err().field, "url");
        assert_eq!(UpdateWebhook::from_events([]).unwrap_err().field, "events");
        let moved = UpdateWebhook::from_url("https://x").unwrap();
        assert_eq!((moved.url(), moved.events()), (Some("https://x"), None));
        assert_eq!(moved.clone().and_events([]).unwrap_err().field, "events");
        assert_eq!(moved.and_url("http://x").unwrap_err().field, "url");
        let events = UpdateWebhook::from_events([EventType::PayoutLinkCreated]).unwrap();
        assert_eq!(events.url(), None);
        assert_eq!(events.events(), Some(&[EventType::PayoutLinkCreated][..]));
        let both = UpdateWebhook::from_url("https://www.example.com/")
            .unwrap()
            .and_events([EventType::TransactionCreated, EventType::PayoutLinkCreated])
            .unwrap();
        assert_eq!(
            serde_json::to_string(&both).unwrap(),
            r#"{"url":"https://www.example.com/","events":["TransactionCreated","PayoutLinkCreated"]}"#
        );
        let same = UpdateWebhook::from_events([
            EventType::TransactionCreated,
            EventType::PayoutLinkCreated,
        ])
        .unwrap()
        .and_url("https://www.example.com/")
        .unwrap();
        assert_eq!(same, both);
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
