//! The async client, on [reqwest](https://docs.rs/reqwest): for async servers (axum,
//! actix) and concurrent jobs. Its futures are `Send`, and it never blocks the runtime.
//! It needs a [tokio](https://docs.rs/tokio) runtime.
//!
//! ```no_run
//! use futures_util::TryStreamExt;
//! use revolut_webhooks::nonblocking::Client;
//! use revolut_webhooks::{Environment, FailedEventsQuery};
//! use revolut_webhooks::auth::StaticToken;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::builder()
//!     .environment(Environment::Sandbox)
//!     .token_provider(StaticToken::new(std::env::var("REVOLUT_ACCESS_TOKEN")?))
//!     .build()?;
//! for hook in client.webhooks().list().await? {
//!     let mut failed = client.webhooks().failed_events_all(hook.id, &FailedEventsQuery::new())?;
//!     while let Some(event) = failed.try_next().await? {
//!         println!("{} {}", event.created_at, event.payload_json());
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! To implement [`TokenProvider`] yourself, use the re-exported [`async_trait`](macro@async_trait) attribute.
//!
//! # The runtime
//!
//! Calls must run inside a tokio runtime with IO and time enabled (`#[tokio::main]`,
//! `#[tokio::test]`, `Runtime::block_on`, or a task spawned on one); a current-thread
//! runtime is fine. Polled outside one, a call returns [`Error::NoRuntime`](crate::Error::NoRuntime)
//! and sends nothing, instead of panicking inside reqwest. Building a client or a
//! provider needs no runtime.
//!
//! The [`RefreshingTokenProvider`] never blocks the runtime either: the assertion
//! signer (a KMS call, RS256 signing) and `on_refresh` (storing the token set) run on
//! tokio's blocking pool (`spawn_blocking`, never `block_in_place`, which panics on a
//! current-thread runtime). Each refresh runs as its own task, so a caller dropped
//! mid-refresh (a `tokio::time::timeout`, a `select!`) does not cancel a token
//! request already sent: the refresh completes and the callers after it use its answer.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

pub(crate) use maybe_async::must_be_async as maybe_io;

/// The attribute for implementing [`TokenProvider`].
pub use async_trait::async_trait;

use crate::error::Result;
use crate::models::{FailedEvent, FailedEventsQuery, WebhookId};
use crate::pagination::WalkError;

/// Runs the future `$body` inside the tracing span `$span`: async, the span is
/// entered on each poll, so no guard is held across an `.await`.
macro_rules! within {
    ($span:expr, $body:expr) => {
        $crate::trace::instrument($body, $span.clone())
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
    use tokio::sync::{Mutex, MutexGuard};

    use super::refreshing::RefreshingTokenProvider;
    use crate::auth::TokenSet;
    use crate::error::{AuthError, Error};

    /// reqwest and tokio's timers panic outside a tokio runtime: say so instead.
    pub(super) fn runtime() -> Result<(), Error> {
        tokio::runtime::Handle::try_current()
            .map(drop)
            .map_err(|_| Error::NoRuntime)
    }

    /// Runs the locked part of a refresh as its own task, so that dropping the
    /// caller's future (a timeout, a `select!`) does not cancel a token request
    /// already sent: the refresh completes, and the callers after it use its answer.
    pub(super) async fn detached(
        provider: &RefreshingTokenProvider,
        seen: Option<u64>,
    ) -> Result<TokenSet, AuthError> {
        let provider = provider.clone();
        // The caller's span (its `api_call`) stays the refresh's parent across the spawn.
        let refresh = async move { provider.refresh_in_flight(seen).await };
        let refresh = crate::trace::instrument(refresh, crate::trace::Span::current());
        match tokio::spawn(refresh).await {
            Ok(result) => result,
            // A panic in user code (the signer, `on_refresh`) reaches the caller, as
            // it does when blocking.
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(_) => Err(super::refreshing::shutting_down()),
        }
    }

    /// Runs user code that may block (the assertion signer, `on_refresh`) on
    /// tokio's blocking pool, not on a runtime thread: this works on a
    /// current-thread runtime too, where `block_in_place` would panic. `None` if
    /// the runtime shut down first.
    pub(super) async fn off_runtime<T: Send + 'static>(
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Option<T> {
        match tokio::task::spawn_blocking(f).await {
            Ok(value) => Some(value),
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(_) => None,
        }
    }

    /// Held across a token refresh, so one task refreshes and the others wait
    /// (without blocking the runtime).
    pub(super) struct FlightLock(Mutex<()>);

    impl FlightLock {
        pub(super) fn new() -> Self {
            FlightLock(Mutex::new(()))
        }

        pub(super) async fn lock(&self) -> MutexGuard<'_, ()> {
            self.0.lock().await
        }
    }
}

