//! The emulator as strict as the service: a refresh revokes the access tokens issued
//! before it, the per-business rate limit (429, code 3162, `Retry-After`), and the
//! sandbox simulation endpoints, which change transactions and deliver the events
//! Revolut's sandbox delivers.

use std::time::Duration;

use super::harness::*;
use crate::support::{Receiver, raw};
use revolut_webhooks::ManualClock;
use revolut_webhooks::emulator::{Emulator, EmulatorBuilder, Event};
use serde_json::{Value, json};
use time::macros::datetime;

fn refresh_grant(refresh: &str) -> String {
    format!(
        "grant_type=refresh_token&refresh_token={refresh}&client_assertion_type={JWT_BEARER}&client_assertion=jwt"
    )
}

/// A code grant's access and refresh tokens.
fn tokens(api: &Api) -> (String, String) {
    let code = api.emu.authorization_code();
    let r = api.token(&code_grant(&code));
    assert_eq!(r.status, 200, "{}", r.text);
    let s = |k: &str| r.body[k].as_str().unwrap().to_owned();
    (s("access_token"), s("refresh_token"))
}

fn status_with(api: &Api, token: &str) -> u16 {
    raw(
        api.emu.base_url(),
        "GET",
        "/api/2.0/webhooks",
        Some(token),
        None,
    )
    .status
}

#[test]
fn a_refresh_revokes_the_access_tokens_issued_before_it() {
    let api = Api::new();
    let (first, refresh) = tokens(&api);
    let issued = api.emu.issue_access_token();
    let r = api.token(&refresh_grant(&refresh));
    assert_eq!(r.status, 200, "{}", r.text);
    let second = r.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(status_with(&api, &first), 401);
    assert_eq!(status_with(&api, issued.expose_secret()), 401);
    assert_eq!(status_with(&api, &second), 200);
    // The emulator's initial token stands for one configured by hand: never revoked.
    assert_eq!(status_with(&api, &api.token), 200);
    let r = api.token(&refresh_grant(&refresh));
    assert_eq!(status_with(&api, &second), 401);
    assert_eq!(
        status_with(&api, r.body["access_token"].as_str().unwrap()),
        200
    );
}

#[test]
fn keep_tokens_on_refresh_keeps_them() {
    let api = Api::with(Emulator::builder().keep_tokens_on_refresh(true));
    let (first, refresh) = tokens(&api);
    assert_eq!(api.token(&refresh_grant(&refresh)).status, 200);
    assert_eq!(status_with(&api, &first), 200);
}

/// Status and the `Retry-After` header of a GET of the webhook list, over raw TCP.
fn get_with_headers(api: &Api) -> (Raw, Option<String>) {
    let request = format!(
        "GET /api/2.0/webhooks HTTP/1.1\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
        api.token
    );
    let answer = exchange(&api.emu, request.as_bytes());
    let retry_after = answer
        .lines()
        .find_map(|l| l.strip_prefix("retry-after: "))
        .map(str::to_owned);
    (parse(&answer), retry_after)
}

#[test]
fn the_rate_limit_is_60_a_minute_answered_429_3162_with_retry_after() {
    let clock = ManualClock::new(datetime!(2026-11-25 12:00 UTC));
    let api = Api::with(Emulator::builder().clock(clock.clone()));
    for i in 0..60 {
        assert_eq!(api.emu_webhook_count(), 0, "request {i}");
        // The token endpoint and the control routes are not counted.
        if i % 20 == 0 {
            let (_, _) = tokens(&api);
            raw(api.emu.base_url(), "GET", "/_emulator/health", None, None);
        }
    }
    let (r, retry_after) = get_with_headers(&api);
    assert_eq!(
        (r.status, &r.body["code"]),
        (429, &json!(3162)),
        "{}",
        r.text
    );
    assert!(r.body["error_id"].is_string(), "{}", r.text);
    assert_eq!(retry_after.as_deref(), Some("60"));
    clock.advance(time::Duration::seconds(45));
    let (r, retry_after) = get_with_headers(&api);
    assert_eq!((r.status, retry_after.as_deref()), (429, Some("15")));
    clock.advance(time::Duration::seconds(15));
    assert_eq!(get_with_headers(&api).0.status, 200);
}

#[test]
fn the_rate_limit_is_configurable_and_can_be_turned_off() {
    let clock = ManualClock::new(datetime!(2026-11-25 12:00 UTC));
    let limited = |b: EmulatorBuilder| Api::with(b.clock(clock.clone()));
    let api = limited(Emulator::builder().rate_limit(3, Duration::from_secs(10)));
    for _ in 0..3 {
        assert_eq!(get_with_headers(&api).0.status, 200);
    }
    let (r, retry_after) = get_with_headers(&api);
    assert_eq!((r.status, retry_after.as_deref()), (429, Some("10")));
    let api = limited(Emulator::builder().no_rate_limit());
    for _ in 0..120 {
        assert_eq!(get_with_headers(&api).0.status, 200);
    }
}

