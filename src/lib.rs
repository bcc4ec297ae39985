//! Revolut Business webhooks: manage, receive, verify and replay them.
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod auth;
pub mod clock;
pub mod config;
pub mod error;
pub mod models;
pub mod pagination;
pub mod request;

pub use auth::{AccessToken, StaticToken};
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::Environment;
pub use error::{
    ApiError, AuthError, DecodeError, Error, Result, TransportError, TransportErrorKind,
    ValidationError,
};
pub use models::{
    CreateWebhook, CreatedBefore, EventType, FailedEvent, FailedEventsQuery, SecretExpiration,
    SigningSecret, UpdateWebhook, Webhook, WebhookWithSecret,
};

#[cfg(feature = "blocking")]
#[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
pub mod blocking;
#[cfg(feature = "emulator")]
#[cfg_attr(docsrs, doc(cfg(feature = "emulator")))]
pub mod emulator;
#[cfg(feature = "async")]
#[cfg_attr(docsrs, doc(cfg(feature = "async")))]
pub mod nonblocking;
