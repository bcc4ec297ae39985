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

/// The scheme of a checked URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scheme {
    Http,
    Https,
    /// Any other well-formed scheme: each caller says why it refuses it.
    Other,
}

/// A host as every parser the crate relies on reads it: a lower-case DNS name,
/// or an IP address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Host {
    Domain(String),
    Ip(std::net::IpAddr),
}

impl Host {
    pub(crate) fn is_loopback(&self) -> bool {
        match self {
            Host::Domain(name) => name == "localhost",
            Host::Ip(ip) => ip.is_loopback(),
        }
    }

    /// Whether `text`, a host as another parser extracted it (IPv6 in brackets
    /// or not), names this host.
    #[cfg_attr(not(any(feature = "blocking", feature = "async")), allow(dead_code))]
    pub(crate) fn is(&self, text: &str) -> bool {
        let bare = text
            .strip_prefix('[')
            .and_then(|t| t.strip_suffix(']'))
            .unwrap_or(text);
        match self {
            Host::Domain(name) => name.eq_ignore_ascii_case(bare),
            Host::Ip(ip) => bare.parse::<std::net::IpAddr>().is_ok_and(|b| b == *ip),
        }
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Domain(name) => f.write_str(name),
            Host::Ip(std::net::IpAddr::V6(ip)) => write!(f, "[{ip}]"),
            Host::Ip(ip) => write!(f, "{ip}"),
        }
    }
}

/// Which URLs a check is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UrlRules {
    /// An API base URL: a path at most, and no percent-encoding (it never needs any).
    Base,
    /// A webhook URL: a path and a query, percent-encoded where needed.
    Webhook,
}

/// A URL that passed [`check_url`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CheckedUrl<'a> {
    pub scheme: Scheme,
    pub host: Host,
    /// Everything after `scheme://`.
    pub after_scheme: &'a str,
}

/// The one URL check of the crate, for base URLs and webhook URLs alike.
///
/// It accepts only spellings that the WHATWG parser (reqwest's `url`), `http::Uri`
/// (ureq) and the system resolver all read as the same host, so the host it
/// returns is the host a transport connects to. Everything that parsers
/// disagree on, or strip silently, is refused with the reason: whitespace and
/// control characters, non-ASCII, backslashes, user info (`@`), percent-encoding
/// in the host, trailing dots, and numbers that are not dotted-quad IPv4
/// (`2130706433`, `0x7f.1`, `0177.0.0.1`, `127.1`).
pub(crate) fn check_url<'a>(
    url: &'a str,
    field: &'static str,
    rules: UrlRules,
) -> Result<CheckedUrl<'a>, ValidationError> {
    let err = |reason: &str| ValidationError::new(field, reason);
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(err(
            "the URL contains whitespace or control characters (parsers drop them silently)",
        ));
    }
    if !url.is_ascii() {
        return Err(err(
            "the URL contains non-ASCII characters: write the host in ASCII (punycode) and percent-encode the rest",
        ));
    }
    if url.contains('\\') {
        return Err(err(
            "the URL contains a backslash (some parsers read it as '/', others as part of the host)",
        ));
    }
    let (scheme, after_scheme) = url
        .split_once("://")
        .ok_or_else(|| err("expected an absolute URL such as https://host"))?;
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok {
        return Err(err("expected an absolute URL such as https://host"));
    }
    let scheme = match scheme.to_ascii_lowercase().as_str() {
        "http" => Scheme::Http,
        "https" => Scheme::Https,
        _ => Scheme::Other,
    };
    let authority_end = after_scheme
        .find(['/', '?', '#'])
        .unwrap_or(after_scheme.len());
    let (authority, tail) = after_scheme.split_at(authority_end);
    if authority.contains('@') {
        return Err(err(
            "the URL carries a user name or password (an '@' before the host): put credentials elsewhere",
        ));
    }
    if authority.contains('%') {
        return Err(err("the host is percent-encoded: write it plainly"));
    }
    let host = check_authority(authority).map_err(err)?;
    check_tail(tail, rules).map_err(err)?;
    Ok(CheckedUrl {
        scheme,
        host,
        after_scheme,
    })
}

