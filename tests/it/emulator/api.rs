//! The webhook endpoints' rules over raw HTTP: everything the client refuses to send
//! (so cannot test), and the API's answers to paths, methods and bodies it lacks.

use super::harness::*;
use crate::support::raw;
use revolut_webhooks::ManualClock;
use revolut_webhooks::emulator::Emulator;
use serde_json::json;
use time::macros::datetime;

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
