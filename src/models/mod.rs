//! Types the API sends and receives.

mod event_type;
mod expiration;
mod failed_event;
mod id;
mod secret;
mod webhook;

pub use event_type::EventType;
pub use expiration::SecretExpiration;
pub use failed_event::{
    CreatedBefore, FAILED_EVENTS_WINDOW, FailedEvent, FailedEventsQuery, MAX_PAGE_SIZE,
};
pub use id::{FailedEventId, WebhookId};
pub use secret::SigningSecret;
pub use webhook::{CreateWebhook, UpdateWebhook, Webhook, WebhookWithSecret};
