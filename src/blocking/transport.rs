//! The blocking transport, on ureq: `Transport` and `sleep`, as the shell's contract
//! (see the header of `shell/client.rs`) asks.

use std::time::Duration;

use crate::auth::AccessToken;
use crate::config::{Environment, HttpConfig, is_tls_failure, trusted_roots};
use crate::error::{Error, Result, TransportError, TransportErrorKind, ValidationError};
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
        let roots: Vec<ureq::tls::Certificate<'static>> = trusted_roots(&config.extra_roots_pem)?
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
        ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => TransportErrorKind::Connect,
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