fn check_authority(authority: &str) -> Result<Host, &'static str> {
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (inside, after) = v6
            .split_once(']')
            .ok_or("the IPv6 address has no closing ']'")?;
        let ip: std::net::Ipv6Addr = inside
            .parse()
            .map_err(|_| "the IPv6 address in brackets is not valid")?;
        let port = match after {
            "" => None,
            _ => Some(
                after
                    .strip_prefix(':')
                    .ok_or("only ':port' may follow an IPv6 address")?,
            ),
        };
        (Host::Ip(std::net::IpAddr::V6(ip)), port)
    } else {
        let (name, port) = match authority.split_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (authority, None),
        };
        (check_name(name)?, port)
    };
    if let Some(port) = port {
        let valid = !port.is_empty()
            && port.len() <= 5
            && port.bytes().all(|b| b.is_ascii_digit())
            && port.parse::<u16>().is_ok_and(|p| p != 0);
        if !valid {
            return Err("the port is not a number from 1 to 65535");
        }
    }
    Ok(host)
}

fn check_name(name: &str) -> Result<Host, &'static str> {
    if name.is_empty() {
        return Err("the URL has no host");
    }
    if name.ends_with('.') {
        return Err("the host ends with a dot: leave it out");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    {
        return Err("the host may hold only letters, digits, '-' and '.'");
    }
    let labels: Vec<&str> = name.split('.').collect();
    if labels.iter().any(|l| l.is_empty() || l.len() > 63) || name.len() > 253 {
        return Err("the host has an empty or over-long label");
    }
    // A host whose last label is a number is an IPv4 address to the WHATWG
    // parser, in decimal, octal or hex and with fewer than four parts; the
    // system resolver reads some of those forms differently. Only the one
    // spelling they all agree on is accepted.
    let last = labels[labels.len() - 1];
    let numeric = last.bytes().all(|b| b.is_ascii_digit())
        || last
            .strip_prefix("0x")
            .or_else(|| last.strip_prefix("0X"))
            .is_some_and(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()));
    if numeric {
        let canonical = labels.len() == 4
            && labels.iter().all(|l| {
                l.bytes().all(|b| b.is_ascii_digit())
                    && l.len() <= 3
                    && (l.len() == 1 || !l.starts_with('0'))
                    && l.parse::<u8>().is_ok()
            });
        if !canonical {
            return Err(
                "the host is a number but not a dotted-quad IPv4 address such as 127.0.0.1",
            );
        }
        return name
            .parse::<std::net::Ipv4Addr>()
            .map(|ip| Host::Ip(std::net::IpAddr::V4(ip)))
            .map_err(|_| "the host is not a valid IPv4 address");
    }
    if labels
        .iter()
        .any(|l| l.starts_with('-') || l.ends_with('-'))
    {
        return Err("a label of the host starts or ends with '-'");
    }
    Ok(Host::Domain(name.to_ascii_lowercase()))
}

fn check_tail(tail: &str, rules: UrlRules) -> Result<(), &'static str> {
    let pchar = |b: u8| {
        b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b':'
                    | b'@'
                    | b'/'
            )
    };
    match rules {
        UrlRules::Base => {
            if tail.contains(['?', '#']) {
                return Err("a base URL takes no query or fragment");
            }
            if tail.contains('%') {
                return Err("a base URL needs no percent-encoding");
            }
            if !tail.bytes().all(pchar) {
                return Err("the path contains a character that must be percent-encoded");
            }
        }
        UrlRules::Webhook => {
            if tail.contains('#') {
                return Err("a webhook URL takes no fragment");
            }
            let bytes = tail.as_bytes();
            for (i, &b) in bytes.iter().enumerate() {
                if b == b'%' {
                    let hex = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_hexdigit);
                    if !(hex(i + 1) && hex(i + 2)) {
                        return Err("a '%' is not followed by two hex digits");
                    }
                } else if !(pchar(b) || b == b'?') {
                    return Err("the URL contains a character that must be percent-encoded");
                }
            }
        }
    }
    Ok(())
}

