//! [`Proxy`]: whether and through which proxy the clients reach the API.

use std::fmt;

use super::Environment;
use super::url::{Host, UrlRules, check_url};
use crate::error::ValidationError;

/// Whether and through which proxy the clients reach an **https** API.
///
/// Plain http goes only to a loopback host and never through a proxy, whatever
/// this says. Both clients (blocking and async) and the refreshing token provider
/// read it the same way. The default is [`Proxy::from_env`].
///
/// ```
/// use revolut_webhooks::Proxy;
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

    /// The proxy for a request to `url`, by the one rule every HTTP agent this crate
    /// builds follows: the clients and the refreshing token provider, the emulator's
    /// deliveries, and the command-line tool's `listen --forward-to`, `replay --to`
    /// and `trigger`.
    ///
    /// - Plain `http://` is never proxied, whatever this `Proxy` says: it is meant
    ///   for a loopback host, which a proxy would not reach, and it carries tokens
    ///   and signed payloads readable to whoever relays them. `HTTP_PROXY` is
    ///   therefore never read.
    /// - `https://` goes through this proxy: with [`Proxy::from_env`], `HTTPS_PROXY`,
    ///   else `ALL_PROXY`, unless `NO_PROXY` lists the URL's host (see there).
    ///
    /// `Ok(None)` means "connect directly"; `Ok(Some(proxy_url))` names the proxy.
    /// A URL that is neither http nor https, has no valid host, or a proxy variable
    /// that is not a usable proxy URL is an error (naming the variable, never its
    /// value, which may hold a password). The URL's credentials, path and query are
    /// not looked at.
    ///
    /// ```
    /// use revolut_webhooks::Proxy;
    ///
    /// let env = Proxy::from_env();
    /// // Whatever HTTP_PROXY, HTTPS_PROXY or ALL_PROXY say:
    /// assert_eq!(env.for_url("http://127.0.0.1:3000/hooks"), Ok(None));
    /// assert_eq!(Proxy::none().for_url("https://hooks.example.com/"), Ok(None));
    /// let corporate = Proxy::url("http://proxy.internal:3128").unwrap();
    /// assert_eq!(
    ///     corporate.for_url("https://hooks.example.com/revolut?tenant=a").unwrap().as_deref(),
    ///     Some("http://proxy.internal:3128")
    /// );
    /// ```
    pub fn for_url(&self, url: &str) -> Result<Option<String>, ValidationError> {
        self.for_url_with(url, |name| std::env::var(name).ok())
    }

    /// [`Proxy::for_url`], reading variables with `var`.
    fn for_url_with(
        &self,
        url: &str,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<String>, ValidationError> {
        let err = || {
            ValidationError::new(
                "url",
                "expected an http:// or https:// URL with a valid host",
            )
        };
        let (scheme, rest) = url.trim().split_once("://").ok_or_else(err)?;
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        // Credentials are the target's business, not the proxy decision's.
        let host_port = authority.rsplit('@').next().unwrap_or_default();
        let https = if scheme.eq_ignore_ascii_case("https") {
            true
        } else if scheme.eq_ignore_ascii_case("http") {
            false
        } else {
            return Err(err());
        };
        let host = check_url(&format!("https://{host_port}"), "url", UrlRules::Base)
            .map_err(|_| err())?
            .host;
        self.resolve_for(https, &host, var)
    }

    /// The proxy URL to use for `environment`, reading variables with `var`.
    #[cfg_attr(not(any(feature = "blocking", feature = "async")), allow(dead_code))]
    pub(crate) fn resolve(
        &self,
        environment: &Environment,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<String>, ValidationError> {
        self.resolve_for(environment.is_https(), &environment.host(), var)
    }

    /// The rule itself, for a target reached over https or not, on `host`.
    fn resolve_for(
        &self,
        https: bool,
        host: &Host,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<String>, ValidationError> {
        if !https {
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
                if read("NO_PROXY").is_some_and(|list| no_proxy_lists(&list, host)) {
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn a_target_url_is_proxied_by_the_clients_rule() {
        let all = |name: &str| match name {
            "HTTP_PROXY" | "http_proxy" => Some("http://127.0.0.2:1".to_owned()),
            "HTTPS_PROXY" => Some("http://127.0.0.2:2".to_owned()),
            "ALL_PROXY" => Some("http://127.0.0.2:3".to_owned()),
            "NO_PROXY" => Some("skip.example.com".to_owned()),
            _ => None,
        };
        let env = Proxy::from_env();
        let explicit = Proxy::url("http://127.0.0.2:9").unwrap();
        // Plain http, loopback or not, with credentials, query and all: never proxied.
        for url in [
            "http://127.0.0.1:3000/hooks?tenant=a",
            "HTTP://user:pw@localhost:1/",
            "http://[::1]:8080",
            "http://hooks.example.com/x",
        ] {
            assert_eq!(env.for_url_with(url, all), Ok(None), "{url}");
            assert_eq!(explicit.for_url_with(url, all), Ok(None), "{url}");
        }
        // https: HTTPS_PROXY (never HTTP_PROXY), unless NO_PROXY lists the host.
        let remote = "https://user:pw@Hooks.Example.com:8443/revolut?tenant=b#f";
        assert_eq!(
            env.for_url_with(remote, all),
            Ok(Some("http://127.0.0.2:2".into()))
        );
        assert_eq!(
            env.for_url_with("https://127.0.0.1:8443/", all),
            Ok(Some("http://127.0.0.2:2".into()))
        );
        assert_eq!(env.for_url_with("https://skip.example.com/", all), Ok(None));
        assert_eq!(
            explicit.for_url_with(remote, all),
            Ok(Some("http://127.0.0.2:9".into()))
        );
        assert_eq!(Proxy::none().for_url_with(remote, all), Ok(None));
        let http_only =
            |name: &str| (name == "HTTP_PROXY").then(|| "http://127.0.0.2:1".to_owned());
        assert_eq!(env.for_url_with(remote, http_only), Ok(None));
        for bad in [
            "ftp://example.com/",
            "example.com",
            "https://",
            "https://exa mple.com/",
        ] {
            assert!(env.for_url_with(bad, all).is_err(), "{bad}");
        }
    }
}