impl Webhooks<'_> {
    /// Every failed event of the webhook, newest first, page after page, each
    /// exactly once (see [the crate docs](crate#pagination) on ties), as a `Stream`.
    ///
    /// Holds one page in memory at a time. Each item is an event or a
    /// [`WalkError`]: after a failed request ([`WalkError::Request`]) the stream
    /// ends; after a [`WalkError::TiedEventsOverflow`] (more than 1000 events at one
    /// instant, which the API cannot page through) it goes on with older events.
    pub fn failed_events_all(
        &self,
        id: WebhookId,
        query: &FailedEventsQuery,
    ) -> Result<FailedEvents> {
        let walk = self.walk(id, query)?;
        let stream = futures_util::stream::unfold(walk, |mut walk| async move {
            let item = walk.next().await?;
            Some((item, walk))
        });
        Ok(FailedEvents {
            inner: Box::pin(stream),
        })
    }
}

/// The stream of [`Webhooks::failed_events_all`] (a `Stream`; the blocking client's
/// type of the same name is an `Iterator`).
pub struct FailedEvents {
    inner: Pin<Box<dyn Stream<Item = Result<FailedEvent, WalkError>> + Send>>,
}

impl std::fmt::Debug for FailedEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FailedEvents").finish_non_exhaustive()
    }
}

impl Stream for FailedEvents {
    type Item = Result<FailedEvent, WalkError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

mod transport {
    use crate::auth::AccessToken;
    use crate::config::{Environment, HttpConfig, is_tls_failure, trusted_roots};
    use crate::error::{Error, TransportError, TransportErrorKind, ValidationError};
    use crate::request::{HttpRequest, HttpResponse, Method};

    pub(super) async fn sleep(wait: std::time::Duration) {
        tokio::time::sleep(wait).await;
    }

    // Clones share one connection pool: the client hands one to the refreshing
    // provider it builds.
    #[derive(Clone)]
    pub(super) struct Transport {
        client: reqwest::Client,
        max_response_bytes: u64,
    }

    impl Transport {
        /// A transport for `environment`: its proxy is decided here, once.
        pub(super) fn new(config: &HttpConfig, environment: &Environment) -> Result<Self, Error> {
            let proxy = config
                .proxy
                .resolve(environment, |name| std::env::var(name).ok())?;
            let mut roots = Vec::new();
            for der in trusted_roots(&config.extra_roots_pem)? {
                roots.push(reqwest::Certificate::from_der(&der).map_err(|_| {
                    ValidationError::new("root_certificates", "a root certificate is not valid DER")
                })?);
            }
            let builder = match proxy {
                // Explicit: left alone, reqwest reads the proxy variables itself.
                None => reqwest::Client::builder().no_proxy(),
                Some(url) => {
                    reqwest::Client::builder().proxy(reqwest::Proxy::all(&url).map_err(|_| {
                        ValidationError::new("proxy", "the proxy URL is not one reqwest can use")
                    })?)
                }
            };
            let client = builder
                // The same roots as the blocking client, not the platform's store.
                .tls_certs_only(roots)
                .connect_timeout(config.connect_timeout)
                .timeout(config.timeout)
                .user_agent(config.user_agent.as_str())
                // The API does not redirect; a redirect must not carry the token elsewhere.
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| Error::ClientStart {
                    message: e.to_string(),
                    source: Box::new(e),
                })?;
            Ok(Transport {
                client,
                max_response_bytes: config.max_response_bytes,
            })
        }

