//! Revolut Business webhooks: manage them, receive them, and recover what failed.
//!
//! - **Manage**: the seven webhooks v2 endpoints (`list`, `get`, `create`, `update`,
//!   `delete`, `rotate_signing_secret`, `failed_events`), plus `failed_events_all`, which
//!   walks every failed event without losing any.
//! - **Both modes, one codebase**: a blocking client on ureq ([`blocking::Client`], the
//!   default) and an async client on reqwest ([`nonblocking::Client`], feature `async`),
//!   compiled from the same source. The features are additive: enable both and you get both.
//! - **Receive**: [`Verifier`](signature::Verifier) checks `Revolut-Signature` over the raw body (several
//!   secrets during a rotation, constant-time, a tolerance on the millisecond timestamp)
//!   and [`WebhookEvent`](events::WebhookEvent) types the event by its name. No HTTP feature needed.
//! - **Authenticate**: a `TokenProvider` seam per mode, [`StaticToken`](auth::StaticToken), and a
//!   `RefreshingTokenProvider` that refreshes 40-minute tokens ahead of expiry with a
//!   signed client assertion, once however many callers wait ([`auth`]).
//! - **Recover**: retries that respect `Retry-After` and never repeat a create
//!   ([`RetryPolicy`]), a client-side [`RateLimiter`], and lossless pagination of failed
//!   events whose payloads parse into the same [`WebhookEvent`](events::WebhookEvent) ([`FailedEvent::event`]).
//! - **Test**: a local emulator of the API and its deliveries (feature `emulator`).
//! - **Typed and safe**: models with typed ids ([`WebhookId`], [`FailedEventId`]) and `OffsetDateTime` times, forward-compatible
//!   enums ([`EventType::Unknown`]), typed errors that carry the status, Revolut's code and
//!   message and `Retry-After` ([`ApiError`]), validation before sending, and secrets that
//!   never print.
//!
//! # Features
//!
//! | feature | adds | default |
//! |---|---|---|
//! | `blocking` | [`blocking::Client`] on ureq (rustls); no async runtime | yes |
//! | `async` | [`nonblocking::Client`] on reqwest (rustls); `Send` futures, needs tokio | no |
//! | `http` | `Verifier::verify_headers` from an `http::HeaderMap` (axum, hyper) | no |
//! | `axum` | [`axum::VerifiedEvent`]: an extractor that verifies and parses a delivery (enables `http`) | no |
//! | `jwt` | RS256 client assertions from a PEM key (jsonwebtoken on aws-lc-rs) | no |
//! | `cli` | the `revolut-webhooks` command-line tool (enables `blocking`; add `jwt` for PEM keys, `emulator` for its `emulator` command) | no |
//! | `sqlite` | [`inbox`]: a durable inbox of deliveries on one SQLite file (bundled), processed once each; async, on tokio and sqlx | no |
//! | `postgres` | [`inbox`] on PostgreSQL, for receivers on several machines (sqlx, rustls) | no |
//! | `tracing` | spans per API call, token refresh and failed-events page, an event per verification outcome; never a header value, body, token or secret | no |
//! | `emulator` | `emulator::Emulator`: a local emulator of the webhooks API, the token endpoint and deliveries (enables `blocking`) | no |
//! | (none) | models, errors, [`Verifier`](signature::Verifier), [`signature::sign_delivery`], typed events, the sans-IO [`request`] builders and parsers | |
//!
//! # Receiving
//!
//! ```
//! use revolut_webhooks::signature::sign_delivery;
//! use revolut_webhooks::events::EventData;
//! use revolut_webhooks::SigningSecret;
//! use revolut_webhooks::signature::Verifier;
//!
//! let secret = SigningSecret::from("wsk_r59a4HfWVAKycbCaNO1RvgCJec02gRd8");
//! let verifier = Verifier::new(secret.clone())?;
//! // What Revolut sends: the raw body and two headers.
//! let body = br#"{"data":{"id":"645a7696-22f3-aa47-9c74-cbae0449cc46","new_state":"completed","old_state":"pending","request_id":"app_charges-1"},"event":"TransactionStateChanged","timestamp":"2023-05-09T16:36:38.028960Z"}"#;
//! let now_ms = revolut_webhooks::signature::timestamp_ms(time::OffsetDateTime::now_utc());
//! let (timestamp, signature) = (now_ms.to_string(), sign_delivery(&secret, now_ms, body));
//!
//! let event = verifier.verify(body, &timestamp, &signature)?.event()?;
//! assert!(matches!(event.data, EventData::TransactionStateChanged(_)));
//! // A tampered body never verifies.
//! assert!(verifier.verify(b"{}", &timestamp, &signature).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Which client?
//!
//! A script, a command-line tool or a batch job: `blocking`. An async server (axum,
//! actix) or a job that makes many calls at once: `async`. A program that only
//! receives webhooks needs neither.
//!
//! ```no_run
//! # #[cfg(feature = "blocking")] {
//! use revolut_webhooks::blocking::Client;
//! use revolut_webhooks::{CreateWebhook, Environment, EventType};
//! use revolut_webhooks::auth::StaticToken;
//!
//! let client = Client::builder()
//!     .environment(Environment::Sandbox)
//!     .token_provider(StaticToken::new(std::env::var("REVOLUT_ACCESS_TOKEN")?))
//!     .build()?;
//! let created = client.webhooks().create(
//!     &CreateWebhook::new("https://example.com/hooks/revolut")?
//!         .with_events([EventType::TransactionCreated, EventType::TransactionStateChanged])?,
//! )?;
//! // The secret receivers verify signatures with; `Debug` never shows it.
//! let secret = created.signing_secret.expose_secret();
//! # let _ = secret; }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Pagination
//!
//! The API pages failed events newest first with a `created_before` cursor, filtering
//! `created_at < created_before` strictly. Passing the last event's `created_at` as the
//! next bound, as the API suggests, skips events that share that timestamp but did not
//! fit on the page. `failed_events_all` instead asks for events before *the last
//! timestamp plus one microsecond* (Revolut's precision) and drops the ids it has already
//! yielded, so every event comes out exactly once, and it holds only one page in memory.
//!
//! If a whole page shares one timestamp, time cannot move the cursor: it asks again
//! with the largest page the API allows (1000), which reaches past the tie. If even
//! 1000 events share one timestamp, it yields a
//! [`WalkError::TiedEventsOverflow`](pagination::WalkError::TiedEventsOverflow) (naming the
//! timestamp; the API offers no way to page within one instant) and then continues with
//! older events. A failed request is a [`WalkError::Request`](pagination::WalkError::Request),
//! after which the walk ends: the item type makes you decide what each means for your
//! job. It never loops and never drops an event silently. The cursor itself is sans-IO
//! and public: [`pagination::FailedEventsCursor`].
//!
//! # Errors
//!
//! Every call returns [`Error`]: [`Error::Api`] for an error status (with
//! [`ApiError::is_not_found`], [`ApiError::is_rate_limited`], `retry_after`, …),
//! [`Error::Transport`] when no response arrived (connection, timeout, body too large),
//! [`Error::Decode`] for a success body that is not what the API documents, and
//! [`Error::Validation`] for input refused before any request. They are the same types
//! in both modes, and none of them ever holds a token or a signing secret.
//!
//! # Stability
//!
//! Semver covers everything public except the emulator, the sans-IO modules included:
//! [`request`] (each endpoint as a request and a parser, with whether it may be
//! repeated), [`RetryPolicy::decide`] with its [`Failure`] and [`RetryDecision`], and
//! [`pagination`] (the failed-events cursor). They are public so you
//! can drive the API with an HTTP library of your own and make the same decisions the
//! clients make, and they change only as the rest of the API does: a breaking change
//! waits for a new major (or, before 1.0, minor) version and is listed in the changelog.
//! What may grow in a compatible release is marked: `#[non_exhaustive]` enums gain
//! variants and `#[non_exhaustive]` structs gain fields, so match them with `_` and
//! build them with their constructors. The exact text of error messages and `Debug`
//! output is not covered; match on kinds, codes and fields instead.
//!
//! The emulator (feature `emulator`) is versioned with the minor version instead: it
//! follows Revolut's API and may change in any minor release, as the changelog says.
//!
//! # Types from other crates
//!
//! Ids wrap [`uuid::Uuid`] (uuid 1; `WebhookId::as_uuid`), times [`time::OffsetDateTime`] (time 0.3), raw
//! payloads and unknown fields [`serde_json`] 1 values, and `Verifier::verify_headers`
//! (feature `http`) takes an `http` 1 `HeaderMap`. This crate re-exports those four,
//! so a program names the very versions it was built with, without a dependency of its
//! own (or with one of a compatible version):
//!
//! ```
//! use revolut_webhooks::time::OffsetDateTime;
//! use revolut_webhooks::uuid::Uuid;
//!
//! let id: Uuid = "645a7696-22f3-aa47-9c74-cbae0449cc46".parse()?;
//! let since = OffsetDateTime::now_utc() - revolut_webhooks::time::Duration::days(1);
//! # let _ = (id, since);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Two more appear in impls only: models and events implement serde 1's `Serialize` and
//! `Deserialize`, and `nonblocking::FailedEvents` (feature `async`) implements
//! futures-core 0.3's `Stream`, which `futures-util` 0.3's `StreamExt` and
//! `TryStreamExt` drive.
//!
//! # Security
//!
//! - A bearer token only travels over https, or plain http to a loopback address
//!   (an emulator or mock server): [`Environment::custom`] refuses anything else.
//! - The clients follow no redirects, so a token is never sent to another host.
//! - Access tokens and signing secrets have redacting `Debug` implementations.
//! - Error texts built from a server's answer are scrubbed: the token just sent, the
//!   refresh token and assertion a token request carried (raw or form-encoded), and
//!   anything shaped like `Bearer <…>`, `wsk_…`, `oa_prod_…`/`oa_sand_…` or a JWT
//!   become `<redacted>`, so a server or proxy that echoes the request cannot put a
//!   secret in an error, a log or the CLI's stderr. A [`DecodeError`] keeps serde's
//!   kind of error, expectation, line and column, never the value it quoted.
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod auth;
pub mod checkpoint;
mod clock;
mod config;
// Hex, base64url and percent-encoding, for every module that needs one.
mod encoding;
mod error;
pub mod events;
mod http_types;
mod models;
pub mod pagination;
mod rate_limit;
pub mod request;
mod retry;
// The store a fleet shares; its engines need a client feature, its error type does not.
pub mod shared_state;
pub mod signature;
// Spans and events with the `tracing` feature; nothing without it.
mod trace;

