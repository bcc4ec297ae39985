//! Revolut Business webhooks: manage, receive, verify and replay them.
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod clock;
pub mod models;

pub use clock::{Clock, ManualClock, SystemClock};
pub use models::{EventType, SigningSecret};