        /// Sends `request`; `timeout`, when set, replaces the overall timeout for
        /// this request (the client uses it to keep a call within its retry budget).
        pub(super) async fn send(
            &self,
            request: &HttpRequest,
            environment: &Environment,
            token: Option<&AccessToken>,
            timeout: Option<std::time::Duration>,
        ) -> Result<HttpResponse, TransportError> {
            let method = match request.method {
                Method::Get => reqwest::Method::GET,
                Method::Post => reqwest::Method::POST,
                Method::Patch => reqwest::Method::PATCH,
                Method::Delete => reqwest::Method::DELETE,
            };
            let url = checked_url(&request.url(environment), environment, request)?;
            let mut builder = self
                .client
                .request(method, url)
                .header("accept", "application/json");
            if let Some(token) = token {
                builder = builder.bearer_auth(token.expose_secret());
            }
            if let Some(timeout) = timeout {
                builder = builder.timeout(timeout);
            }
            if let Some(body) = &request.body {
                builder = builder
                    .header("content-type", body.content_type)
                    .body(body.bytes.clone());
            }
            let fail = |e: reqwest::Error| transport_error(e, request);
            let mut response = builder.send().await.map_err(fail)?;
            let status = response.status().as_u16();
            let retry_after = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let limit = self.max_response_bytes;
            if response.content_length().is_some_and(|len| len > limit) {
                return Err(too_large(limit, request));
            }
            let mut body =
                Vec::with_capacity(response.content_length().unwrap_or(0).min(limit) as usize);
            while let Some(chunk) = response.chunk().await.map_err(fail)? {
                if (body.len() + chunk.len()) as u64 > limit {
                    return Err(too_large(limit, request));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(HttpResponse {
                status,
                retry_after,
                body,
            })
        }
    }

    /// `url` as reqwest will read it, refused unless its host and scheme are the
    /// ones the environment was checked for.
    fn checked_url(
        url: &str,
        environment: &Environment,
        request: &HttpRequest,
    ) -> Result<reqwest::Url, TransportError> {
        let expected_scheme = if environment.is_https() {
            "https"
        } else {
            "http"
        };
        match reqwest::Url::parse(url) {
            Ok(url)
                if url.host_str().is_some_and(|h| environment.host().is(h))
                    && url.scheme() == expected_scheme =>
            {
                Ok(url)
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

    fn too_large(limit: u64, request: &HttpRequest) -> TransportError {
        TransportError::new(
            TransportErrorKind::BodyTooLarge,
            request.method,
            &request.path,
            format!("the response body is larger than the limit of {limit} bytes"),
            None,
        )
    }

    fn transport_error(error: reqwest::Error, request: &HttpRequest) -> TransportError {
        let kind = if is_tls_failure(&error) {
            TransportErrorKind::Tls
        } else if error.is_connect() && error.is_timeout() {
            // The connection was never made: nothing was sent.
            TransportErrorKind::ConnectTimeout
        } else if error.is_timeout() {
            TransportErrorKind::Timeout
        } else if error.is_connect() {
            TransportErrorKind::Connect
        } else if error.is_body() || error.is_decode() || error.is_request() {
            TransportErrorKind::Io
        } else {
            TransportErrorKind::Other
        };
        // reqwest's own message names the URL; the chain of causes says what happened.
        let error = error.without_url();
        let mut message = error.to_string();
        let mut cause = std::error::Error::source(&error);
        while let Some(c) = cause {
            message.push_str(": ");
            message.push_str(&c.to_string());
            cause = c.source();
        }
        TransportError::new(
            kind,
            request.method,
            &request.path,
            message,
            Some(Box::new(error)),
        )
    }
}