/// The host part of `host[:port][/path]`, without brackets for IPv6. Only for
/// display-like uses (the client assertion's issuer), never for a security
/// decision: that is [`check_url`]'s job.
pub(crate) fn host_of(after_scheme: &str) -> Option<&str> {
    let authority = after_scheme.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit('@').next()?;
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next()?
    } else {
        authority.split(':').next()?
    };
    (!host.is_empty()).then_some(host)
}

/// Whether and through which proxy the clients reach an **https** API.
///
/// Plain http goes only to a loopback host and never through a proxy, whatever
/// this says. Both clients (blocking and async) and the refreshing token provider
/// read it the same way. The default is [`Proxy::from_env`].
///
/// ```
/// use revolut_webhooks::config::Proxy;
///
/// let direct = Proxy::none();
/// let corporate = Proxy::url("http://proxy.internal:3128").unwrap();
/// assert!(Proxy::url("socks5://proxy.internal:1080").is_err());
/// # let _ = (direct, corporate);
/// ```
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Proxy(ProxyMode);

#[derive(Clone, PartialEq, Eq, Default)]
enum ProxyMode {
    None,
    #[default]
    FromEnv,
    Url(String),
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            ProxyMode::None => f.write_str("Proxy::none()"),
            ProxyMode::FromEnv => f.write_str("Proxy::from_env()"),
            // The URL may carry the proxy's password: only the host is shown.
            ProxyMode::Url(url) => {
                let host = check_proxy_url(url, "proxy").unwrap_or_else(|_| "?".to_owned());
                write!(f, "Proxy::url({host})")
            }
        }
    }
}

impl Proxy {
    /// Connect directly, ignoring any proxy environment variable.
    pub fn none() -> Proxy {
        Proxy(ProxyMode::None)
    }

    /// The proxy named by `HTTPS_PROXY`, else `ALL_PROXY` (upper or lower case,
    /// upper case first), unless `NO_PROXY` lists the API's host (`*`, the host
    /// itself, or a domain it is under, as `example.com` or `.example.com`).
    /// `HTTP_PROXY` is not read: the API is reached over https only.
    pub fn from_env() -> Proxy {
        Proxy(ProxyMode::FromEnv)
    }

    /// This proxy: `http://host:port` (CONNECT, so TLS runs end to end through
    /// it) or `https://host:port`, with `user:password@` if it asks for them.
    pub fn url(url: &str) -> Result<Proxy, ValidationError> {
        check_proxy_url(url, "proxy")?;
        Ok(Proxy(ProxyMode::Url(url.to_owned())))
    }

