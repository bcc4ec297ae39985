//! The emulator at the edges of time and memory: a clock at the ends of the range
//! `time` represents panics nothing, and authorization codes, which anyone can ask
//! for, expire and are bounded.

use std::time::Duration;

use super::harness::*;
use crate::support::raw;
use revolut_webhooks::ManualClock;
use revolut_webhooks::emulator::{Emulator, Event, Outcome};
use time::macros::datetime;

#[test]
fn a_clock_at_the_end_of_time_panics_nothing() {
    // One minute before the last instant `time` can represent: a token's 40 minutes,
    // a secret's 5 hours and the 21-day window all run past it.
    let clock = ManualClock::new(datetime!(9999-12-31 23:59 UTC));
    let api = Api::with(
        Emulator::builder()
            .clock(clock.clone())
            .retry_interval(Duration::from_millis(1))
            .authorization_code("preset"),
    );
    let r = api.token(&code_grant("preset"));
    assert_eq!(r.status, 200, "{}", r.text);
    let access = r.body["access_token"].as_str().unwrap().to_owned();
    let base = api.emu.base_url();
    assert_eq!(
        raw(base, "GET", "/api/2.0/webhooks", Some(&access), None).status,
        200
    );
    let _ = api.emu.issue_access_token();
    let hook = api.create(r#"{"url":"https://127.0.0.1:1/hook","events":["TransactionCreated"]}"#);
    assert_eq!(hook.status, 201, "{}", hook.text);
    let id = hook.body["id"].as_str().unwrap().to_owned();
    let rotated = api.call(
        "POST",
        &format!("/webhooks/{id}/rotate-signing-secret"),
        Some(r#"{"expiration_period":"P7D"}"#),
    );
    assert_eq!(rotated.status, 200, "{}", rotated.text);
    let report = api.emu.emit_and_wait(Event::transaction_created());
    assert!(matches!(
        report.deliveries[0].outcome,
        Outcome::Failed { .. }
    ));
    let failed = api.call("GET", &format!("/webhooks/{id}/failed-events"), None);
    assert_eq!(failed.status, 200, "{}", failed.text);
    assert_eq!(failed.body.as_array().map(Vec::len), Some(1));

    // And at the first instant: the 21-day window starts before it.
    clock.set(time::PrimitiveDateTime::MIN.assume_utc());
    let failed = api.call("GET", &format!("/webhooks/{id}/failed-events"), None);
    assert_eq!(failed.status, 200, "{}", failed.text);
}

#[test]
fn authorization_codes_expire_after_two_minutes() {
    let clock = ManualClock::new(datetime!(2026-11-25 12:00 UTC));
    let api = Api::with(Emulator::builder().clock(clock.clone()));
    let late = api.emu.authorization_code();
    let prompt = api.emu.authorization_code();
    clock.advance(time::Duration::seconds(119));
    assert_eq!(api.token(&code_grant(&prompt)).status, 200);
    clock.advance(time::Duration::seconds(1));
    let r = api.token(&code_grant(&late));
    assert_eq!(
        (r.status, r.body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{}",
        r.text
    );
}

#[test]
fn unexchanged_authorization_codes_are_bounded_oldest_forgotten_first() {
    let api = Api::new();
    let base = api.emu.base_url();
    let ask = || {
        let r = raw(
            base,
            "POST",
            "/_emulator/authorization-code",
            None,
            Some((JSON, "")),
        );
        r.body["code"].as_str().unwrap().to_owned()
    };
    let oldest = ask();
    let second = ask();
    // 1000 codes may wait at once; the 1001st forgets the oldest.
    for _ in 0..998 {
        api.emu.authorization_code();
    }
    let newest = ask();
    assert_eq!(api.token(&code_grant(&oldest)).status, 400);
    assert_eq!(api.token(&code_grant(&second)).status, 200);
    assert_eq!(api.token(&code_grant(&newest)).status, 200);
}
