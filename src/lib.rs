//! Revolut Business webhooks: manage, receive, verify and replay them.
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod clock;
pub mod events;
pub mod models;
pub mod signature;

pub use clock::{Clock, ManualClock, SystemClock};
pub use events::{EventData, EventParseError, WebhookEvent};
pub use models::{EventType, SigningSecret};
pub use signature::{
    InvalidSecret, SIGNATURE_HEADER, TIMESTAMP_HEADER, Verifier, VerifyError, sign, sign_all,
};
