//! The emulator's rules over raw HTTP: everything the client refuses to send
//! (so cannot test), the token endpoint, and the HTTP layer's robustness.
#![cfg(feature = "emulator")]

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use revolut_webhooks::ManualClock;
use revolut_webhooks::emulator::Emulator;
use serde_json::json;
use support::{Raw, raw};
use time::macros::datetime;

const JSON: &str = "application/json";
const FORM: &str = "application/x-www-form-urlencoded";
const JWT_BEARER: &str = "urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer";

struct Api {
    emu: Emulator,
    token: String,
}

impl Api {
    fn new() -> Api {
        Api::with(Emulator::builder())
    }

    fn with(builder: revolut_webhooks::emulator::EmulatorBuilder) -> Api {
        let emu = builder.start().unwrap();
        let token = emu.access_token().expose_secret().to_owned();
        Api { emu, token }
    }

    fn call(&self, method: &str, path: &str, body: Option<&str>) -> Raw {
        raw(
            self.emu.base_url(),
            method,
            &format!("/api/2.0{path}"),
            Some(&self.token),
            body.map(|b| (JSON, b)),
        )
    }

    fn create(&self, body: &str) -> Raw {
        self.call("POST", "/webhooks", Some(body))
    }

    fn token(&self, form: &str) -> Raw {
        raw(
            self.emu.base_url(),
            "POST",
            "/api/1.0/auth/token",
            None,
            Some((FORM, form)),
        )
    }
}

fn assert_error(r: &Raw, status: u16, code: i64, message: &str) {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(r.body["code"], code, "{}", r.text);
    assert_eq!(r.body["message"], message, "{}", r.text);
}

