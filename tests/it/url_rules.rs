//! The crate's one URL rule, against a table of hostile spellings: through
//! `Environment::custom` (which the client, the refreshing provider and the CLI
//! all use), the CLI's `--environment`, webhook URLs, and the emulator's rule for
//! registered URLs. Each spelling is refused with a `ValidationError` naming the
//! reason, or accepted with exactly the host that `url::Url` (reqwest's parser)
//! and `http::Uri` (ureq's) read from it.

use revolut_webhooks::{CreateWebhook, Environment};

/// `Ok(host)`: accepted, and this is the host both parsers must see.
/// `Err(fragment)`: refused, with a reason containing `fragment`.
const TABLE: &[(&str, Result<&str, &str>)] = &[
    // Backslashes: WHATWG reads `\` as `/`.
    ("http://127.0.0.2:18099\\@127.0.0.1", Err("backslash")),
    ("http://127.0.0.2\\127.0.0.1", Err("backslash")),
    ("http://127.0.0.1\\.example.com", Err("backslash")),
    ("http://127.0.0.1/\\@127.0.0.2", Err("backslash")),
    // `@` in many places: user info.
    ("http://127.0.0.2@127.0.0.1", Err("user name or password")),
    ("http://user:pw@127.0.0.1", Err("user name or password")),
    ("http://127.0.0.1@127.0.0.2", Err("user name or password")),
    ("http://@127.0.0.1", Err("user name or password")),
    ("http://a@b@127.0.0.1", Err("user name or password")),
    (
        "http://127.0.0.1:80@127.0.0.2",
        Err("user name or password"),
    ),
    ("https://user@example.com", Err("user name or password")),
    // Percent-encoding.
    ("http://127.0.0.2%40127.0.0.1", Err("percent-encoded")),
    ("http://%31%32%37.0.0.1", Err("percent-encoded")),
    ("http://[fe80::1%25lo]", Err("percent-encoded")),
    ("http://127.0.0.1/%2e%2e", Err("percent-encoding")),
    // Tabs, newlines and spaces, which WHATWG parsers strip.
    ("http://127.0.0.2\t@127.0.0.1", Err("whitespace or control")),
    ("http://127.0.0.2\n@127.0.0.1", Err("whitespace or control")),
    ("http://127.0\t.0.1", Err("whitespace or control")),
    ("http://127.0.0.1\r", Err("whitespace or control")),
    (" http://127.0.0.1", Err("whitespace or control")),
    ("http://127.0.0.1\u{0}", Err("whitespace or control")),
    ("http://exa mple.com", Err("whitespace or control")),
    // Non-ASCII.
    ("https://exämple.com", Err("non-ASCII")),
    ("http://127.0.0.1\u{ff0e}example.com", Err("non-ASCII")),
    // Look-alike loopback names.
    (
        "http://127.0.0.1.example.com",
        Err("plain http is allowed only to a loopback host"),
    ),
    (
        "http://localhost.example.com",
        Err("plain http is allowed only to a loopback host"),
    ),
    // Numbers that are not dotted-quad IPv4.
    ("http://2130706433", Err("dotted-quad")),
    ("http://0x7f000001", Err("dotted-quad")),
    ("http://0x7f.1", Err("dotted-quad")),
    ("http://0177.0.0.1", Err("dotted-quad")),
    ("http://127.1", Err("dotted-quad")),
    ("http://127.0.1", Err("dotted-quad")),
    ("http://127.0.0.01", Err("dotted-quad")),
    ("http://127.0.0.256", Err("dotted-quad")),
    ("http://1.2.3.0x4", Err("dotted-quad")),
    ("https://999999999999", Err("dotted-quad")),
    // IPv6.
    (
        "http://[::ffff:127.0.0.1]",
        Err("plain http is allowed only to a loopback host"),
    ),
    (
        "http://[::ffff:7f00:1]:80",
        Err("plain http is allowed only to a loopback host"),
    ),
    ("http://[::1", Err("closing ']'")),
    ("http://[::1]x", Err("only ':port'")),
    ("http://[::1]:", Err("port")),
    (
        "http://[127.0.0.1]",
        Err("IPv6 address in brackets is not valid"),
    ),
    // Trailing dots and odd names.
    ("http://127.0.0.1.", Err("ends with a dot")),
    ("http://localhost.", Err("ends with a dot")),
    ("https://example.com.", Err("ends with a dot")),
    ("http://127..0.1", Err("empty or over-long label")),
    ("https://exa_mple.com", Err("letters, digits")),
    ("https://-example.com", Err("starts or ends with '-'")),
    // Ports.
    ("http://127.0.0.1:0", Err("port")),
    ("http://127.0.0.1:65536", Err("port")),
    ("http://127.0.0.1:+80", Err("port")),
    ("http://127.0.0.1:8080:80", Err("port")),
    // Schemes, queries, fragments.
    ("ftp://127.0.0.1", Err("scheme must be https")),
    ("http:/127.0.0.1", Err("absolute URL")),
    ("//127.0.0.1", Err("absolute URL")),
    ("https://", Err("absolute URL")),
    ("https://:443", Err("no host")),
    ("http://127.0.0.1?x=1", Err("no query or fragment")),
    ("http://127.0.0.1#x", Err("no query or fragment")),
    // Accepted, with the host both parsers must read.
    ("http://127.0.0.1", Ok("127.0.0.1")),
    ("http://127.0.0.1:18099/prefix", Ok("127.0.0.1")),
    ("HTTP://127.0.0.1:1", Ok("127.0.0.1")),
    ("hTtP://LOCALHOST:9", Ok("localhost")),
    ("http://127.255.255.254", Ok("127.255.255.254")),
    ("http://[::1]", Ok("::1")),
    ("http://[::1]:9000/", Ok("::1")),
    ("http://[0:0:0:0:0:0:0:1]:9000", Ok("::1")),
    ("HTTPS://Example.COM:8443/revolut", Ok("example.com")),
    ("https://10.0.0.1", Ok("10.0.0.1")),
    ("https://[::ffff:127.0.0.1]", Ok("::ffff:127.0.0.1")),
    ("https://0.example.com", Ok("0.example.com")),
    ("http://127.0.0.1/@127.0.0.2", Ok("127.0.0.1")),
];

