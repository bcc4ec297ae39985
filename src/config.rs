//! Where the API lives, and how the client talks to it.

use std::fmt;
#[cfg(any(feature = "blocking", feature = "async"))]
use std::time::Duration;

use crate::error::ValidationError;

/// Which Revolut Business API to talk to.
///
/// Webhooks live on `api/2.0` and the token endpoint on `api/1.0` of the same host.
///
/// ```
/// use revolut_webhooks::Environment;
///
/// assert_eq!(Environment::Sandbox.webhooks_base(), "https://sandbox-b2b.revolut.com/api/2.0");
/// let local = Environment::custom("http://127.0.0.1:8080").unwrap();
/// assert_eq!(local.token_url(), "http://127.0.0.1:8080/api/1.0/auth/token");
/// // A bearer token never travels over plain http to another host.
/// assert!(Environment::custom("http://example.com").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Environment {
    /// `https://b2b.revolut.com`.
    Production,
    /// `https://sandbox-b2b.revolut.com`.
    Sandbox,
    /// Another host: an emulator, a mock server, a proxy. Build it with [`Environment::custom`].
    Custom(BaseUrl),
}

impl Environment {
    /// A custom host such as `http://127.0.0.1:8080` or `https://proxy.internal/revolut`.
    ///
    /// It must be `https`, or `http` to a loopback address (`localhost`, `127.0.0.0/8`, `[::1]`),
    /// since every request carries a bearer token.
    pub fn custom(url: &str) -> Result<Environment, ValidationError> {
        BaseUrl::parse(url).map(Environment::Custom)
    }

    /// The host root, without a trailing slash.
    pub fn base_url(&self) -> &str {
        match self {
            Environment::Production => "https://b2b.revolut.com",
            Environment::Sandbox => "https://sandbox-b2b.revolut.com",
            Environment::Custom(base) => &base.0,
        }
    }

    /// The root of the webhooks v2 API (`…/api/2.0`).
    pub fn webhooks_base(&self) -> String {
        format!("{}/api/2.0", self.base_url())
    }

    /// The token endpoint (`…/api/1.0/auth/token`).
    pub fn token_url(&self) -> String {
        format!("{}/api/1.0/auth/token", self.base_url())
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Environment::Production => f.write_str("production"),
            Environment::Sandbox => f.write_str("sandbox"),
            Environment::Custom(base) => f.write_str(&base.0),
        }
    }
}

/// A checked base URL: `https`, or `http` to a loopback host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl(String);

impl BaseUrl {
    fn parse(url: &str) -> Result<BaseUrl, ValidationError> {
        let err = |reason: &str| ValidationError::new("base_url", reason);
        let trimmed = url.trim_end_matches('/');
        let (scheme, rest) = trimmed
            .split_once("://")
            .ok_or_else(|| err("expected an absolute URL such as https://host"))?;
        let host = host_of(rest).ok_or_else(|| err("the URL has no host"))?;
        if rest.contains(['?', '#']) || trimmed.chars().any(char::is_whitespace) {
            return Err(err("a base URL takes no query, fragment or spaces"));
        }
        match scheme.to_ascii_lowercase().as_str() {
            "https" => {}
            "http" if is_loopback(host) => {}
            "http" => {
                return Err(err(
                    "plain http is allowed only to a loopback host (bearer tokens must not travel in the clear)",
                ));
            }
            _ => return Err(err("the scheme must be https (or http to a loopback host)")),
        }
        Ok(BaseUrl(trimmed.to_owned()))
    }
}

/// The host part of `host[:port][/path]`, without brackets for IPv6.
pub(crate) fn host_of(after_scheme: &str) -> Option<&str> {
    let authority = after_scheme.split(['/', '?', '#']).next()?;
    // userinfo@ is not something an API base or webhook URL should carry, but
    // it must not fool the host check either.
    let authority = authority.rsplit('@').next()?;
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next()?
    } else {
        authority.split(':').next()?
    };
    (!host.is_empty()).then_some(host)
}

