//! A local emulator of the Revolut Business webhooks API, for examples and tests
//! that need no Revolut account.
//!
//! [`Emulator`] serves, on `127.0.0.1`, the seven webhook endpoints of `api/2.0` and
//! the token endpoint of `api/1.0`, stateful and strict: the same status codes,
//! error codes and messages as Revolut documents them. It also delivers events:
//! [`Emulator::emit`] POSTs a realistic, signed event to every webhook subscribed to
//! its type, retries a failed delivery three more times, and lists what still failed
//! under `failed-events`. Its clock can be a [`ManualClock`](crate::ManualClock), so
//! token expiry, secret expiry and the 21-day window are testable without waiting.
//!
//! ```
//! use std::time::Duration;
//! use revolut_webhooks::blocking::Client;
//! use revolut_webhooks::emulator::{Emulator, Event};
//! use revolut_webhooks::{CreateWebhook, EventType};
//! use revolut_webhooks::auth::StaticToken;
//!
//! let emulator = Emulator::builder()
//!     .retry_interval(Duration::from_millis(10))
//!     .start()?;
//! let client = Client::builder()
//!     .environment(emulator.environment())
//!     .token_provider(StaticToken::new(emulator.access_token().expose_secret()))
//!     .build()?;
//!
//! // Nothing listens on port 1: every delivery to this webhook fails.
//! let hook = client.webhooks().create(
//!     &CreateWebhook::new("https://127.0.0.1:1/hooks/revolut")?
//!         .with_events([EventType::TransactionCreated])?,
//! )?;
//! assert!(hook.signing_secret.expose_secret().starts_with("wsk_"));
//! assert_eq!(client.webhooks().list()?.len(), 1);
//!
//! // The delivery fails four times and is then listed among the failed events.
//! let report = emulator.emit_and_wait(Event::transaction_created());
//! assert_eq!(report.deliveries[0].attempts.len(), 4);
//! let failed = client.webhooks().failed_events(hook.id, &Default::default())?;
//! assert_eq!(failed.len(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # As strict as the service
//!
//! - A refresh revokes the access tokens issued before it, as Revolut's does by
//!   reports of production integrations (the initial token excepted; opt out with
//!   [`keep_tokens_on_refresh`](EmulatorBuilder::keep_tokens_on_refresh)).
//! - The per-business rate limit, 60 requests per 60 s on the emulator's clock: 429
//!   with code 3162 and `Retry-After` ([`rate_limit`](EmulatorBuilder::rate_limit),
//!   [`no_rate_limit`](EmulatorBuilder::no_rate_limit)).
//! - The sandbox simulations of the Business API 1.0: `POST /api/1.0/sandbox/topup`
//!   creates a transaction and delivers `TransactionCreated`;
//!   `POST /api/1.0/sandbox/transactions/{id}/{complete|revert|decline|fail}` moves a
//!   pending one (from a top-up or an emitted `TransactionCreated`) to its final
//!   state and delivers `TransactionStateChanged`; a final state changes no more (409).
//!
//! # An unreliable sender
//!
//! Revolut delivers at least once, in no guaranteed order, and retries an answer
//! that came too late. To test a receiver against that, the builder has switches
//! that pick every Nth delivery (one event to one webhook, numbered from 1 in the
//! order they are queued), so a test knows which event misbehaves:
//! [`duplicate_every`](EmulatorBuilder::duplicate_every) (delivered twice),
//! [`reorder_every`](EmulatorBuilder::reorder_every) (sent after the next one) and
//! [`delivery_timeout`](EmulatorBuilder::delivery_timeout) (a slower answer is a
//! failed attempt, retried though the receiver did its work). The
//! [`retry_interval`](EmulatorBuilder::retry_interval) is Revolut's 10 minutes by
//! default; with a [`ManualClock`](crate::ManualClock) a retry also falls due when
//! the clock is advanced past it.
//!
//! Run it on its own, for receivers written in any language:
//! `cargo run --features emulator --example emulator -- --port 8080`.
//!
//! # Differences from Revolut
//!
//! - The initial [`access_token`](Emulator::access_token) never expires (tokens from
//!   the token endpoint expire after 40 minutes, as Revolut's do). Tokens carry every
//!   scope; scopes and IP allow-lists are not emulated.
//! - The client assertion JWT is required but its signature is not checked.
//! - With [`allow_loopback_http`](EmulatorBuilder::allow_loopback_http), `http://`
//!   webhook URLs to loopback hosts are accepted, and loopback `https://` URLs are
//!   delivered over plain http.
//! - Extra, non-Revolut endpoints under `/_emulator/` drive it over HTTP (see the
//!   `emulator` example).
//! - Its own errors, which Revolut does not document (unknown paths, wrong methods,
//!   malformed HTTP), have the API's `{code, message}` shape with the HTTP status as
//!   the code.

mod api;
mod builder;
mod control;
mod delivery;
mod event;
mod http;
mod random;
mod report;
mod routes;
mod running;
mod state;
mod times;

pub use builder::{
    DEFAULT_DELIVERY_TIMEOUT, DEFAULT_HEAD_TIMEOUT, DEFAULT_RETRY_INTERVAL, EmulatorBuilder,
};
pub use event::Event;
pub use report::{
    Attempt, AttemptLog, AttemptResult, Delivery, DeliveryReport, Outcome, WebhookDelivery,
};
pub use running::Emulator;
pub use state::ACCESS_TOKEN_LIFETIME;
