//! The blocking client, on [ureq](https://docs.rs/ureq): for scripts, command-line
//! tools and batch jobs. No async runtime is involved.
//!
//! ```no_run
//! use revolut_webhooks::blocking::Client;
//! use revolut_webhooks::{CreateWebhook, Environment, EventType};
//! use revolut_webhooks::auth::StaticToken;
//!
//! let client = Client::builder()
//!     .environment(Environment::Sandbox)
//!     .token_provider(StaticToken::new(std::env::var("REVOLUT_ACCESS_TOKEN")?))
//!     .build()?;
//! let hooks = client.webhooks();
//! let created = hooks.create(
//!     &CreateWebhook::new("https://example.com/hooks/revolut")?.with_events([EventType::TransactionCreated])?,
//! )?;
//! for hook in hooks.list()? {
//!     println!("{} -> {}", hook.id, hook.url);
//! }
//! hooks.delete(created.id)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub(crate) use maybe_async::must_be_sync as maybe_io;

use crate::error::Result;
use crate::models::{FailedEvent, FailedEventsQuery, WebhookId};
use crate::pagination::WalkError;

/// Runs `$body` inside the tracing span `$span`: blocking, it enters the span around the call.
macro_rules! within {
    ($span:expr, $body:expr) => {
        $span.in_scope(|| $body)
    };
}

// The same shell is compiled once per mode, on purpose: see the design notes in `client_shared.rs`.
#[allow(clippy::duplicate_mod)]
#[path = "client_shared.rs"]
mod shared;

pub use shared::{Client, ClientBuilder, TokenProvider, Webhooks};

// The refreshing token provider, compiled once per mode like the client.
#[allow(clippy::duplicate_mod)]
#[path = "refreshing_shared.rs"]
mod refreshing;

pub use refreshing::{
    RefreshingTokenProvider, RefreshingTokenProviderBuilder, exchange_authorization_code,
};

mod flight {
    use std::sync::{Mutex, MutexGuard, PoisonError};

    use super::refreshing::RefreshingTokenProvider;
    use crate::auth::TokenSet;
    use crate::error::{AuthError, Error};

    /// Blocking calls need no runtime.
    pub(super) fn runtime() -> Result<(), Error> {
        Ok(())
    }

    /// Runs the locked part of a refresh on the caller's thread: a blocking call
    /// cannot be abandoned half-way.
    pub(super) fn detached(
        provider: &RefreshingTokenProvider,
        seen: Option<u64>,
    ) -> Result<TokenSet, AuthError> {
        provider.refresh_in_flight(seen)
    }

    /// User code (the assertion signer, `on_refresh`), run in place.
    pub(super) fn off_runtime<T>(f: impl FnOnce() -> T) -> Option<T> {
        Some(f())
    }

    /// Held across a token refresh, so one caller refreshes and the others wait.
    pub(super) struct FlightLock(Mutex<()>);

    impl FlightLock {
        pub(super) fn new() -> Self {
            FlightLock(Mutex::new(()))
        }

        pub(super) fn lock(&self) -> MutexGuard<'_, ()> {
            // It guards no data: a panic while it was held leaves nothing half-done.
            self.0.lock().unwrap_or_else(PoisonError::into_inner)
        }
    }
}

impl Webhooks<'_> {
    /// Every failed event of the webhook, newest first, page after page, each
    /// exactly once (see [the crate docs](crate#pagination) on ties).
    ///
    /// Holds one page in memory at a time. Each item is an event or a
    /// [`WalkError`]: after a failed request ([`WalkError::Request`]) the iterator
    /// ends; after a [`WalkError::TiedEventsOverflow`] (more than 1000 events at one
    /// instant, which the API cannot page through) it goes on with older events.
    ///
    /// ```no_run
    /// # fn run(client: revolut_webhooks::blocking::Client, id: revolut_webhooks::WebhookId) -> revolut_webhooks::Result<()> {
    /// use revolut_webhooks::FailedEventsQuery;
    /// use revolut_webhooks::pagination::WalkError;
    ///
    /// for item in client.webhooks().failed_events_all(id, &FailedEventsQuery::new().with_limit(1000)?)? {
    ///     match item {
    ///         Ok(event) => println!("{} {}", event.created_at, event.payload_json()),
    ///         // Some events at one instant may be missing: say so, and go on.
    ///         Err(WalkError::TiedEventsOverflow(overflow)) => eprintln!("warning: {overflow}"),
    ///         Err(WalkError::Request(error)) => return Err(error),
    ///         Err(other) => eprintln!("{other}"),
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn failed_events_all(
        &self,
        id: WebhookId,
        query: &FailedEventsQuery,
    ) -> Result<FailedEvents> {
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
    type Item = Result<FailedEvent, WalkError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.walk.next()
    }
}

impl std::iter::FusedIterator for FailedEvents {}

mod transport {
    use std::time::Duration;