fn same_host(extracted: &str, expected: &str) -> bool {
    let bare = extracted
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(extracted);
    match (
        bare.parse::<std::net::IpAddr>(),
        expected.parse::<std::net::IpAddr>(),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => bare.eq_ignore_ascii_case(expected),
    }
}

#[test]
fn the_table_is_large_enough() {
    let hostile = TABLE.iter().filter(|(_, r)| r.is_err()).count();
    assert!(hostile >= 30, "{hostile}");
}

#[test]
fn environment_custom_refuses_or_checks_the_host_the_parsers_read() {
    for (url, expected) in TABLE {
        match (Environment::custom(url), expected) {
            (Err(e), Err(fragment)) => {
                assert_eq!(e.field, "base_url", "{url:?}");
                assert!(e.reason.contains(fragment), "{url:?}: {}", e.reason);
            }
            (Ok(env), Ok(host)) => {
                let full = format!("{}/api/2.0/webhooks", env.base_url());
                let whatwg = url::Url::parse(&full).unwrap();
                assert!(
                    same_host(whatwg.host_str().unwrap(), host),
                    "{url:?}: url::Url reads {:?}",
                    whatwg.host_str()
                );
                #[cfg(feature = "blocking")]
                {
                    let uri: ureq::http::Uri = full.parse().unwrap();
                    assert!(
                        same_host(uri.host().unwrap(), host),
                        "{url:?}: http::Uri reads {:?}",
                        uri.host()
                    );
                }
            }
            (got, _) => panic!("{url:?}: expected {expected:?}, got {got:?}"),
        }
    }
}

