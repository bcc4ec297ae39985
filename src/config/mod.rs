//! Where the API lives, and how the client talks to it.

#[cfg(any(feature = "blocking", feature = "async"))]
use std::time::Duration;

mod environment;
mod proxy;
#[cfg(any(feature = "blocking", feature = "async"))]
mod tls;
mod url;

pub use environment::{BaseUrl, ENVIRONMENT_VAR, Environment};
pub use proxy::Proxy;
#[cfg(any(feature = "blocking", feature = "async"))]
pub(crate) use tls::{is_tls_failure, trusted_roots};
pub(crate) use url::{Scheme, UrlRules, check_url, host_of};

/// Timeouts and limits shared by both clients.
#[cfg(any(feature = "blocking", feature = "async"))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HttpConfig {
    pub connect_timeout: Duration,
    pub timeout: Duration,
    pub user_agent: String,
    pub max_response_bytes: u64,
    pub proxy: Proxy,
    /// PEM texts of roots to trust besides the Mozilla bundle.
    pub extra_roots_pem: Vec<Vec<u8>>,
}

#[cfg(any(feature = "blocking", feature = "async"))]
impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            user_agent: default_user_agent(),
            max_response_bytes: 16 * 1024 * 1024,
            proxy: Proxy::default(),
            extra_roots_pem: Vec::new(),
        }
    }
}

/// The longest timeout the HTTP libraries are given: a longer one is no timeout at
/// all in practice, and `Duration::MAX` would overflow their clock arithmetic.
#[cfg(any(feature = "blocking", feature = "async"))]
pub(crate) const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

/// `revolut-webhooks/<version>`.
#[cfg(any(feature = "blocking", feature = "async"))]
pub(crate) fn default_user_agent() -> String {
    concat!("revolut-webhooks/", env!("CARGO_PKG_VERSION")).to_owned()
}

// What it tests exists only with a client.
#[cfg(all(test, any(feature = "blocking", feature = "async")))]
mod tests {
    use super::*;

    #[test]
    fn default_http_config() {
        let c = HttpConfig::default();
        assert_eq!(c.connect_timeout, Duration::from_secs(10));
        assert_eq!(c.timeout, Duration::from_secs(30));
        assert_eq!(c.max_response_bytes, 16 * 1024 * 1024);
        assert!(c.user_agent.starts_with("revolut-webhooks/"));
    }
}
