//! The emulator's rules over raw HTTP: everything the client refuses to send
//! (so cannot test), the token endpoint, and the HTTP layer's robustness.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::support::{Raw, raw};
use revolut_webhooks::ManualClock;
use revolut_webhooks::emulator::Emulator;
use serde_json::json;
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

    fn emu_webhook_count(&self) -> usize {
        let r = self.call("GET", "/webhooks", None);
        r.body.as_array().map_or(usize::MAX, Vec::len)
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
fn unknown_routes_and_methods_answer_code_and_message_like_other_errors() {
    let api = Api::new();
    let base = api.emu.base_url();
    for (r, status) in [
        (api.call("GET", "/accounts", None), 404),
        (api.call("GET", "/webhooks/x/y/z", None), 404),
        (raw(base, "GET", "/nothing", None, None), 404),
        (raw(base, "GET", "/_emulator/nothing", None, None), 404),
        (api.call("PUT", "/webhooks", Some("{}")), 405),
        (api.call("DELETE", "/webhooks", None), 405),
        (raw(base, "GET", "/api/1.0/auth/token", None, None), 405),
    ] {
        assert_eq!(r.status, status, "{}", r.text);
        assert_eq!(r.body["code"], status, "{}", r.text);
        assert!(r.body["message"].is_string(), "{}", r.text);
    }
}

#[test]
fn trailing_and_doubled_slashes_are_not_paths_of_the_api() {
    let api = Api::new();
    let id = api.create(r#"{"url":"https://x.com"}"#).body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for path in [
        "/webhooks/".to_owned(),
        format!("/webhooks/{id}/"),
        format!("/webhooks//{id}"),
        format!("/webhooks/{id}/failed-events/"),
    ] {
        let r = api.call("GET", &path, None);
        assert_eq!(
            (r.status, r.body["code"].as_i64()),
            (404, Some(404)),
            "{path}: {}",
            r.text
        );
    }
    let r = raw(
        api.emu.base_url(),
        "POST",
        "/api/1.0/auth/token/",
        None,
        Some((FORM, "")),
    );
    assert_eq!(r.status, 404, "{}", r.text);
    let r = raw(api.emu.base_url(), "GET", "/_emulator/health/", None, None);
    assert_eq!(r.status, 404, "{}", r.text);
    // The exact paths still work.
    assert_eq!(api.call("GET", "/webhooks", None).status, 200);
    assert_eq!(
        api.call("GET", &format!("/webhooks/{id}"), None).status,
        200
    );
}

#[test]
fn json_bodies_must_be_declared_application_json() {
    let api = Api::new();
    let base = api.emu.base_url();
    let body = r#"{"url":"https://x.com"}"#;
    let send = |method: &str, path: &str, content_type: Option<&str>, body: &str| {
        let path = format!("/api/2.0{path}");
        match content_type {
            Some(t) => raw(base, method, &path, Some(&api.token), Some((t, body))),
            None => {
                let request = format!(
                    "{method} {path} HTTP/1.1\r\nAuthorization: Bearer {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    api.token,
                    body.len()
                );
                parse(&exchange(&api.emu, request.as_bytes()))
            }
        }
    };
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("application/jsonx"),
        None,
    ] {
        assert_error(
            &send("POST", "/webhooks", content_type, body),
            400,
            3000,
            "Content-Type must be application/json",
        );
    }
    assert_eq!(api.emu_webhook_count(), 0);
    let id = api.create(body).body["id"].as_str().unwrap().to_owned();
    assert_error(
        &send(
            "PATCH",
            &format!("/webhooks/{id}"),
            Some("text/plain"),
            body,
        ),
        400,
        3000,
        "Content-Type must be application/json",
    );
    assert_error(
        &send(
            "POST",
            &format!("/webhooks/{id}/rotate-signing-secret"),
            None,
            "{}",
        ),
        400,
        2101,
        "Content-Type must be application/json",
    );
    // Parameters and case do not matter.
    for content_type in ["application/json; charset=utf-8", "Application/JSON"] {
        let r = send("POST", "/webhooks", Some(content_type), body);
        assert_eq!(r.status, 201, "{content_type}: {}", r.text);
    }
}

