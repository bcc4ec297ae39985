//! The emulator's live delivery log (`EmulatorBuilder::on_attempt`) and its control
//! routes (`/_emulator/...`, with `POST /_emulator/events`'s per-webhook answer), on
//! 127.0.0.1 only.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::{Receiver, Reply, raw};
use revolut_webhooks::auth::StaticToken;
use revolut_webhooks::blocking::Client;
use revolut_webhooks::emulator::{AttemptLog, AttemptResult, Emulator, Event, Outcome};
use revolut_webhooks::{CreateWebhook, EventType, SecretExpiration, Webhook};

const JSON: &str = "application/json";

fn logging_emulator() -> (Emulator, Arc<Mutex<Vec<AttemptLog>>>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let sink = log.clone();
    let emulator = Emulator::builder()
        .retry_interval(Duration::from_millis(1))
        .delivery_timeout(Duration::from_secs(1))
        .allow_loopback_http(true)
        .on_attempt(move |a| sink.lock().unwrap().push(a.clone()))
        .start()
        .unwrap();
    (emulator, log)
}

fn client(emulator: &Emulator) -> Client {
    Client::builder()
        .environment(emulator.environment())
        .token_provider(StaticToken::new(emulator.access_token().expose_secret()))
        .build()
        .unwrap()
}

fn hook(client: &Client, url: &str, events: &[EventType]) -> Webhook {
    client
        .webhooks()
        .create(
            &CreateWebhook::new(url)
                .unwrap()
                .with_events(events.to_vec())
                .unwrap(),
        )
        .unwrap()
        .without_secret()
}