    /// The proxy URL to use for `environment`, reading variables with `var`.
    #[cfg_attr(not(any(feature = "blocking", feature = "async")), allow(dead_code))]
    pub(crate) fn resolve(
        &self,
        environment: &Environment,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<String>, ValidationError> {
        if !environment.is_https() {
            // Plain http carries the bearer token readable to whoever relays it.
            return Ok(None);
        }
        match &self.0 {
            ProxyMode::None => Ok(None),
            ProxyMode::Url(url) => Ok(Some(url.clone())),
            ProxyMode::FromEnv => {
                let read = |name: &str| {
                    var(name)
                        .or_else(|| var(&name.to_ascii_lowercase()))
                        .filter(|v| !v.trim().is_empty())
                };
                let Some((name, value)) = ["HTTPS_PROXY", "ALL_PROXY"]
                    .into_iter()
                    .find_map(|name| read(name).map(|v| (name, v)))
                else {
                    return Ok(None);
                };
                if read("NO_PROXY").is_some_and(|list| no_proxy_lists(&list, &environment.host())) {
                    return Ok(None);
                }
                let value = value.trim();
                let url = if value.contains("://") {
                    value.to_owned()
                } else {
                    format!("http://{value}")
                };
                // The value may hold a password: the error names the variable only.
                check_proxy_url(&url, "proxy").map_err(|e| {
                    ValidationError::new(
                        "proxy",
                        format!(
                            "the {name} environment variable is not a usable proxy URL ({}); fix it, or call .proxy(Proxy::none())",
                            e.reason
                        ),
                    )
                })?;
                Ok(Some(url))
            }
        }
    }
}

fn no_proxy_lists(list: &str, host: &Host) -> bool {
    let host = match host {
        Host::Domain(name) => name.clone(),
        Host::Ip(ip) => ip.to_string(),
    };
    list.split(',').map(str::trim).any(|entry| {
        let entry = entry.trim_start_matches("*.").trim_start_matches('.');
        let entry = entry.to_ascii_lowercase();
        entry == "*"
            || (!entry.is_empty() && (host == entry || host.ends_with(&format!(".{entry}"))))
    })
}

/// Checks a proxy URL and returns its host. Unlike an API URL it may carry
/// `user:password@` (percent-encoded), but only one `@`.
fn check_proxy_url(url: &str, field: &'static str) -> Result<String, ValidationError> {
    let err = |reason: &str| ValidationError::new(field, reason);
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| err("expected a proxy URL such as http://proxy.internal:3128"))?;
    if !(scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")) {
        return Err(err("the proxy must be an http:// or https:// URL"));
    }
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    if !tail.trim_end_matches('/').is_empty() {
        return Err(err("a proxy URL takes no path, query or fragment"));
    }
    let host_part = match authority.split_once('@') {
        Some((userinfo, host)) => {
            if host.contains('@') || userinfo.is_empty() {
                return Err(err("a proxy URL takes at most one user:password@"));
            }
            if !userinfo
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:%".contains(&b))
            {
                return Err(err(
                    "the proxy's user name or password must be percent-encoded",
                ));
            }
            host
        }
        None => authority,
    };
    let url = format!("{scheme}://{host_part}");
    let host = check_url(&url, field, UrlRules::Base)?.host;
    Ok(host.to_string())
}

/// The roots both clients trust: the Mozilla bundle, and the certificates of
/// each PEM text in `extra_pem`.
#[cfg(any(feature = "blocking", feature = "async"))]
pub(crate) fn trusted_roots(
    extra_pem: &[Vec<u8>],
) -> Result<Vec<rustls_pki_types::CertificateDer<'static>>, ValidationError> {
    use rustls_pki_types::pem::PemObject;
    let err = |reason: &str| ValidationError::new("root_certificates", reason);
    let mut roots = webpki_root_certs::TLS_SERVER_ROOT_CERTS.to_vec();
    for pem in extra_pem {
        let before = roots.len();
        for cert in rustls_pki_types::CertificateDer::pem_slice_iter(pem) {
            roots.push(cert.map_err(|_| {
                err("the PEM text is malformed: pass one or more -----BEGIN CERTIFICATE----- blocks")
            })?);
        }
        if roots.len() == before {
            return Err(err(
                "no certificate in the PEM text: pass one or more -----BEGIN CERTIFICATE----- blocks",
            ));
        }
    }
    Ok(roots)
}