#[test]
fn repeated_or_malformed_query_parameters_are_400_2101() {
    let api = Api::new();
    let id = api.create(r#"{"url":"https://x.com"}"#).body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for query in [
        "limit=1&limit=2",
        "limit=5&limit=5",
        "created_before=2026-01-01&created_before=2026-01-02",
        "limit=%205",
        "limit=5%20",
        "limit=+5",
        "limit=%2B5",
        "limit=5&limit",
    ] {
        let r = api.call(
            "GET",
            &format!("/webhooks/{id}/failed-events?{query}"),
            None,
        );
        assert_eq!(
            (r.status, r.body["code"].as_i64()),
            (400, Some(2101)),
            "{query}: {}",
            r.text
        );
    }
    let r = api.call(
        "GET",
        &format!("/webhooks/{id}/failed-events?limit=1&limit=2"),
        None,
    );
    assert_error(&r, 400, 2101, "limit must be given at most once");
    let r = api.call(
        "GET",
        &format!("/webhooks/{id}/failed-events?limit=5"),
        None,
    );
    assert_eq!(r.status, 200, "{}", r.text);
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

/// Status and JSON body of a raw answer.
fn parse(answer: &str) -> Raw {
    let status = answer.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let text = answer
        .split_once("\r\n\r\n")
        .map_or("", |(_, body)| body)
        .to_owned();
    Raw {
        status,
        body: serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
        text,
    }
}

/// A POST of `rest` (headers, blank line, body) to create a webhook.
fn post_raw(api: &Api, rest: &str) -> Raw {
    let request = format!(
        "POST /api/2.0/webhooks HTTP/1.1\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nConnection: close\r\n{rest}",
        api.token
    );
    parse(&exchange(&api.emu, request.as_bytes()))
}

#[test]
fn chunked_bodies_are_read() {
    let api = Api::new();
    let r = post_raw(
        &api,
        "Transfer-Encoding: chunked\r\n\r\n5\r\n{\"url\r\n12;ext=1\r\n\":\"https://x.com\"}\r\n0\r\nX-Trailer: t\r\n\r\n",
    );
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["url"], "https://x.com");
    // Case-insensitive coding name; a chunked body followed by a second request on
    // the same connection.
    let request = format!(
        "POST /api/2.0/webhooks HTTP/1.1\r\nAuthorization: Bearer {t}\r\nContent-Type: application/json\r\nTransfer-Encoding: Chunked\r\n\r\n17\r\n{{\"url\":\"https://y.com\"}}\r\n0\r\n\r\nGET /api/2.0/webhooks HTTP/1.1\r\nAuthorization: Bearer {t}\r\nConnection: close\r\n\r\n",
        t = api.token
    );
    let out = exchange(&api.emu, request.as_bytes());
    assert!(out.starts_with("HTTP/1.1 201"), "{out}");
    assert_eq!(out.matches("HTTP/1.1 200").count(), 1, "{out}");
    assert!(out.contains("https://y.com"), "{out}");
    assert_eq!(api.emu_webhook_count(), 2);
}

