//! Types the API sends and receives.

mod expiration;
mod failed_event;
mod id;
mod secret;
mod webhook;

// Defined with the event table it is generated from; its home stays the crate root.
pub use crate::events::event_type::EventType;
pub use expiration::SecretExpiration;
pub use failed_event::{
    CreatedBefore, FAILED_EVENTS_WINDOW, FailedEvent, FailedEventsQuery, MAX_PAGE_SIZE,
};
pub use id::{FailedEventId, WebhookId};
pub use secret::SigningSecret;
pub use webhook::{CreateWebhook, UpdateWebhook, Webhook, WebhookWithSecret};
