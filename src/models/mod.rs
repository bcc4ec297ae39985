//! Types the API sends and receives.

mod event_type;
mod secret;

pub use event_type::EventType;
pub use secret::SigningSecret;
