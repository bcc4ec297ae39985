//! The blocking client, on [ureq](https://docs.rs/ureq): for scripts, command-line
//! tools and batch jobs. No async runtime is involved.
//!
//! ```no_run
//! use revolut_webhooks::blocking::Client;
//! use revolut_webhooks::{CreateWebhook, Environment, EventType, StaticToken};
//!
//! let client = Client::builder()
//!     .environment(Environment::Sandbox)
//!     .token_provider(StaticToken::new(std::env::var("REVOLUT_ACCESS_TOKEN")?))
//!     .build()?;
//! let hooks = client.webhooks();
//! let created = hooks.create(
//!     &CreateWebhook::new("https://example.com/hooks/revolut")?.events([EventType::TransactionCreated]),
//! )?;
//! for hook in hooks.list()? {
//!     println!("{} -> {}", hook.id, hook.url);
//! }
//! hooks.delete(created.id)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use uuid::Uuid;

pub(crate) use maybe_async::must_be_sync as maybe_io;

use crate::error::Result;
use crate::models::{FailedEvent, FailedEventsQuery};

// The same shell is compiled once per mode, on purpose: see the design notes in `client_shared.rs`.
#[allow(clippy::duplicate_mod)]
#[path = "client_shared.rs"]
mod shared;

pub use shared::{Client, ClientBuilder, TokenProvider, Webhooks};

impl Webhooks<'_> {
    /// Every failed event of the webhook, newest first, page after page, each
    /// exactly once (see [the crate docs](crate#pagination) on ties).
    ///
    /// Holds one page in memory at a time. After a request fails, the iterator
    /// yields that error and then ends; after [`Error::TiedEventsOverflow`](crate::Error::TiedEventsOverflow)
    /// it goes on with older events.
    ///
    /// ```no_run
    /// # fn run(client: revolut_webhooks::blocking::Client, id: uuid::Uuid) -> revolut_webhooks::Result<()> {
    /// use revolut_webhooks::FailedEventsQuery;
    ///
    /// for event in client.webhooks().failed_events_all(id, &FailedEventsQuery::new().limit(1000)?)? {
    ///     let event = event?;
    ///     println!("{} {}", event.created_at, event.payload_json());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn failed_events_all(&self, id: Uuid, query: &FailedEventsQuery) -> Result<FailedEvents> {
        Ok(FailedEvents {
            walk: self.walk(id, query)?,
        })
    }
}

/// The iterator of [`Webhooks::failed_events_all`].
pub struct FailedEvents {
    walk: shared::Walk,
}

impl std::fmt::Debug for FailedEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FailedEvents").finish_non_exhaustive()
    }
}

impl Iterator for FailedEvents {
    type Item = Result<FailedEvent>;

    fn next(&mut self) -> Option<Self::Item> {
        self.walk.next()
    }
}

impl std::iter::FusedIterator for FailedEvents {}

mod transport {
    use super::*;
    use crate::auth::AccessToken;
    use crate::config::{Environment, HttpConfig};
    use crate::error::{Error, TransportError, TransportErrorKind};
    use crate::request::{HttpRequest, HttpResponse, Method};

    pub(super) fn sleep(wait: std::time::Duration) {
        std::thread::sleep(wait);
    }

    pub(super) struct Transport {
        agent: ureq::Agent,
        max_response_bytes: u64,
    }

    impl Transport {
        pub(super) fn new(config: &HttpConfig) -> Result<Self, Error> {
            let agent = ureq::Agent::config_builder()
                // Error statuses must come back as responses: their bodies carry
                // Revolut's code and message, their headers Retry-After.
                .http_status_as_error(false)
                // The API does not redirect; a redirect must not carry the token elsewhere.
                .max_redirects(0)
                .max_redirects_will_error(false)
                .timeout_connect(Some(config.connect_timeout))
                .timeout_global(Some(config.timeout))
                .user_agent(config.user_agent.as_str())
                .build()
                .into();
            Ok(Transport {
                agent,
                max_response_bytes: config.max_response_bytes,
            })
        }

        pub(super) fn send(
            &self,
            request: &HttpRequest,
            environment: &Environment,
            token: Option<&AccessToken>,
        ) -> Result<HttpResponse, TransportError> {
            let url = request.url(environment);
            let auth = token.map(|t| format!("Bearer {}", t.expose_secret()));
            let fail = |e: ureq::Error| transport_error(e, request);
            let body = request.body.as_ref();
            let result = match request.method {
                Method::Get | Method::Delete => {
                    let builder = if request.method == Method::Get {
                        self.agent.get(&url)
                    } else {
                        self.agent.delete(&url)
                    };
                    let builder = match &auth {
                        Some(auth) => builder.header("authorization", auth),
                        None => builder,
                    };
                    builder.header("accept", "application/json").call()
                }
                Method::Post | Method::Patch => {
                    let builder = if request.method == Method::Post {
                        self.agent.post(&url)
                    } else {
                        self.agent.patch(&url)
                    };
                    let (content_type, bytes) = body
                        .map(|b| (b.content_type, b.bytes.as_slice()))
                        .unwrap_or(("application/json", &[]));
                    let builder = match &auth {
                        Some(auth) => builder.header("authorization", auth),
                        None => builder,
                    };
                    builder
                        .header("accept", "application/json")
                        .header("content-type", content_type)
                        .send(bytes)
                }
            };
            let mut response = result.map_err(fail)?;
            let status = response.status().as_u16();
            let retry_after = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let body = response
                .body_mut()
                .with_config()
                .limit(self.max_response_bytes)
                .read_to_vec()
                .map_err(fail)?;
            Ok(HttpResponse {
                status,
                retry_after,
                body,
            })
        }
    }

    fn transport_error(error: ureq::Error, request: &HttpRequest) -> TransportError {
        let kind = match &error {
            ureq::Error::Timeout(_) => TransportErrorKind::Timeout,
            ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => {
                TransportErrorKind::Connect
            }
            ureq::Error::Io(io) => match io.kind() {
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => {
                    TransportErrorKind::Timeout
                }
                std::io::ErrorKind::ConnectionRefused => TransportErrorKind::Connect,
                _ => TransportErrorKind::Io,
            },
            ureq::Error::BodyExceedsLimit(_) => TransportErrorKind::BodyTooLarge,
            ureq::Error::Tls(_) | ureq::Error::Rustls(_) => TransportErrorKind::Tls,
            ureq::Error::Protocol(_) | ureq::Error::BodyStalled => TransportErrorKind::Io,
            _ => TransportErrorKind::Other,
        };
        let message = match &error {
            ureq::Error::BodyExceedsLimit(limit) => {
                format!("the response body is larger than the limit of {limit} bytes")
            }
            other => other.to_string(),
        };
        TransportError::new(
            kind,
            request.method.as_str(),
            &request.path,
            message,
            Some(Box::new(error)),
        )
    }
}