/// Whether a TLS library error is anywhere in `error`'s chain: a handshake or
/// certificate failure, whichever HTTP library wrapped it and however deep.
#[cfg(any(feature = "blocking", feature = "async"))]
pub(crate) fn is_tls_failure(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(error);
    // Bounded: a chain is short, and a cyclic one must not hang the caller.
    for _ in 0..32 {
        let Some(e) = next else { return false };
        if e.is::<rustls::Error>() {
            return true;
        }
        // `io::Error::source` skips the error it wraps, so look inside it.
        if let Some(inner) = e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            && is_tls_failure(inner)
        {
            return true;
        }
        next = e.source();
    }
    false
}

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

    #[test]
    fn host_extraction() {
        assert_eq!(host_of("example.com:8080/x"), Some("example.com"));
        assert_eq!(host_of("[::1]:80"), Some("::1"));
        assert_eq!(host_of("u:p@h/x"), Some("h"));
        assert_eq!(host_of("/path"), None);
        let host = |url: &str| check_url(url, "url", UrlRules::Webhook).map(|c| c.host);
        assert!(host("http://127.0.0.1").unwrap().is_loopback());
        assert!(host("http://[::1]:1").unwrap().is_loopback());
        assert!(host("http://LocalHost").unwrap().is_loopback());
        assert!(!host("http://128.0.0.1").unwrap().is_loopback());
        assert!(!host("http://example.com").unwrap().is_loopback());
        assert!(host("http://[::1]").unwrap().is("[::1]"));
        assert!(host("http://[::1]").unwrap().is("::1"));
        assert!(host("http://EXAMPLE.com").unwrap().is("example.COM"));
        assert!(!host("http://127.0.0.1").unwrap().is("127.0.0.2"));
    }

    #[test]
    fn proxies_are_resolved_the_same_way_for_both_modes() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        let https = Environment::custom("https://api.example.com").unwrap();
        let local = Environment::custom("http://127.0.0.1:8080").unwrap();
        let all = vars(&[
            ("HTTP_PROXY", "http://127.0.0.2:1"),
            ("HTTPS_PROXY", "http://127.0.0.2:2"),
            ("ALL_PROXY", "http://127.0.0.2:3"),
        ]);
        let env = Proxy::from_env();
        // Plain http never goes through a proxy, not even one set explicitly.
        assert_eq!(env.resolve(&local, all), Ok(None));
        let explicit = Proxy::url("http://127.0.0.2:9").unwrap();
        assert_eq!(explicit.resolve(&local, all), Ok(None));
        assert_eq!(
            explicit.resolve(&https, all),
            Ok(Some("http://127.0.0.2:9".into()))
        );
        assert_eq!(
            env.resolve(&https, all),
            Ok(Some("http://127.0.0.2:2".into()))
        );
        assert_eq!(Proxy::none().resolve(&https, all), Ok(None));
        let lower = vars(&[("all_proxy", "127.0.0.2:3128")]);
        assert_eq!(
            env.resolve(&https, lower),
            Ok(Some("http://127.0.0.2:3128".into()))
        );
        let http_only = vars(&[("HTTP_PROXY", "http://127.0.0.2:1")]);
        assert_eq!(env.resolve(&https, http_only), Ok(None));
        for no_proxy in [
            "*",
            "api.example.com",
            "example.com",
            ".example.com",
            "x, EXAMPLE.com",
        ] {
            let listed = move |name: &str| match name {
                "HTTPS_PROXY" => Some("http://127.0.0.2:2".to_owned()),
                "NO_PROXY" => Some(no_proxy.to_owned()),
                _ => None,
            };
            assert_eq!(env.resolve(&https, listed), Ok(None), "{no_proxy}");
        }
        let other = |name: &str| match name {
            "HTTPS_PROXY" => Some("http://127.0.0.2:2".to_owned()),
            "NO_PROXY" => Some("ample.com,other.example.com".to_owned()),
            _ => None,
        };
        assert!(env.resolve(&https, other).unwrap().is_some());
        // A bad variable is named, and its value (maybe a password) is not shown.
        let bad = vars(&[("HTTPS_PROXY", "socks5://user:hunter2@127.0.0.2:1")]);
        let e = env.resolve(&https, bad).unwrap_err();
        assert!(e.reason.contains("HTTPS_PROXY"), "{}", e.reason);
        assert!(!e.reason.contains("hunter2"), "{}", e.reason);
        assert!(Proxy::url("http://a@b@127.0.0.2").is_err());
        assert!(Proxy::url("http://127.0.0.2/path").is_err());
        let with_password = Proxy::url("http://user:hunter2@127.0.0.2:3128").unwrap();
        assert_eq!(format!("{with_password:?}"), "Proxy::url(127.0.0.2)");
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