#[test]
fn webhook_urls_follow_the_same_rule() {
    for (url, expected) in TABLE {
        let https = url
            .strip_prefix("http://")
            .map(|rest| format!("https://{rest}"));
        let Some(https) = https else { continue };
        let result = CreateWebhook::new(&https);
        match expected {
            // Queries are fine in a webhook URL; everything else refused for a
            // base URL is refused here too, except the http-only rules.
            Err(fragment) if fragment.contains("plain http") || fragment.contains("query") => {}
            Err(fragment) if fragment.contains("percent-encoding") => {}
            Err(fragment) => {
                let e = result.expect_err(&https);
                assert_eq!(e.field, "url");
                assert!(e.reason.contains(fragment), "{https:?}: {}", e.reason);
            }
            Ok(_) => {
                result.unwrap_or_else(|e| panic!("{https:?}: {e}"));
            }
        }
    }
}

#[cfg(feature = "emulator")]
#[test]
fn the_emulator_refuses_the_same_webhook_urls() {
    use revolut_webhooks::emulator::Emulator;
    // One create per spelling: more than the 60 requests a minute Revolut allows.
    let emulator = Emulator::builder()
        .allow_loopback_http(true)
        .no_rate_limit()
        .start()
        .unwrap();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let token = format!("Bearer {}", emulator.access_token().expose_secret());
    let create = |url: &str| {
        let body = serde_json::json!({ "url": url, "events": ["TransactionCreated"] }).to_string();
        agent
            .post(&format!("{}/api/2.0/webhooks", emulator.base_url()))
            .header("authorization", &token)
            .header("content-type", "application/json")
            .send(body.as_bytes())
            .unwrap()
            .status()
            .as_u16()
    };
    let mut created = 0;
    for (url, expected) in TABLE {
        // Fine in a webhook URL (a query, percent-encoding in the path), or
        // another rule's business (the scheme, fragments).
        let other_rule =
            matches!(expected, Err(f) if f.contains("query") || f.contains("percent-encoding"));
        if url.starts_with("ftp") || url.contains('#') || other_rule {
            continue;
        }
        match expected {
            Err(_) => assert_eq!(create(url), 400, "{url:?}"),
            // At most 10 webhooks per business.
            Ok(_) if created < 10 => {
                let status = create(url);
                assert!(status == 200 || status == 201, "{url:?}: {status}");
                created += 1;
            }
            Ok(_) => {}
        }
    }
    assert!(created > 5);
}

#[cfg(feature = "cli")]
#[test]
fn the_cli_environment_flag_follows_the_same_rule() {
    const BIN: &str = env!("CARGO_BIN_EXE_revolut-webhooks");
    for (url, expected) in TABLE {
        if url.contains('\0') {
            continue; // not passable as a process argument
        }
        // An accepted URL is connected to: only 127.0.0.0/8 may be.
        if matches!(expected, Ok(host) if !host.starts_with("127.")) {
            continue;
        }
        let output = std::process::Command::new(BIN)
            .args(["list", "--environment", url])
            .env("REVOLUT_ACCESS_TOKEN", "cli-token-not-a-secret")
            .env_remove("REVOLUT_REFRESH_TOKEN")
            .env_remove("REVOLUT_ENVIRONMENT")
            .env("NO_PROXY", "*")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        // The CLI trims surrounding whitespace before checking; what is left is checked.
        let trimmed_ok = url.trim() != *url && Environment::custom(url.trim()).is_ok();
        match expected {
            Err(fragment) if !trimmed_ok => {
                assert_eq!(output.status.code(), Some(2), "{url:?}: {stderr}");
                assert!(stderr.contains(fragment), "{url:?}: {stderr}");
            }
            _ => assert_ne!(output.status.code(), Some(2), "{url:?}: {stderr}"),
        }
    }
}