/// An emulator with a receiver subscribed to both transaction events.
fn sandbox() -> (Api, Receiver) {
    let api = Api::with(
        Emulator::builder()
            .allow_loopback_http(true)
            .retry_interval(Duration::from_millis(1)),
    );
    let receiver = Receiver::start();
    let r = api.create(
        &json!({ "url": receiver.url(), "events": ["TransactionCreated", "TransactionStateChanged"] })
            .to_string(),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    (api, receiver)
}

fn post(api: &Api, path: &str, body: &str) -> Raw {
    raw(
        api.emu.base_url(),
        "POST",
        path,
        Some(&api.token),
        Some((JSON, body)),
    )
}

/// The bodies the receiver got, parsed.
fn delivered(api: &Api, receiver: &Receiver) -> Vec<Value> {
    assert!(api.emu.wait_idle(Duration::from_secs(10)));
    receiver
        .received()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

const ACCOUNT: &str = "e042f1fe-f721-49cc-af82-db7a6c46944f";

#[test]
fn sandbox_topup_and_transitions_deliver_created_and_state_changed() {
    let (api, receiver) = sandbox();
    let r = post(
        &api,
        "/api/1.0/sandbox/topup",
        &json!({ "account_id": ACCOUNT, "amount": 100, "currency": "GBP", "state": "pending" })
            .to_string(),
    );
    assert_eq!(
        (r.status, &r.body["state"]),
        (200, &json!("pending")),
        "{}",
        r.text
    );
    assert!(r.body["created_at"].is_string() && r.body.get("completed_at").is_none());
    let id = r.body["id"].as_str().unwrap().to_owned();
    let events = delivered(&api, &receiver);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["event"], "TransactionCreated");
    assert_eq!(events[0]["data"]["id"], id.as_str());
    assert_eq!(events[0]["data"]["state"], "pending");
    assert_eq!(events[0]["data"]["legs"][0]["account_id"], ACCOUNT);
    assert_eq!(events[0]["data"]["legs"][0]["currency"], "GBP");

    let r = post(
        &api,
        &format!("/api/1.0/sandbox/transactions/{id}/complete"),
        "",
    );
    assert_eq!(
        (r.status, &r.body["state"]),
        (200, &json!("completed")),
        "{}",
        r.text
    );
    assert_eq!(r.body["id"], id.as_str());
    assert!(r.body["completed_at"].is_string(), "{}", r.text);
    let events = delivered(&api, &receiver);
    assert_eq!(events.len(), 2);
    assert_eq!(events[1]["event"], "TransactionStateChanged");
    assert_eq!(
        (
            &events[1]["data"]["id"],
            &events[1]["data"]["old_state"],
            &events[1]["data"]["new_state"]
        ),
        (&json!(id), &json!("pending"), &json!("completed"))
    );

    // The simulated state is final.
    for action in ["revert", "decline", "fail", "complete"] {
        let r = post(
            &api,
            &format!("/api/1.0/sandbox/transactions/{id}/{action}"),
            "",
        );
        assert_eq!(r.status, 409, "{action}: {}", r.text);
    }
    assert_eq!(
        delivered(&api, &receiver).len(),
        2,
        "a refusal delivers nothing"
    );
}

#[test]
fn sandbox_actions_apply_to_emitted_transactions_and_refuse_what_the_spec_does_not_allow() {
    let (api, receiver) = sandbox();
    let event = Event::transaction_created();
    let id = event.data()["id"].as_str().unwrap().to_owned();
    assert!(api.emu.emit_and_wait(event).all_delivered());
    let r = post(
        &api,
        &format!("/api/1.0/sandbox/transactions/{id}/decline"),
        "",
    );
    assert_eq!(
        (r.status, &r.body["state"]),
        (200, &json!("declined")),
        "{}",
        r.text
    );
    let events = delivered(&api, &receiver);
    assert_eq!(events[1]["data"]["new_state"], "declined");

    let unknown = uuid::Uuid::new_v4();
    let path = format!("/api/1.0/sandbox/transactions/{unknown}/complete");
    assert_eq!(post(&api, &path, "").status, 404);
    let path = format!("/api/1.0/sandbox/transactions/{id}/completed");
    assert_eq!(post(&api, &path, "").status, 400);
    let path = "/api/1.0/sandbox/transactions/not-a-uuid/complete";
    assert_eq!(post(&api, path, "").status, 400);
    let r = raw(
        api.emu.base_url(),
        "GET",
        "/api/1.0/sandbox/topup",
        Some(&api.token),
        None,
    );
    assert_eq!(r.status, 405);
    let r = raw(
        api.emu.base_url(),
        "POST",
        "/api/1.0/sandbox/topup",
        None,
        Some((JSON, "{}")),
    );
    assert_eq!(r.status, 401);
    for body in [
        json!({ "amount": 1, "currency": "GBP" }),
        json!({ "account_id": ACCOUNT, "currency": "GBP" }),
        json!({ "account_id": ACCOUNT, "amount": 10_000.01, "currency": "GBP" }),
        json!({ "account_id": ACCOUNT, "amount": 0, "currency": "GBP" }),
        json!({ "account_id": ACCOUNT, "amount": 1, "currency": "gbp" }),
        json!({ "account_id": ACCOUNT, "amount": 1, "currency": "GBP", "state": "declined" }),
        json!({ "account_id": "x", "amount": 1, "currency": "GBP" }),
    ] {
        let r = post(&api, "/api/1.0/sandbox/topup", &body.to_string());
        assert_eq!(
            (r.status, &r.body["code"]),
            (400, &json!(3000)),
            "{body}: {}",
            r.text
        );
    }
    // A completed top-up (the default state) is final from the start.
    let r = post(
        &api,
        "/api/1.0/sandbox/topup",
        &json!({ "account_id": ACCOUNT, "amount": 5, "currency": "EUR" }).to_string(),
    );
    assert_eq!(
        (r.status, &r.body["state"]),
        (200, &json!("completed")),
        "{}",
        r.text
    );
    let id = r.body["id"].as_str().unwrap();
    assert_eq!(
        post(
            &api,
            &format!("/api/1.0/sandbox/transactions/{id}/revert"),
            ""
        )
        .status,
        409
    );
}
