//! Types the API sends and receives.

mod event_type;

pub use event_type::EventType;