    use super::*;
    use crate::auth::AccessToken;
    use crate::config::{Environment, HttpConfig, is_tls_failure, trusted_roots};
    use crate::error::{Error, TransportError, TransportErrorKind, ValidationError};
    use crate::request::{HttpRequest, HttpResponse, Method};

    pub(super) fn sleep(wait: std::time::Duration) {
        std::thread::sleep(wait);
    }

    /// `url` as ureq will read it, refused unless its host and scheme are the
    /// ones the environment was checked for.
    fn checked_uri(
        url: &str,
        environment: &Environment,
        request: &HttpRequest,
    ) -> Result<ureq::http::Uri, TransportError> {
        let uri: Option<ureq::http::Uri> = url.parse().ok();
        let expected_scheme = if environment.is_https() {
            "https"
        } else {
            "http"
        };
        match uri {
            Some(uri)
                if uri.host().is_some_and(|h| environment.host().is(h))
                    && uri
                        .scheme_str()
                        .is_some_and(|s| s.eq_ignore_ascii_case(expected_scheme)) =>
            {
                Ok(uri)
            }
            _ => Err(TransportError::new(
                TransportErrorKind::Other,
                request.method,
                &request.path,
                format!(
                    "refused to send: the URL does not go to {}, the host that was checked",
                    environment.host()
                ),
                None,
            )),
        }
    }

    // Clones share one connection pool: the client hands one to the refreshing
    // provider it builds.
    #[derive(Clone)]
    pub(super) struct Transport {
        agent: ureq::Agent,
        max_response_bytes: u64,
    }

    impl Transport {
        /// A transport for `environment`: its proxy is decided here, once.
        pub(super) fn new(config: &HttpConfig, environment: &Environment) -> Result<Self, Error> {
            let proxy = match config
                .proxy
                .resolve(environment, |name| std::env::var(name).ok())?
            {
                // Explicit `None` as well: left unset, ureq reads the environment itself.
                None => None,
                Some(url) => Some(ureq::Proxy::new(&url).map_err(|_| {
                    ValidationError::new("proxy", "the proxy URL is not one ureq can use")
                })?),
            };
            let roots: Vec<ureq::tls::Certificate<'static>> =
                trusted_roots(&config.extra_roots_pem)?
                    .iter()
                    .map(|der| ureq::tls::Certificate::from_der(der).to_owned())
                    .collect();
            let tls = ureq::tls::TlsConfig::builder()
                .provider(ureq::tls::TlsProvider::Rustls)
                .root_certs(ureq::tls::RootCerts::new_with_certs(&roots))
                .build();
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
                .proxy(proxy)
                .tls_config(tls)
                .build()
                .into();
            Ok(Transport {
                agent,
                max_response_bytes: config.max_response_bytes,
            })
        }

        /// Sends `request`; `timeout`, when set, replaces the overall timeout for
        /// this request (the client uses it to keep a call within its retry budget).
        pub(super) fn send(
            &self,
            request: &HttpRequest,
            environment: &Environment,
            token: Option<&AccessToken>,
            timeout: Option<Duration>,
        ) -> Result<HttpResponse, TransportError> {
            let url = checked_uri(&request.url(environment), environment, request)?;
            let auth = token.map(|t| format!("Bearer {}", t.expose_secret()));
            let fail = |e: ureq::Error| transport_error(e, request);
            // ureq's builders with and without a body are different types; the
            // headers and timeout are the same for both.
            macro_rules! prepare {
                ($builder:expr) => {{
                    let mut builder = $builder.header("accept", "application/json");
                    if let Some(auth) = &auth {
                        builder = builder.header("authorization", auth);
                    }
                    if let Some(timeout) = timeout {
                        builder = builder.config().timeout_global(Some(timeout)).build();
                    }
                    builder
                }};
            }
            let result = match request.method {
                Method::Get => prepare!(self.agent.get(&url)).call(),
                Method::Delete => prepare!(self.agent.delete(&url)).call(),
                Method::Post | Method::Patch => {
                    let builder = if request.method == Method::Post {
                        self.agent.post(&url)
                    } else {
                        self.agent.patch(&url)
                    };
                    let (content_type, bytes) = request
                        .body
                        .as_ref()
                        .map(|b| (b.content_type, b.bytes.as_slice()))
                        .unwrap_or(("application/json", &[]));
                    prepare!(builder)
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
            // Nothing was written before these: the request never left.
            ureq::Error::Timeout(ureq::Timeout::Resolve | ureq::Timeout::Connect) => {
                TransportErrorKind::ConnectTimeout
            }
            ureq::Error::Timeout(_) => TransportErrorKind::Timeout,
            ureq::Error::Io(io) if io.get_ref().is_some_and(|e| is_tls_failure(e)) => {
                TransportErrorKind::Tls
            }
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
            request.method,
            &request.path,
            message,
            Some(Box::new(error)),
        )
    }
}
