//! The one URL check of the crate, and the hosts it returns.

use std::fmt;

use crate::error::ValidationError;

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

#[cfg(test)]
mod tests {
    use super::*;

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
}

#[cfg(test)]
mod table;
