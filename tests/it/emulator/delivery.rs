//! Deliveries from the emulator to a real receiver on 127.0.0.1: success, retries,
//! final failure, timeouts, signatures during a rotation. No test sleeps: each waits
//! for the delivery report, and the retry interval is a millisecond.

use std::time::Duration;

use crate::support::{Receiver, Reply, expected_signature};
use revolut_webhooks::auth::StaticToken;
use revolut_webhooks::blocking::Client;
use revolut_webhooks::emulator::{AttemptResult, Emulator, Event, Outcome};
use revolut_webhooks::{
    CreateWebhook, EventType, FailedEventsQuery, ManualClock, SecretExpiration, WebhookWithSecret,
};
use time::macros::datetime;

struct Setup {
    clock: ManualClock,
    emu: Emulator,
    client: Client,
}

fn setup() -> Setup {
    setup_with(|b| b)
}

fn setup_with(
    f: impl FnOnce(
        revolut_webhooks::emulator::EmulatorBuilder,
    ) -> revolut_webhooks::emulator::EmulatorBuilder,
) -> Setup {
    let clock = ManualClock::new(datetime!(2026-11-25 12:00:00.5 UTC));
    let emu = f(Emulator::builder()
        .clock(clock.clone())
        .allow_loopback_http(true)
        .retry_interval(Duration::from_millis(1)))
    .start()
    .unwrap();
    let client = Client::builder()
        .environment(emu.environment())
        .token_provider(StaticToken::new(emu.access_token().expose_secret()))
        .clock(clock.clone())
        .build()
        .unwrap();
    Setup { clock, emu, client }
}

fn subscribe(s: &Setup, url: &str, events: &[EventType]) -> WebhookWithSecret {
    s.client
        .webhooks()
        .create(
            &CreateWebhook::new(url)
                .unwrap()
                .with_events(events.iter().cloned())
                .unwrap(),
        )
        .unwrap()
}