#[test]
fn the_observer_sees_every_attempt_once_and_the_last_one_recorded_as_failed() {
    let (emulator, log) = logging_emulator();
    let client = client(&emulator);
    let receiver = Receiver::start();
    receiver.script([Reply::Status(500)]);
    let good = hook(&client, &receiver.url(), &[EventType::TransactionCreated]);
    let down = hook(
        &client,
        "https://127.0.0.1:1/down",
        &[EventType::TransactionCreated],
    );
    let report = emulator.emit_and_wait(Event::transaction_created());
    let log = log.lock().unwrap().clone();

    let good_log: Vec<&AttemptLog> = log.iter().filter(|a| a.webhook_id == good.id).collect();
    assert_eq!(good_log.len(), 2, "{good_log:?}");
    assert_eq!(good_log[0].result, AttemptResult::Status(500));
    assert_eq!(good_log[1].result, AttemptResult::Status(200));
    assert_eq!(
        good_log.iter().map(|a| a.attempt).collect::<Vec<_>>(),
        [1, 2]
    );
    assert!(good_log.iter().all(|a| a.recorded_as_failed.is_none()));
    assert!(good_log.iter().all(|a| a.url == receiver.url()));

    let down_log: Vec<&AttemptLog> = log.iter().filter(|a| a.webhook_id == down.id).collect();
    assert_eq!(
        down_log.iter().map(|a| a.attempt).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
    assert!(down_log.iter().all(|a| a.max_attempts == 4));
    assert!(
        down_log
            .iter()
            .all(|a| matches!(a.result, AttemptResult::Error(_)))
    );
    let Outcome::Failed { failed_event_id } = report.for_webhook(down.id).unwrap().outcome else {
        panic!("{report:?}");
    };
    assert_eq!(down_log[3].recorded_as_failed, Some(failed_event_id));
    assert!(down_log[..3].iter().all(|a| a.recorded_as_failed.is_none()));

    // The log agrees with the report, attempt by attempt.
    for a in &log {
        let delivery = report.for_webhook(a.webhook_id).unwrap();
        let attempt = &delivery.attempts[a.attempt - 1];
        assert_eq!(
            (a.sent_at, &a.result, a.latency, a.signatures),
            (attempt.sent_at, &attempt.result, attempt.latency, 1)
        );
        assert_eq!(a.event_type, EventType::TransactionCreated);
    }
}

#[test]
fn the_control_endpoint_answers_with_each_webhooks_first_attempt() {
    let (emulator, _log) = logging_emulator();
    let client = client(&emulator);
    let receiver = Receiver::start();
    let good = hook(
        &client,
        &receiver.url(),
        &[EventType::TransactionCreated, EventType::PayoutLinkCreated],
    );
    // Two active secrets: the delivery carries two signatures.
    client
        .webhooks()
        .rotate_signing_secret(good.id, Some(SecretExpiration::from_secs(3600).unwrap()))
        .unwrap();
    let down = hook(
        &client,
        "https://127.0.0.1:1/down",
        &[EventType::TransactionCreated],
    );
    let base = emulator.base_url();
    let r = raw(
        base,
        "POST",
        "/_emulator/events",
        None,
        Some((JSON, r#"{"event":"TransactionCreated"}"#)),
    );
    assert_eq!(r.status, 202, "{}", r.text);
    let deliveries = r.body["deliveries"].as_array().unwrap();
    assert_eq!(deliveries.len(), 2, "{}", r.text);
    let ok = &deliveries[0];
    assert_eq!(ok["webhook_id"], good.id.to_string());
    assert_eq!(ok["url"], receiver.url());
    assert_eq!(
        (ok["status"].as_u64(), ok["delivered"].as_bool()),
        (Some(200), Some(true))
    );
    assert_eq!(ok["signatures"], 2);
    assert_eq!(ok["retrying"], false);
    assert!(ok["latency_ms"].as_f64().unwrap() >= 0.0);
    // The answer comes after the first attempt: the receiver already has it.
    assert_eq!(receiver.received().len(), 1);
    let failed = &deliveries[1];
    assert_eq!(failed["webhook_id"], down.id.to_string());
    assert_eq!(
        (failed["delivered"].as_bool(), failed["retrying"].as_bool()),
        (Some(false), Some(true))
    );
    assert!(failed["status"].is_null());
    assert!(failed["error"].as_str().is_some_and(|e| !e.is_empty()));

    // Limited to one webhook.
    let body = format!(
        r#"{{"event":"TransactionCreated","webhook":"{}"}}"#,
        good.id
    );
    let r = raw(base, "POST", "/_emulator/events", None, Some((JSON, &body)));
    assert_eq!(r.status, 202, "{}", r.text);
    assert_eq!(r.body["webhooks"], 1);
    assert_eq!(r.body["deliveries"][0]["webhook_id"], good.id.to_string());
    // Not subscribed, unknown, or not an id: refused, nothing sent.
    let before = receiver.received().len();
    for (body, status) in [
        (
            format!(r#"{{"event":"PayoutLinkCreated","webhook":"{}"}}"#, down.id),
            422,
        ),
        (
            r#"{"event":"TransactionCreated","webhook":"6c1c9a4e-0000-4000-8000-000000000000"}"#
                .to_owned(),
            404,
        ),
        (
            r#"{"event":"TransactionCreated","webhook":42}"#.to_owned(),
            400,
        ),
    ] {
        let r = raw(base, "POST", "/_emulator/events", None, Some((JSON, &body)));
        assert_eq!(r.status, status, "{body}: {}", r.text);
        assert!(r.body["message"].is_string(), "{}", r.text);
    }
    assert!(emulator.wait_idle(Duration::from_secs(10)));
    assert_eq!(receiver.received().len(), before);
}

#[test]
fn a_panicking_observer_loses_its_line_not_the_delivery() {
    let emulator = Emulator::builder()
        .retry_interval(Duration::from_millis(1))
        .allow_loopback_http(true)
        .on_attempt(|a| {
            if a.attempt == 1 {
                panic!("observer bug");
            }
        })
        .start()
        .unwrap();
    let client = client(&emulator);
    let receiver = Receiver::start();
    receiver.script([Reply::Status(503)]);
    let hook = hook(&client, &receiver.url(), &[EventType::TransactionCreated]);
    let report = emulator.emit_and_wait(Event::transaction_created());
    let delivery = report.for_webhook(hook.id).unwrap();
    assert_eq!(delivery.outcome, Outcome::Delivered, "{report:?}");
    assert_eq!(delivery.attempts.len(), 2);
}

#[test]
fn control_endpoints_drive_a_standalone_emulator() {
    use super::harness::{Api, JSON, code_grant};

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