pub(crate) fn is_loopback(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    match host.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => false,
    }
}

/// Timeouts and limits shared by both clients.
#[cfg(any(feature = "blocking", feature = "async"))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HttpConfig {
    pub connect_timeout: Duration,
    pub timeout: Duration,
    pub user_agent: String,
    pub max_response_bytes: u64,
}

#[cfg(any(feature = "blocking", feature = "async"))]
impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            user_agent: default_user_agent(),
            max_response_bytes: 16 * 1024 * 1024,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_environments() {
        assert_eq!(
            Environment::Production.webhooks_base(),
            "https://b2b.revolut.com/api/2.0"
        );
        assert_eq!(
            Environment::Production.token_url(),
            "https://b2b.revolut.com/api/1.0/auth/token"
        );
        assert_eq!(
            Environment::Sandbox.token_url(),
            "https://sandbox-b2b.revolut.com/api/1.0/auth/token"
        );
        assert_eq!(Environment::Sandbox.to_string(), "sandbox");
        assert_eq!(Environment::Production.to_string(), "production");
    }

    #[test]
    fn custom_accepts_https_and_loopback_http() {
        for ok in [
            "https://example.com",
            "https://example.com/prefix/",
            "HTTPS://example.com:8443",
            "http://127.0.0.1:8080",
            "http://127.1.2.3",
            "http://localhost:1",
            "http://LOCALHOST",
            "http://[::1]:9000/",
        ] {
            let env = Environment::custom(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
            assert!(!env.base_url().ends_with('/'), "{ok}");
        }
        assert_eq!(
            Environment::custom("https://example.com/prefix/")
                .unwrap()
                .webhooks_base(),
            "https://example.com/prefix/api/2.0"
        );
        assert_eq!(
            Environment::custom("http://localhost:1")
                .unwrap()
                .to_string(),
            "http://localhost:1"
        );
    }

    #[test]
    fn custom_refuses_what_could_leak_a_token() {
        for bad in [
            "http://example.com",
            "http://10.0.0.1",
            "http://127.0.0.1.example.com",
            "http://localhost.example.com",
            "http://user@example.com",
            "http://127.0.0.1@example.com",
            "ftp://127.0.0.1",
            "example.com",
            "https://",
            "https://example.com/?x=1",
            "https://exa mple.com",
        ] {
            assert!(Environment::custom(bad).is_err(), "{bad} was accepted");
        }
        let e = Environment::custom("http://example.com").unwrap_err();
        assert_eq!(e.field, "base_url");
        assert!(
            e.reason.contains("must not travel in the clear"),
            "{}",
            e.reason
        );
        let e = Environment::custom("ftp://127.0.0.1").unwrap_err();
        assert!(
            e.reason.starts_with("the scheme must be https"),
            "{}",
            e.reason
        );
    }

    #[test]
    fn host_extraction() {
        assert_eq!(host_of("example.com:8080/x"), Some("example.com"));
        assert_eq!(host_of("[::1]:80"), Some("::1"));
        assert_eq!(host_of("u:p@h/x"), Some("h"));
        assert_eq!(host_of("/path"), None);
        assert!(is_loopback("127.0.0.1"));
        assert!(is_loopback("::1"));
        assert!(!is_loopback("128.0.0.1"));
        assert!(!is_loopback("example.com"));
    }

    #[test]
    #[cfg(any(feature = "blocking", feature = "async"))]
    fn default_http_config() {
        use std::time::Duration;
        let c = HttpConfig::default();
        assert_eq!(c.connect_timeout, Duration::from_secs(10));
        assert_eq!(c.timeout, Duration::from_secs(30));
        assert_eq!(c.max_response_bytes, 16 * 1024 * 1024);
        assert!(c.user_agent.starts_with("revolut-webhooks/"));
    }
}
