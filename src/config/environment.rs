//! [`Environment`]: which Revolut API to talk to, and its checked [`BaseUrl`].

use std::fmt;

use super::url::{Host, Scheme, UrlRules, check_url};
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
            Environment::Custom(base) => &base.url,
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

/// The environment variable [`Environment::from_env`] reads, as the command-line tool does.
pub const ENVIRONMENT_VAR: &str = "REVOLUT_ENVIRONMENT";

impl Environment {
    /// The environment named by `REVOLUT_ENVIRONMENT` ([`ENVIRONMENT_VAR`]), parsed as
    /// [`str::parse`] does: `production`, `sandbox` or a base URL. Unset or empty means
    /// [`Environment::Production`], as it does for the command-line tool.
    ///
    /// Surrounding whitespace (a stray newline from a secrets file) is ignored; anything
    /// else that is not a valid environment is an error, never a silent fallback.
    pub fn from_env() -> Result<Environment, ValidationError> {
        Environment::from_var(std::env::var(ENVIRONMENT_VAR))
    }

    fn from_var(var: Result<String, std::env::VarError>) -> Result<Environment, ValidationError> {
        match var {
            Ok(value) if !value.trim().is_empty() => value.trim().parse(),
            Ok(_) | Err(std::env::VarError::NotPresent) => Ok(Environment::Production),
            Err(std::env::VarError::NotUnicode(_)) => Err(ValidationError::new(
                ENVIRONMENT_VAR,
                "the value is not valid UTF-8",
            )),
        }
    }
}

/// `production` and `sandbox` (in any case), or a base URL checked as
/// [`Environment::custom`] checks it.
///
/// ```
/// use revolut_webhooks::Environment;
///
/// assert_eq!("sandbox".parse::<Environment>()?, Environment::Sandbox);
/// assert_eq!("Production".parse::<Environment>()?, Environment::Production);
/// let local: Environment = "http://127.0.0.1:8080".parse()?;
/// assert_eq!(local.base_url(), "http://127.0.0.1:8080");
/// assert!("staging".parse::<Environment>().is_err());
/// # Ok::<(), revolut_webhooks::ValidationError>(())
/// ```
impl std::str::FromStr for Environment {
    type Err = ValidationError;

    fn from_str(s: &str) -> Result<Environment, ValidationError> {
        if s.eq_ignore_ascii_case("production") {
            Ok(Environment::Production)
        } else if s.eq_ignore_ascii_case("sandbox") {
            Ok(Environment::Sandbox)
        } else if s.contains([':', '/']) {
            // Meant as a URL: say what is wrong with it.
            Environment::custom(s)
        } else {
            Err(ValidationError::new(
                "environment",
                "expected production, sandbox or a base URL such as https://host or http://127.0.0.1:8080",
            ))
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Environment::Production => f.write_str("production"),
            Environment::Sandbox => f.write_str("sandbox"),
            Environment::Custom(base) => f.write_str(&base.url),
        }
    }
}

/// A checked base URL: `https`, or `http` to a loopback host.
///
/// Made only by [`Environment::custom`] (or parsing an [`Environment`]), so holding one
/// means the check passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl {
    url: String,
    host: Host,
    https: bool,
}

impl BaseUrl {
    /// The URL as checked, without a trailing slash.
    pub fn as_str(&self) -> &str {
        &self.url
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url)
    }
}

impl BaseUrl {
    fn parse(url: &str) -> Result<BaseUrl, ValidationError> {
        let err = |reason: &str| ValidationError::new("base_url", reason);
        let trimmed = url.trim_end_matches('/');
        let checked = check_url(trimmed, "base_url", UrlRules::Base)?;
        match checked.scheme {
            Scheme::Https => {}
            Scheme::Http if checked.host.is_loopback() => {}
            Scheme::Http => {
                return Err(err(
                    "plain http is allowed only to a loopback host (bearer tokens must not travel in the clear)",
                ));
            }
            Scheme::Other => {
                return Err(err("the scheme must be https (or http to a loopback host)"));
            }
        }
        Ok(BaseUrl {
            url: trimmed.to_owned(),
            https: checked.scheme == Scheme::Https,
            host: checked.host,
        })
    }
}

#[cfg_attr(not(any(feature = "blocking", feature = "async")), allow(dead_code))]
impl Environment {
    /// The host every request goes to, as checked.
    pub(crate) fn host(&self) -> Host {
        match self {
            Environment::Production => Host::Domain("b2b.revolut.com".to_owned()),
            Environment::Sandbox => Host::Domain("sandbox-b2b.revolut.com".to_owned()),
            Environment::Custom(base) => base.host.clone(),
        }
    }

    /// Whether requests go over https (plain http only ever goes to a loopback host).
    pub(crate) fn is_https(&self) -> bool {
        match self {
            Environment::Production | Environment::Sandbox => true,
            Environment::Custom(base) => base.https,
        }
    }
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
    fn parses_names_and_urls() {
        for (text, want) in [
            ("production", Environment::Production),
            ("PRODUCTION", Environment::Production),
            ("Sandbox", Environment::Sandbox),
        ] {
            assert_eq!(text.parse::<Environment>().unwrap(), want, "{text}");
        }
        let local: Environment = "http://127.0.0.1:1/".parse().unwrap();
        assert_eq!(local.base_url(), "http://127.0.0.1:1");
        match &local {
            Environment::Custom(base) => {
                assert_eq!(base.as_str(), "http://127.0.0.1:1");
                assert_eq!(base.to_string(), "http://127.0.0.1:1");
            }
            other => panic!("{other:?}"),
        }
        for bad in ["", "prod", "staging", " sandbox", "sandbox\n", "127.0.0.1"] {
            let e = bad.parse::<Environment>().unwrap_err();
            assert_eq!(e.field, "environment", "{bad:?}");
            assert!(e.reason.contains("expected production, sandbox"), "{bad:?}");
        }
        // A URL is checked as `custom` checks it, with its reason.
        for url in ["http://example.com", "http:/127.0.0.1", "127.0.0.1:8080"] {
            let e = url.parse::<Environment>().unwrap_err();
            assert_eq!(e.field, "base_url", "{url}");
        }
    }

    #[test]
    fn from_env_reads_the_cli_variable() {
        use std::env::VarError;
        let run = |value: &str| Environment::from_var(Ok(value.to_owned()));
        assert_eq!(
            Environment::from_var(Err(VarError::NotPresent)).unwrap(),
            Environment::Production
        );
        assert_eq!(run("").unwrap(), Environment::Production);
        assert_eq!(run("  \n").unwrap(), Environment::Production);
        assert_eq!(run("sandbox\n").unwrap(), Environment::Sandbox);
        assert_eq!(
            run("http://localhost:9").unwrap().base_url(),
            "http://localhost:9"
        );
        assert!(run("staging").is_err());
        assert!(run("http://example.com").is_err());
        let e = Environment::from_var(Err(VarError::NotUnicode("x".into()))).unwrap_err();
        assert_eq!(e.field, ENVIRONMENT_VAR);
    }
}