#[test]
fn a_successful_delivery_is_signed_and_timestamped_in_milliseconds() {
    let s = setup();
    let receiver = Receiver::start();
    let hook = subscribe(&s, &receiver.url(), &[EventType::TransactionCreated]);
    let report = s.emu.emit_and_wait(Event::transaction_created());
    assert!(report.all_delivered());
    let delivery = report.for_webhook(hook.id).unwrap();
    assert_eq!(delivery.outcome, Outcome::Delivered);
    assert_eq!(delivery.attempts.len(), 1);
    assert_eq!(delivery.attempts[0].result, AttemptResult::Status(200));

    let got = receiver.received();
    assert_eq!(got.len(), 1);
    let request = &got[0];
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("POST", "/hooks/revolut")
    );
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(
        request.body_str(),
        report.body,
        "the report holds the exact bytes"
    );
    let timestamp = request.header("revolut-request-timestamp").unwrap();
    assert_eq!(timestamp, "1795608000500", "ms of 2026-11-25T12:00:00.5Z");
    assert_eq!(
        request.header("revolut-signature").unwrap(),
        expected_signature(
            hook.signing_secret.expose_secret(),
            timestamp,
            &request.body
        )
    );
    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(body["event"], "TransactionCreated");
    assert_eq!(body["timestamp"], "2026-11-25T12:00:00.500000Z");
    assert_eq!(body["data"]["state"], "pending");
    assert_eq!(body.to_string().len(), request.body.len(), "compact JSON");
    assert!(
        s.client
            .webhooks()
            .failed_events(hook.id, &FailedEventsQuery::new())
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_failed_attempt_is_retried_until_it_succeeds() {
    let s = setup();
    let receiver = Receiver::start();
    receiver.script([Reply::Status(500), Reply::Status(404)]);
    let hook = subscribe(&s, &receiver.url(), &[EventType::TransactionStateChanged]);
    let report = s.emu.emit_and_wait(Event::transaction_state_changed());
    let delivery = report.for_webhook(hook.id).unwrap();
    assert_eq!(delivery.outcome, Outcome::Delivered);
    let results: Vec<_> = delivery.attempts.iter().map(|a| a.result.clone()).collect();
    assert_eq!(
        results,
        [
            AttemptResult::Status(500),
            AttemptResult::Status(404),
            AttemptResult::Status(200)
        ]
    );
    let got = receiver.received();
    assert_eq!(got.len(), 3);
    assert!(
        got.iter().all(|r| r.body == got[0].body),
        "the same body each time"
    );
    assert!(
        s.client
            .webhooks()
            .failed_events(hook.id, &FailedEventsQuery::new())
            .unwrap()
            .is_empty()
    );
}

#[test]
fn an_event_that_fails_four_times_is_listed_with_its_payload() {
    let s = setup();
    let receiver = Receiver::start();
    receiver.always(Reply::Status(503));
    let hook = subscribe(&s, &receiver.url(), &[EventType::PayoutLinkStateChanged]);
    let report = s.emu.emit_and_wait(Event::payout_link_state_changed());
    let delivery = report.for_webhook(hook.id).unwrap();
    assert_eq!(delivery.attempts.len(), 4, "one attempt and three retries");
    let Outcome::Failed { failed_event_id } = delivery.outcome else {
        panic!("{:?}", delivery.outcome)
    };
    assert_eq!(receiver.received().len(), 4);

    let failed = s
        .client
        .webhooks()
        .failed_events(hook.id, &FailedEventsQuery::new())
        .unwrap();
    assert_eq!(failed.len(), 1);
    let event = &failed[0];
    assert_eq!(event.id, failed_event_id);
    assert_eq!(event.webhook_id, hook.id);
    assert_eq!(event.webhook_url, receiver.url());
    assert_eq!(event.payload_json(), report.body);
    assert_eq!(event.created_at, datetime!(2026-11-25 12:00:00.5 UTC));
    assert_eq!(event.last_sent_date, Some(event.updated_at));
    let payload: serde_json::Value = event.payload_as().unwrap();
    assert_eq!(payload["event"], "PayoutLinkStateChanged");
    assert_eq!(payload["data"]["new_state"], "processed");
}

#[test]
fn a_receiver_that_times_out_counts_as_a_failure() {
    let s = setup_with(|b| b.delivery_timeout(Duration::from_millis(200)));
    let receiver = Receiver::start();
    receiver.script([Reply::Silence(Duration::from_millis(600))]);
    let hook = subscribe(&s, &receiver.url(), &[EventType::PayoutLinkCreated]);
    let report = s.emu.emit_and_wait(Event::payout_link_created());
    let delivery = report.for_webhook(hook.id).unwrap();
    assert_eq!(delivery.outcome, Outcome::Delivered);
    assert_eq!(delivery.attempts.len(), 2);
    assert!(
        matches!(&delivery.attempts[0].result, AttemptResult::Error(e) if e.contains("timed out")),
        "{:?}",
        delivery.attempts[0].result
    );
}

#[test]
fn during_a_rotation_every_active_secret_signs() {
    let s = setup();
    let receiver = Receiver::start();
    let hook = subscribe(&s, &receiver.url(), &[EventType::TransactionCreated]);
    let old = hook.signing_secret.expose_secret().to_owned();
    let rotated = s
        .client
        .webhooks()
        .rotate_signing_secret(hook.id, Some(SecretExpiration::from_minutes(30).unwrap()))
        .unwrap();
    let new = rotated.signing_secret.expose_secret().to_owned();

    s.emu.emit_and_wait(Event::transaction_created());
    s.clock.advance(time::Duration::minutes(30));
    s.emu.emit_and_wait(Event::transaction_created());

    let got = receiver.received();
    assert_eq!(got.len(), 2);
    let during = &got[0];
    let ts = during.header("revolut-request-timestamp").unwrap();
    assert_eq!(
        during.header("revolut-signature").unwrap(),
        format!(
            "{},{}",
            expected_signature(&new, ts, &during.body),
            expected_signature(&old, ts, &during.body)
        )
    );
    let after = &got[1];
    let ts = after.header("revolut-request-timestamp").unwrap();
    assert_eq!(
        after.header("revolut-signature").unwrap(),
        expected_signature(&new, ts, &after.body),
        "the old secret expired"
    );
}

#[test]
fn only_webhooks_subscribed_to_the_type_receive_it() {
    let s = setup();
    let (a, b) = (Receiver::start(), Receiver::start());
    let hook_a = subscribe(&s, &a.url(), &[EventType::TransactionCreated]);
    let hook_b = subscribe(
        &s,
        &b.url(),
        &[EventType::TransactionCreated, EventType::PayoutLinkCreated],
    );
    let report = s.emu.emit_and_wait(Event::payout_link_created());
    assert_eq!(report.deliveries.len(), 1);
    assert!(report.for_webhook(hook_b.id).is_some());
    assert!(report.for_webhook(hook_a.id).is_none());
    let report = s.emu.emit_and_wait(Event::transaction_created());
    assert_eq!(report.deliveries.len(), 2);
    assert_eq!((a.received().len(), b.received().len()), (1, 2));
    // Nobody subscribed: nothing to do, and that counts as delivered.
    let report = s.emu.emit_and_wait(Event::payout_link_state_changed());
    assert!(report.deliveries.is_empty() && report.all_delivered());
}

#[test]
fn every_sample_event_type_is_delivered_with_its_data() {
    let s = setup();
    let receiver = Receiver::start();
    subscribe(&s, &receiver.url(), EventType::ALL);
    for t in EventType::ALL {
        let report = s.emu.emit_and_wait(Event::sample(t));
        assert!(report.all_delivered(), "{t}");
    }
    let got = receiver.received();
    let bodies: Vec<serde_json::Value> = got
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    let types: Vec<&str> = bodies
        .iter()
        .map(|b| b["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "TransactionCreated",
            "TransactionStateChanged",
            "PayoutLinkCreated",
            "PayoutLinkStateChanged"
        ]
    );
    assert_eq!(bodies[0]["data"]["legs"][0]["currency"], "GBP");
    assert_eq!(bodies[1]["data"]["new_state"], "completed");
    assert!(
        bodies[1]["data"]["request_id"]
            .as_str()
            .unwrap()
            .starts_with("app_charges-")
    );
    assert_eq!(bodies[2]["data"]["state"], "active");
    assert_eq!(bodies[3]["data"]["old_state"], "active");
}

#[test]
fn http_targets_are_not_delivered_unless_allowed() {
    // Without allow_loopback_http, a loopback https URL is delivered over TLS, which a
    // plain-http receiver cannot answer: the delivery fails and nothing is received
    // as an HTTP request.
    let s = setup_with(|b| {
        b.allow_loopback_http(false)
            .delivery_timeout(Duration::from_millis(200))
    });
    let receiver = Receiver::start();
    let hook = subscribe(&s, &receiver.url(), &[EventType::TransactionCreated]);
    let report = s.emu.emit_and_wait(Event::transaction_created());
    let delivery = report.for_webhook(hook.id).unwrap();
    assert!(matches!(delivery.outcome, Outcome::Failed { .. }));
    assert!(receiver.received().iter().all(|r| r.method != "POST"));
}

#[test]
fn deleting_a_webhook_cancels_its_retries_and_failed_events() {
    let s = setup_with(|b| b.retry_interval(Duration::from_millis(300)));
    let receiver = Receiver::start();
    receiver.always(Reply::Status(500));
    let hook = subscribe(&s, &receiver.url(), &[EventType::TransactionCreated]);
    let pending = s.emu.emit(Event::transaction_created());
    assert_eq!(pending.webhook_count(), 1);
    // Bounded wait for the first attempt, then delete while the retry waits.
    for _ in 0..200 {
        if !receiver.received().is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    s.client.webhooks().delete(hook.id).unwrap();
    let report = pending.wait();
    assert_eq!(report.deliveries[0].outcome, Outcome::Cancelled);
    assert!(report.deliveries[0].attempts.len() < 4);
    assert!(s.emu.wait_idle(Duration::from_secs(1)));
}

#[test]
fn dropping_the_emulator_cancels_pending_retries() {
    let s = setup_with(|b| b.retry_interval(Duration::from_secs(600)));
    let receiver = Receiver::start();
    receiver.always(Reply::Status(500));
    subscribe(&s, &receiver.url(), &[EventType::TransactionCreated]);
    let pending = s.emu.emit(Event::transaction_created());
    drop(s.client);
    s.emu.shutdown();
    let report = pending.wait();
    assert_eq!(report.deliveries[0].outcome, Outcome::Cancelled);
    assert_eq!(report.deliveries[0].attempts.len(), 1);
}

#[test]
fn a_retry_waiting_its_turn_holds_no_delivery_thread() {
    // Twenty deliveries wait ten minutes for their retry: more than the pool has
    // threads. Another event must still go out at once.
    let s = setup_with(|b| b.retry_interval(Duration::from_secs(600)));
    let failing = Receiver::start();
    failing.always(Reply::Status(500));
    subscribe(&s, &failing.url(), &[EventType::TransactionCreated]);
    let fine = Receiver::start();
    subscribe(&s, &fine.url(), &[EventType::PayoutLinkCreated]);
    let waiting: Vec<_> = (0..20)
        .map(|_| s.emu.emit(Event::transaction_created()))
        .collect();
    for _ in 0..500 {
        if failing.received().len() == 20 {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(failing.received().len(), 20, "every first attempt went out");
    let delivery = s.emu.emit(Event::payout_link_created());
    for _ in 0..500 {
        if !fine.received().is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(fine.received().len(), 1, "delivered while the retries wait");
    assert!(delivery.wait().all_delivered());
    drop(waiting);
}

#[test]
fn durations_too_large_to_add_mean_never_and_do_not_panic() {
    let s = setup_with(|b| b.retry_interval(Duration::MAX).head_timeout(Duration::MAX));
    let failing = Receiver::start();
    failing.always(Reply::Status(500));
    subscribe(&s, &failing.url(), &[EventType::TransactionCreated]);
    let pending = s.emu.emit(Event::transaction_created());
    for _ in 0..500 {
        if !failing.received().is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(s.client.webhooks().list().unwrap().len(), 1);
    drop(s.client);
    s.emu.shutdown();
    let report = pending.wait();
    assert_eq!(report.deliveries[0].outcome, Outcome::Cancelled);
    assert_eq!(report.deliveries[0].attempts.len(), 1, "{report:?}");
}
