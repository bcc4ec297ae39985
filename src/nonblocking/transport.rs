//! The async transport, on reqwest: `Transport` and `sleep`, as the shell's contract
//! (see the header of `shell/client.rs`) asks.

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