// One home per public type: the small modules' types live at the root; the modules
// that group many things (auth, events, signature, request, pagination, checkpoint,
// and the clients) are their items' only home.
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{BaseUrl, ENVIRONMENT_VAR, Environment, Proxy};
pub use error::{
    ApiError, DecodeError, Error, Result, TransportError, TransportErrorKind, ValidationError,
    codes,
};
pub use error::{AuthError, AuthErrorKind};
pub use models::{
    CreateWebhook, CreatedBefore, EventType, FAILED_EVENTS_WINDOW, FailedEvent, FailedEventId,
    FailedEventsQuery, MAX_PAGE_SIZE, SecretExpiration, SigningSecret, UpdateWebhook, Webhook,
    WebhookId, WebhookWithSecret,
};
pub use rate_limit::{RateLimitPermit, RateLimiter};
pub use retry::{Failure, RetryDecision, RetryPolicy, parse_retry_after};

#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub mod axum;

// The crates whose types appear in this crate's signatures, so that users name the
// same versions (`revolut_webhooks::uuid::Uuid`) without adding them to Cargo.toml.
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub use http;
pub use serde_json;
pub use time;
pub use uuid;

#[cfg(feature = "blocking")]
#[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
pub mod blocking;
#[cfg(feature = "emulator")]
#[cfg_attr(docsrs, doc(cfg(feature = "emulator")))]
pub mod emulator;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "sqlite", feature = "postgres"))))]
pub mod inbox;
#[cfg(feature = "async")]
#[cfg_attr(docsrs, doc(cfg(feature = "async")))]
pub mod nonblocking;