#[test]
fn chunked_bodies_have_the_same_size_limit_and_strict_framing() {
    let api = Api::new();
    // Over 1 MiB in total, in chunks of 64 KiB: refused once the limit is passed.
    let chunk = format!("10000\r\n{}\r\n", "a".repeat(0x10000));
    let r = post_raw(
        &api,
        &format!(
            "Transfer-Encoding: chunked\r\n\r\n{}0\r\n\r\n",
            chunk.repeat(17)
        ),
    );
    assert_eq!(r.status, 413, "{}", r.text);
    // One chunk announced larger than the limit: refused from its size line.
    let r = post_raw(&api, "Transfer-Encoding: chunked\r\n\r\n100001\r\n");
    assert_eq!(r.status, 413, "{}", r.text);
    let r = post_raw(
        &api,
        "Transfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\n",
    );
    assert_eq!(r.status, 413, "{}", r.text);
    for (rest, status) in [
        ("Transfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
        ("Transfer-Encoding: chunked\r\n\r\n-1\r\n", 400),
        (
            "Transfer-Encoding: chunked\r\n\r\n 2\r\n{}\r\n0\r\n\r\n",
            400,
        ),
        ("Transfer-Encoding: chunked\r\n\r\n2\r\n{}xx0\r\n\r\n", 400),
        ("Transfer-Encoding: gzip\r\n\r\n", 400),
        ("Transfer-Encoding: chunked, gzip\r\n\r\n", 400),
        ("Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501),
        (
            "Transfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
            400,
        ),
        (
            "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
            400,
        ),
    ] {
        let r = post_raw(&api, rest);
        assert_eq!(r.status, status, "{rest:?}: {}", r.text);
        assert_eq!(r.body["code"], status, "{rest:?}: {}", r.text);
    }
    // HTTP/1.0 has no chunked coding: the framing is faulty.
    let out = exchange(
        &api.emu,
        b"POST /api/2.0/webhooks HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    );
    assert!(out.starts_with("HTTP/1.1 400"), "{out}");
    assert_eq!(api.emu_webhook_count(), 0);
}

#[test]
fn content_length_is_plain_digits_given_once() {
    let api = Api::new();
    for rest in [
        "Content-Length: +2\r\n\r\n{}",
        "Content-Length: -2\r\n\r\n{}",
        "Content-Length: 0x2\r\n\r\n{}",
        "Content-Length: 2 2\r\n\r\n{}",
        "Content-Length: 2,2\r\n\r\n{}",
        "Content-Length: 2, 3\r\n\r\n{}",
        "Content-Length: \r\n\r\n{}",
        "Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}",
        "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
    ] {
        let r = post_raw(&api, rest);
        assert_eq!(
            (r.status, r.body["code"].as_i64()),
            (400, Some(400)),
            "{rest:?}: {}",
            r.text
        );
    }
    let r = post_raw(&api, &format!("Content-Length: {}\r\n\r\n", "9".repeat(40)));
    assert_eq!(r.status, 413, "{}", r.text);
    assert_eq!(api.emu_webhook_count(), 0);
    let body = r#"{"url":"https://x.com"}"#;
    let r = post_raw(
        &api,
        &format!("Content-Length: {}\r\n\r\n{body}", body.len()),
    );
    assert_eq!(r.status, 201, "{}", r.text);
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
    assert!(
        out.starts_with("HTTP/1.1 401"),
        "read, then refused for want of a token: {out}"
    );
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

#[test]
fn idle_and_slow_connections_do_not_lock_others_out() {
    let api = Api::new();
    let addr = api.emu.addr();
    // 100 connections that send nothing and 100 that send half a head and stop.
    let mut held = Vec::new();
    for i in 0..200 {
        let mut s = TcpStream::connect(addr).unwrap();
        if i % 2 == 1 {
            s.write_all(b"GET /api/2.0/webhooks HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
                .unwrap();
        }
        held.push(s);
    }
    // Served while all 200 are still open: they are closed only after the 5 s head
    // timeout, so an answer within 4 s cannot come from slots they gave back. (It
    // takes a few milliseconds; the margin is for a loaded CI machine.)
    let started = Instant::now();
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(4))).unwrap();
    let request = format!(
        "GET /api/2.0/webhooks HTTP/1.1\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
        api.token
    );
    s.write_all(request.as_bytes()).unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    let r = parse(&out);
    assert_eq!((r.status, r.body.clone()), (200, json!([])), "{out}");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    drop(held);
}

#[test]
fn a_request_head_must_arrive_within_the_head_timeout() {
    let api = Api::with(Emulator::builder().head_timeout(Duration::from_millis(300)));
    let addr = api.emu.addr();
    // An idle connection is closed, with nothing written.
    let mut idle = TcpStream::connect(addr).unwrap();
    idle.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
    let started = Instant::now();
    let mut out = Vec::new();
    let _ = idle.read_to_end(&mut out);
    assert!(out.is_empty(), "{}", String::from_utf8_lossy(&out));
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    // A client trickling its head a byte every 50 ms is answered 408 and closed,
    // however steadily it sends.
    let mut slow = TcpStream::connect(addr).unwrap();
    slow.set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    for byte in b"GET /api/2.0/webhooks HTTP/1.1\r\n"
        .iter()
        .cycle()
        .take(60)
    {
        if slow.write_all(std::slice::from_ref(byte)).is_err() {
            break;
        }
        let mut chunk = [0u8; 512];
        match slow.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&chunk[..n]),
            Err(_) => {} // nothing yet: the 50 ms pause
        }
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    // A keep-alive connection gets the same time for each next head.
    let mut keep = TcpStream::connect(addr).unwrap();
    keep.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
    keep.write_all(b"GET /_emulator/health HTTP/1.1\r\n\r\n")
        .unwrap();
    let started = Instant::now();
    let mut out = Vec::new();
    let _ = keep.read_to_end(&mut out);
    let out = String::from_utf8_lossy(&out);
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    assert_eq!(out.matches("HTTP/1.1").count(), 1, "{out}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}
