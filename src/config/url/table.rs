//! `check_url`, spelling by spelling: what it accepts (and reads as which host), and
//! what it refuses (and says why). Each refusal is matched by a piece of its reason,
//! so a spelling refused for another reason than the one meant fails the test.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::*;

fn domain(name: &str) -> Host {
    Host::Domain(name.to_owned())
}

fn v4(a: u8, b: u8, c: u8, d: u8) -> Host {
    Host::Ip(IpAddr::V4(Ipv4Addr::new(a, b, c, d)))
}

fn reason(url: &str, rules: UrlRules) -> String {
    match check_url(url, "url", rules) {
        Ok(checked) => panic!("{url:?} was accepted as {checked:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn accepted_spellings_and_their_hosts() {
    let label63 = "a".repeat(63);
    let name253 = format!("{label63}.{label63}.{label63}.{}", "b".repeat(61));
    assert_eq!(name253.len(), 253);
    let cases: Vec<(String, Scheme, Host)> = vec![
        (
            "https://example.com".into(),
            Scheme::Https,
            domain("example.com"),
        ),
        (
            "HTTP://Example.COM:8080/a/b?x=1&y=%2F".into(),
            Scheme::Http,
            domain("example.com"),
        ),
        ("hTTpS://h".into(), Scheme::Https, domain("h")),
        (
            "ftp://example.com".into(),
            Scheme::Other,
            domain("example.com"),
        ),
        ("s+x-y.z9://h".into(), Scheme::Other, domain("h")),
        (
            "https://127.0.0.1:1/".into(),
            Scheme::Https,
            v4(127, 0, 0, 1),
        ),
        ("https://0.0.0.0".into(), Scheme::Https, v4(0, 0, 0, 0)),
        (
            "https://10.200.99.255".into(),
            Scheme::Https,
            v4(10, 200, 99, 255),
        ),
        (
            "https://[::1]:65535/x".into(),
            Scheme::Https,
            Host::Ip(IpAddr::V6(Ipv6Addr::LOCALHOST)),
        ),
        (
            "https://[::1]".into(),
            Scheme::Https,
            Host::Ip(IpAddr::V6(Ipv6Addr::LOCALHOST)),
        ),
        (
            "https://a-b.c-d.e".into(),
            Scheme::Https,
            domain("a-b.c-d.e"),
        ),
        (
            "https://xn--bcher-kva.example".into(),
            Scheme::Https,
            domain("xn--bcher-kva.example"),
        ),
        // A number inside a name is no address: only the last label decides.
        (
            "https://1.2.3.example".into(),
            Scheme::Https,
            domain("1.2.3.example"),
        ),
        ("https://a.0xg".into(), Scheme::Https, domain("a.0xg")),
        (
            format!("https://{label63}.x"),
            Scheme::Https,
            domain(&format!("{label63}.x")),
        ),
        (
            format!("https://{name253}/"),
            Scheme::Https,
            domain(&name253),
        ),
        ("https://h:65535".into(), Scheme::Https, domain("h")),
        ("https://h:1".into(), Scheme::Https, domain("h")),
    ];
    for (url, scheme, host) in cases {
        let checked =
            check_url(&url, "url", UrlRules::Webhook).unwrap_or_else(|e| panic!("{url:?}: {e}"));
        assert_eq!((checked.scheme, &checked.host), (scheme, &host), "{url}");
        assert_eq!(checked.after_scheme, &url[url.find("://").unwrap() + 3..]);
    }
}

#[test]
fn refused_spellings_say_why() {
    let long_label = format!("https://{}.x", "a".repeat(64));
    let long_name = format!("https://{}", vec!["a".repeat(63); 4].join("."));
    assert_eq!(long_name.len() - 8, 255);
    let cases: &[(&str, &str)] = &[
        ("https://exa mple.com", "whitespace or control"),
        ("https://h/\u{7f}", "whitespace or control"),
        ("https://h/\t", "whitespace or control"),
        ("https://bücher.de", "non-ASCII"),
        ("https://h\\@evil", "backslash"),
        ("example.com", "absolute URL"),
        ("1http://h", "absolute URL"),
        ("ht_tp://h", "absolute URL"),
        ("://h", "absolute URL"),
        ("https://user@h", "user name or password"),
        ("https://u:p@h/", "user name or password"),
        ("https://h%41", "percent-encoded"),
        ("https://", "no host"),
        ("https://:443", "no host"),
        ("https:///path", "no host"),
        ("https://h.", "ends with a dot"),
        ("https://h_x", "only letters, digits"),
        ("https://h!x", "only letters, digits"),
        ("https://a..b", "empty or over-long label"),
        ("https://.a", "empty or over-long label"),
        (&long_label, "empty or over-long label"),
        (&long_name, "empty or over-long label"),
        ("https://2130706433", "dotted-quad"),
        ("https://0x7f.1", "dotted-quad"),
        ("https://0X7F.0.0.1", "dotted-quad"),
        ("https://a.0x", "dotted-quad"),
        ("https://a.0Xff", "dotted-quad"),
        ("https://127.1", "dotted-quad"),
        ("https://0177.0.0.1", "dotted-quad"),
        ("https://01.2.3.4", "dotted-quad"),
        ("https://1.2.3.04", "dotted-quad"),
        ("https://1.2.3.256", "dotted-quad"),
        ("https://1.2.3.4.5", "dotted-quad"),
        ("https://1.2.3.1000", "dotted-quad"),
        ("https://a.b.c.4", "dotted-quad"),
        ("https://-a.com", "starts or ends with '-'"),
        ("https://a-.com", "starts or ends with '-'"),
        ("https://a.com-", "starts or ends with '-'"),
        ("https://h:", "port"),
        ("https://h:0", "port"),
        ("https://h:65536", "port"),
        ("https://h:123456", "port"),
        ("https://h:+80", "port"),
        ("https://h:8a", "port"),
        ("https://h:1:2", "port"),
        ("https://[::1", "no closing"),
        ("https://[zz]", "not valid"),
        ("https://[127.0.0.1]", "not valid"),
        ("https://[::1]x", "only ':port'"),
        ("https://[::1]:", "port"),
        ("https://[::1]:0", "port"),
        ("https://h/p#f", "no fragment"),
        ("https://h/%2", "two hex digits"),
        ("https://h/%", "two hex digits"),
        ("https://h/%zz", "two hex digits"),
        ("https://h/%2g", "two hex digits"),
        ("https://h/%g2", "two hex digits"),
        ("https://h/a|b", "must be percent-encoded"),
        ("https://h/a\"b", "must be percent-encoded"),
        ("https://h/?a=<b>", "must be percent-encoded"),
    ];
    for (url, why) in cases {
        let got = reason(url, UrlRules::Webhook);
        assert!(got.contains(why), "{url:?}: {got}");
        assert!(got.contains("url"), "{url:?}: the field is named: {got}");
    }
}

#[test]
fn webhook_urls_take_a_query_and_escapes_base_urls_neither() {
    for url in [
        "https://h/p?q=a%20b",
        "https://h/?",
        "https://h/a?b?c",
        "https://h/p:@!$&'()*+,;=~_-.",
        "https://h/%AF%af%09",
        "https://h",
    ] {
        assert!(check_url(url, "url", UrlRules::Webhook).is_ok(), "{url}");
    }
    for url in [
        "https://h/p:@!$&'()*+,;=~_-.",
        "https://h",
        "https://h/a/b/",
    ] {
        assert!(check_url(url, "url", UrlRules::Base).is_ok(), "{url}");
    }
    for (url, why) in [
        ("https://h/p?q", "no query or fragment"),
        ("https://h/p#f", "no query or fragment"),
        ("https://h?", "no query or fragment"),
        ("https://h/%20", "no percent-encoding"),
        ("https://h/a|b", "must be percent-encoded"),
        ("https://h/a\"b", "must be percent-encoded"),
    ] {
        let got = reason(url, UrlRules::Base);
        assert!(got.contains(why), "{url:?}: {got}");
    }
}

#[test]
fn hosts_compare_and_print_as_other_parsers_spell_them() {
    let v6 = Host::Ip(IpAddr::V6(Ipv6Addr::LOCALHOST));
    assert_eq!(v6.to_string(), "[::1]");
    assert_eq!(v4(127, 0, 0, 1).to_string(), "127.0.0.1");
    assert_eq!(domain("example.com").to_string(), "example.com");
    assert!(v6.is("[::1]") && v6.is("::1") && v6.is("0:0:0:0:0:0:0:1"));
    assert!(!v6.is("[::2]") && !v6.is("[::1") && !v6.is("localhost"));
    assert!(v4(127, 0, 0, 1).is("127.0.0.1") && !v4(127, 0, 0, 1).is("[127.0.0.1"));
    assert!(domain("example.com").is("EXAMPLE.com"));
    assert!(!domain("example.com").is("[example.com]x"));
    assert!(!domain("example.com").is("example.co"));
    assert!(domain("localhost").is_loopback() && !domain("localhost.").is_loopback());
    assert!(!domain("localhostx").is_loopback() && !domain("example.com").is_loopback());
    assert!(v4(127, 9, 9, 9).is_loopback() && !v4(126, 0, 0, 1).is_loopback());
}

#[test]
fn host_of_takes_the_host_whatever_surrounds_it() {
    assert_eq!(host_of("h"), Some("h"));
    assert_eq!(host_of("h?x"), Some("h"));
    assert_eq!(host_of("h#x"), Some("h"));
    assert_eq!(host_of("a@b@h:1"), Some("h"));
    assert_eq!(host_of("[::1]/x"), Some("::1"));
    assert_eq!(host_of(""), None);
    assert_eq!(host_of(":80"), None);
    assert_eq!(host_of("[]"), None);
}