/// Compile-time guards of the public API's promises; each block must fail to compile.
///
/// A setter that returns a changed copy does nothing if its result is dropped, so
/// each one is `#[must_use]`:
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// revolut_webhooks::RetryPolicy::default().with_max_retries(5);
/// ```
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let verifier = revolut_webhooks::signature::Verifier::new("wsk_x").unwrap();
/// verifier.with_tolerance(std::time::Duration::from_secs(1));
/// ```
/// ```compile_fail
/// #![deny(unused_must_use)]
/// use revolut_webhooks::{CreateWebhook, EventType};
/// let create = CreateWebhook::new("https://example.com/hook").unwrap();
/// create.with_events([EventType::TransactionCreated]);
/// ```
/// ```compile_fail
/// #![deny(unused_must_use)]
/// use revolut_webhooks::{EventType, UpdateWebhook};
/// let update = UpdateWebhook::from_events([EventType::TransactionCreated]).unwrap();
/// update.and_url("https://example.com/v2");
/// ```
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let bound = time::OffsetDateTime::UNIX_EPOCH;
/// revolut_webhooks::FailedEventsQuery::new().with_created_before(bound);
/// ```
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let assertion = revolut_webhooks::auth::ClientAssertion::presigned("a.b.c");
/// assertion.with_lifetime(std::time::Duration::from_secs(60));
/// ```
/// ```compile_fail
/// #![deny(unused_must_use)]
/// use revolut_webhooks::auth::ConsentUrl;
/// use revolut_webhooks::Environment;
/// ConsentUrl::new(&Environment::Sandbox, "client", "https://example.com").with_scope("READ");
/// ```
///
/// Enums and structs that will grow are `#[non_exhaustive]`, so adding a case or a
/// field later is not a breaking change:
///
/// ```compile_fail,E0004
/// use revolut_webhooks::RetryDecision;
/// fn act(decision: RetryDecision) {
///     match decision {
///         RetryDecision::RetryAfter(_) => {}
///         RetryDecision::GiveUp => {}
///     }
/// }
/// ```
/// ```compile_fail,E0639
/// let body = revolut_webhooks::request::RequestBody {
///     content_type: "application/json",
///     bytes: Vec::new(),
/// };
/// ```
#[cfg(doctest)]
mod api_guards {}

/// The emulator's builder setters are `#[must_use]` too.
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// revolut_webhooks::emulator::Emulator::builder().port(0);
/// ```
#[cfg(all(doctest, feature = "emulator"))]
mod emulator_api_guards {}

// The README's Rust blocks, compiled and run as doctests so they cannot drift from the
// API; `cfg(doctest)` keeps the item out of the library and its docs.
#[cfg(all(
    doctest,
    feature = "blocking",
    feature = "async",
    feature = "jwt",
    feature = "axum",
    feature = "emulator",
    feature = "sqlite"
))]
#[doc = include_str!("../README.md")]
mod readme_doctests {}