#[test]
fn webhook_urls_must_be_https() {
    let api = Api::new();
    for url in [
        "http://example.com/hook",
        "http://127.0.0.1:8080/hook",
        "ftp://example.com",
    ] {
        let r = api.create(&json!({ "url": url }).to_string());
        assert_error(&r, 400, 3000, "url must use the https protocol");
    }
    for url in ["example.com", "https://", "https://exa mple.com"] {
        let r = api.create(&json!({ "url": url }).to_string());
        assert_eq!(
            (r.status, r.body["code"].as_i64()),
            (400, Some(3000)),
            "{url}"
        );
    }
    let r = api.create(r#"{"url":"https://www.example.com"}"#);
    assert_eq!(r.status, 201);
    // PATCH checks the URL the same way.
    let id = r.body["id"].as_str().unwrap();
    let r = api.call(
        "PATCH",
        &format!("/webhooks/{id}"),
        Some(r#"{"url":"http://example.com"}"#),
    );
    assert_error(&r, 400, 3000, "url must use the https protocol");
}

#[test]
fn loopback_http_urls_only_when_allowed() {
    let api = Api::with(Emulator::builder().allow_loopback_http(true));
    let r = api.create(r#"{"url":"http://127.0.0.1:9/hook"}"#);
    assert_eq!(r.status, 201, "{}", r.text);
    let r = api.create(r#"{"url":"http://localhost:9/hook"}"#);
    assert_eq!(r.status, 201, "{}", r.text);
    let r = api.create(r#"{"url":"http://example.com/hook"}"#);
    assert_error(&r, 400, 3000, "url must use the https protocol");
}

#[test]
fn create_requires_a_url_and_known_events() {
    let api = Api::new();
    assert_error(
        &api.create(r#"{"events":["TransactionCreated"]}"#),
        400,
        3000,
        "Required 'url' is missing",
    );
    assert_error(
        &api.create(r#"{"url":null}"#),
        400,
        3000,
        "Required 'url' is missing",
    );
    for body in [
        r#"{"url":"https://x.com","events":["CardCreated"]}"#,
        r#"{"url":"https://x.com","events":"TransactionCreated"}"#,
        r#"{"url":"https://x.com","events":[]}"#,
        r#"{"url":"https://x.com","events":[1]}"#,
        r#"{"url":5}"#,
        r#"[1]"#,
        "not json",
        "",
    ] {
        let r = api.create(body);
        assert_eq!(
            (r.status, r.body["code"].as_i64()),
            (400, Some(3000)),
            "{body}: {}",
            r.text
        );
    }
    let r = api.create(
        r#"{"url":"https://x.com","events":["PayoutLinkCreated","PayoutLinkCreated","TransactionCreated"]}"#,
    );
    assert_eq!(
        r.body["events"],
        json!(["PayoutLinkCreated", "TransactionCreated"])
    );
    assert!(
        r.body["signing_secret"]
            .as_str()
            .unwrap()
            .starts_with("wsk_")
    );
    let list = api.call("GET", "/webhooks", None);
    assert_eq!(list.status, 200);
    assert!(
        list.body[0].get("signing_secret").is_none(),
        "list has no secrets"
    );
}

#[test]
fn patch_needs_url_or_events_and_returns_no_secret() {
    let api = Api::new();
    let id = api.create(r#"{"url":"https://x.com"}"#).body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/webhooks/{id}");
    for body in ["{}", r#"{"url":null,"events":null}"#, r#"{"other":1}"#] {
        assert_error(
            &api.call("PATCH", &path, Some(body)),
            400,
            3000,
            "url or events must be provided",
        );
    }
    let r = api.call("PATCH", &path, Some(r#"{"events":["PayoutLinkCreated"]}"#));
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body,
        json!({"id": id, "url": "https://x.com", "events": ["PayoutLinkCreated"]})
    );
    let r = api.call("PATCH", &path, Some(r#"{"events":["Nope"]}"#));
    assert_eq!((r.status, r.body["code"].as_i64()), (400, Some(3000)));
}

#[test]
fn malformed_ids_are_400_2101() {
    let api = Api::new();
    for (method, path, body) in [
        ("GET", "/webhooks/not-a-uuid", None),
        ("PATCH", "/webhooks/123", Some("{}")),
        ("DELETE", "/webhooks/xyz", None),
        ("POST", "/webhooks/xyz/rotate-signing-secret", Some("{}")),
        ("GET", "/webhooks/xyz/failed-events", None),
    ] {
        assert_error(
            &api.call(method, path, body),
            400,
            2101,
            "Something went wrong",
        );
    }
}

#[test]
fn delete_answers_204_then_404() {
    let api = Api::new();
    let id = api.create(r#"{"url":"https://x.com"}"#).body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = api.call("DELETE", &format!("/webhooks/{id}"), None);
    assert_eq!((r.status, r.text.as_str()), (204, ""));
    assert_error(
        &api.call("DELETE", &format!("/webhooks/{id}"), None),
        404,
        3040,
        "Webhook not found",
    );
}

#[test]
fn failed_events_limit_is_1_to_1000() {
    let api = Api::new();
    let id = api.create(r#"{"url":"https://x.com"}"#).body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for limit in ["0", "1001", "-1", "abc", "", "1.5"] {
        assert_error(
            &api.call(
                "GET",
                &format!("/webhooks/{id}/failed-events?limit={limit}"),
                None,
            ),
            400,
            2101,
            "limit must be between 1 and 1000",
        );
    }
    for limit in ["1", "1000", "100"] {
        let r = api.call(
            "GET",
            &format!("/webhooks/{id}/failed-events?limit={limit}"),
            None,
        );
        assert_eq!((r.status, r.body.clone()), (200, json!([])), "{limit}");
    }
}

#[test]
fn created_before_takes_a_date_or_date_time_within_21_days() {
    let clock = ManualClock::new(datetime!(2023-08-01 13:11:39.623178 UTC));
    let api = Api::with(Emulator::builder().clock(clock));
    let id = api.create(r#"{"url":"https://x.com"}"#).body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let get = |bound: &str| {
        api.call(
            "GET",
            &format!("/webhooks/{id}/failed-events?created_before={bound}"),
            None,
        )
    };
    // The documented example, to the microsecond.
    assert_error(
        &get("2023-07-10T16:22:21.297570Z"),
        400,
        2101,
        "created_before must be after 2023-07-11T13:11:39.623178Z, but is: 2023-07-10T16:22:21.297570Z",
    );
    assert_error(
        &get("2023-07-11"),
        400,
        2101,
        "created_before must be after 2023-07-11T13:11:39.623178Z, but is: 2023-07-11T00:00:00.000000Z",
    );
    for ok in [
        "2023-07-12",
        "2023-07-11T13:11:39.623178Z",
        "2023-07-20T10:00:00%2B02:00",
        "2023-08-01T13:11:39Z",
        "2024-01-01",
    ] {
        assert_eq!(get(ok).status, 200, "{ok}: {}", get(ok).text);
    }
    for bad in ["yesterday", "2023-13-01", "2023-7-1", "1690000000"] {
        let r = get(bad);
        assert_eq!(
            (r.status, r.body["code"].as_i64()),
            (400, Some(2101)),
            "{bad}"
        );
    }
}

#[test]
fn rotate_requires_a_body_and_a_period_of_at_most_7_days() {
    let api = Api::new();
    let id = api.create(r#"{"url":"https://x.com"}"#).body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/webhooks/{id}/rotate-signing-secret");
    let r = raw(
        api.emu.base_url(),
        "POST",
        &format!("/api/2.0{path}"),
        Some(&api.token),
        None,
    );
    assert_error(&r, 400, 2101, "Required request body is missing");
    for bad in [
        r#"{"expiration_period":"P8D"}"#,
        r#"{"expiration_period":"PT5H30"}"#,
        r#"{"expiration_period":"P1M"}"#,
        r#"{"expiration_period":5}"#,
        "nope",
    ] {
        let r = api.call("POST", &path, Some(bad));
        assert_eq!(
            (r.status, r.body["code"].as_i64()),
            (400, Some(2101)),
            "{bad}: {}",
            r.text
        );
    }
    for ok in [
        "{}",
        r#"{"expiration_period":"P0D"}"#,
        r#"{"expiration_period":null}"#,
    ] {
        let r = api.call("POST", &path, Some(ok));
        assert_eq!(r.status, 200, "{ok}: {}", r.text);
        assert!(
            r.body["signing_secret"]
                .as_str()
                .unwrap()
                .starts_with("wsk_")
        );
    }
    let r = api.call("POST", &path, Some(r#"{"expiration_period":"P7D"}"#));
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(api.emu.active_signing_secrets(id.parse().unwrap()).len(), 2);
}

#[test]
fn bearer_auth_is_required_on_api_2_0() {
    let api = Api::new();
    let base = api.emu.base_url();
    let missing = raw(base, "GET", "/api/2.0/webhooks", None, None);
    assert_eq!(missing.status, 401);
    assert_eq!(missing.body["code"], 1000);
    assert_eq!(
        missing.body["message"],
        "Invalid token. The authorization header must follow the 'Bearer <token>' format."
    );
    assert!(missing.body["error_id"].is_string());
    let wrong = raw(base, "GET", "/api/2.0/webhooks", Some("nope"), None);
    assert_eq!(
        (wrong.status, wrong.body["code"].as_i64()),
        (401, Some(1000))
    );
    assert!(
        wrong.body["message"]
            .as_str()
            .unwrap()
            .starts_with("Access token is invalid or has expired.")
    );
    // Even a bad id is refused for want of a token first.
    let r = raw(base, "GET", "/api/2.0/webhooks/xyz", None, None);
    assert_eq!(r.status, 401);
}

fn code_grant(code: &str) -> String {
    format!(
        "grant_type=authorization_code&code={code}&client_id=client-1&client_assertion_type={JWT_BEARER}&client_assertion=eyJhbGciOiJSUzI1NiJ9.e30.sig"
    )
}

#[test]
fn token_endpoint_exchanges_a_code_once_and_refreshes() {
    let clock = ManualClock::new(datetime!(2026-11-25 12:00 UTC));
    let api = Api::with(
        Emulator::builder()
            .clock(clock.clone())
            .client_id("client-1")
            .authorization_code("preset-code"),
    );
    let r = api.token(&code_grant("preset-code"));
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["token_type"], "bearer");
    assert_eq!(r.body["expires_in"], 2400);
    let access = r.body["access_token"].as_str().unwrap().to_owned();
    let refresh = r.body["refresh_token"].as_str().unwrap().to_owned();
    // A code works once.
    let again = api.token(&code_grant("preset-code"));
    assert_eq!(
        (again.status, again.body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let fresh = api.emu.authorization_code();
    assert_eq!(api.token(&code_grant(&fresh)).status, 200);

    let base = api.emu.base_url();
    assert_eq!(
        raw(base, "GET", "/api/2.0/webhooks", Some(&access), None).status,
        200
    );
    clock.advance(time::Duration::minutes(40));
    assert_eq!(
        raw(base, "GET", "/api/2.0/webhooks", Some(&access), None).status,
        401
    );

    let r = api.token(&format!(
        "grant_type=refresh_token&refresh_token={refresh}&client_assertion_type={JWT_BEARER}&client_assertion=jwt"
    ));
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.body.get("refresh_token").is_none());
    let renewed = r.body["access_token"].as_str().unwrap();
    assert_ne!(renewed, access);
    assert_eq!(
        raw(base, "GET", "/api/2.0/webhooks", Some(renewed), None).status,
        200
    );

    let r = api.token(&format!(
        "grant_type=refresh_token&refresh_token=unknown&client_assertion_type={JWT_BEARER}&client_assertion=jwt"
    ));
    assert_eq!(
        (r.status, r.body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

#[test]
fn token_endpoint_validates_the_client_assertion_and_grant() {
    let api = Api::with(Emulator::builder().client_id("client-1"));
    let code = api.emu.authorization_code();
    let cases = [
        (
            format!("grant_type=authorization_code&code={code}&client_assertion=jwt"),
            401,
            "invalid_client",
        ),
        (
            format!(
                "grant_type=authorization_code&code={code}&client_assertion_type=basic&client_assertion=jwt"
            ),
            401,
            "invalid_client",
        ),
        (
            format!("grant_type=authorization_code&code={code}&client_assertion_type={JWT_BEARER}"),
            401,
            "invalid_client",
        ),
        (
            format!(
                "grant_type=authorization_code&code={code}&client_assertion_type={JWT_BEARER}&client_assertion="
            ),
            401,
            "invalid_client",
        ),
        (
            format!(
                "grant_type=authorization_code&code={code}&client_id=other&client_assertion_type={JWT_BEARER}&client_assertion=jwt"
            ),
            401,
            "invalid_client",
        ),
        (
            format!("grant_type=password&client_assertion_type={JWT_BEARER}&client_assertion=jwt"),
            400,
            "unsupported_grant_type",
        ),
        (
            format!("client_assertion_type={JWT_BEARER}&client_assertion=jwt"),
            400,
            "invalid_request",
        ),
        (
            format!(
                "grant_type=authorization_code&client_assertion_type={JWT_BEARER}&client_assertion=jwt"
            ),
            400,
            "invalid_request",
        ),
    ];
    for (form, status, error) in cases {
        let r = api.token(&form);
        assert_eq!(
            (r.status, r.body["error"].as_str()),
            (status, Some(error)),
            "{form}"
        );
    }
    let r = raw(
        api.emu.base_url(),
        "POST",
        "/api/1.0/auth/token",
        None,
        Some((JSON, r#"{"grant_type":"authorization_code"}"#)),
    );
    assert_eq!(
        (r.status, r.body["error"].as_str()),
        (400, Some("invalid_request"))
    );
    // None of the refusals used up the code.
    assert_eq!(api.token(&code_grant(&code)).status, 200);
}

#[test]
fn unknown_routes_and_methods_are_refused() {
    let api = Api::new();
    assert_eq!(api.call("GET", "/accounts", None).status, 404);
    assert_eq!(api.call("PUT", "/webhooks", Some("{}")).status, 405);
    let r = raw(api.emu.base_url(), "GET", "/nothing", None, None);
    assert_eq!(r.status, 404);
}

fn exchange(emu: &Emulator, raw_request: &[u8]) -> String {
    let mut s = TcpStream::connect(emu.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    // The server may refuse (and close) before reading everything: that is the point.
    let _ = s.write_all(raw_request);
    let _ = s.shutdown(std::net::Shutdown::Write);
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

#[test]
fn oversized_chunked_and_garbage_requests_are_refused_safely() {
    let api = Api::new();
    // The head announces 2 MiB: refused from the head alone, before any body is read.
    let out = exchange(
        &api.emu,
        format!(
            "POST /api/2.0/webhooks HTTP/1.1\r\nContent-Length: {}\r\n\r\n{{}}",
            2 * 1024 * 1024
        )
        .as_bytes(),
    );
    assert!(
        out.starts_with("HTTP/1.1 413"),
        "{}",
        &out[..out.len().min(80)]
    );
    let out = exchange(
        &api.emu,
        b"POST /api/2.0/webhooks HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    );
    assert!(out.starts_with("HTTP/1.1 411"), "{out}");
    let out = exchange(
        &api.emu,
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
    );
    assert!(out.starts_with("HTTP/1.1 400"), "{out}");
    // Still serving.
    assert_eq!(api.call("GET", "/webhooks", None).status, 200);
}

#[test]
fn control_endpoints_drive_a_standalone_emulator() {
    let api = Api::with(Emulator::builder().retry_interval(Duration::from_millis(1)));
    let base = api.emu.base_url();
    assert_eq!(
        raw(base, "GET", "/_emulator/health", None, None).status,
        200
    );
    api.create(r#"{"url":"https://127.0.0.1:1/hook","events":["PayoutLinkCreated"]}"#);
    let r = raw(
        base,
        "POST",
        "/_emulator/events",
        None,
        Some((JSON, r#"{"event":"PayoutLinkCreated"}"#)),
    );
    assert_eq!(
        (r.status, r.body["webhooks"].as_u64()),
        (202, Some(1)),
        "{}",
        r.text
    );
    let r = raw(
        base,
        "POST",
        "/_emulator/events",
        None,
        Some((JSON, r#"{"event":"TransactionCreated"}"#)),
    );
    assert_eq!(r.body["webhooks"], 0, "not subscribed");
    assert!(api.emu.wait_idle(Duration::from_secs(10)));
    let r = raw(base, "POST", "/_emulator/events", None, Some((JSON, "{}")));
    assert_eq!(r.status, 400);
    let code = raw(
        base,
        "POST",
        "/_emulator/authorization-code",
        None,
        Some((JSON, "")),
    );
    let code = code.body["code"].as_str().unwrap().to_owned();
    assert_eq!(api.token(&code_grant(&code)).status, 200);
}

#[test]
fn random_codes_are_uniform_at_every_position() {
    // Each position of a random string must be uniform over the 62 letters and
    // digits. Strings cut from UUIDv4 bytes are not: the version bits confine the
    // character drawn from byte 6 to 16 of them.
    const ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    const DRAWS: usize = 6200;
    let emu = Emulator::start().unwrap();
    let mut counts = vec![[0usize; 62]; 24];
    for _ in 0..DRAWS {
        let code = emu.authorization_code();
        let random = code.strip_prefix("oa_emu_code_").unwrap();
        assert_eq!(random.len(), 24, "{code}");
        for (position, c) in random.chars().enumerate() {
            let index = ALPHABET.find(c).unwrap_or_else(|| panic!("{code}"));
            counts[position][index] += 1;
        }
    }
    // Uniform: 100 of each character per position, standard deviation about 10.
    // Outside 33..=200 is more than 6.5 deviations away: it does not happen by chance.
    for (position, row) in counts.iter().enumerate() {
        for (index, &n) in row.iter().enumerate() {
            let c = &ALPHABET[index..=index];
            assert!(
                (33..=200).contains(&n),
                "position {position}: {c:?} drawn {n} times in {DRAWS}"
            );
        }
    }
}
