//! The emulator as an unreliable sender, as Revolut can be: some events delivered
//! twice, some out of order, a slow answer taken for a failure and retried; and
//! retries that fall due on an injected clock. Every switch counts ("every Nth"),
//! so each test knows which event misbehaves.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::support::{Receiver, Reply};
use revolut_webhooks::auth::StaticToken;
use revolut_webhooks::blocking::Client;
use revolut_webhooks::emulator::{AttemptResult, Emulator, EmulatorBuilder, Event, Outcome};
use revolut_webhooks::{CreateWebhook, EventType, ManualClock};
use time::macros::datetime;

/// An emulator from `builder` (loopback http allowed), with a receiver subscribed
/// to `TransactionCreated`.
fn start(builder: EmulatorBuilder) -> (Emulator, Receiver) {
    let emu = builder.allow_loopback_http(true).start().unwrap();
    let client = Client::builder()
        .environment(emu.environment())
        .token_provider(StaticToken::new(emu.access_token().expose_secret()))
        .build()
        .unwrap();
    let receiver = Receiver::start();
    client
        .webhooks()
        .create(
            &CreateWebhook::new(receiver.url())
                .unwrap()
                .with_events([EventType::TransactionCreated])
                .unwrap(),
        )
        .unwrap();
    (emu, receiver)
}

/// The `data.id` of each body the receiver got, in arrival order.
fn ids(receiver: &Receiver) -> Vec<String> {
    receiver
        .received()
        .iter()
        .map(|r| {
            let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
            body["data"]["id"].as_str().unwrap().to_owned()
        })
        .collect()
}

fn id_of(event: &Event) -> String {
    event.data()["id"].as_str().unwrap().to_owned()
}

#[test]
fn duplicate_every_n_delivers_every_nth_event_twice() {
    let (emu, receiver) = start(Emulator::builder().duplicate_every(2));
    let events: Vec<Event> = (0..4).map(|_| Event::transaction_created()).collect();
    let reports: Vec<_> = events
        .iter()
        .map(|e| emu.emit_and_wait(e.clone()))
        .collect();
    let [a, b, c, d] = [0, 1, 2, 3].map(|i| id_of(&events[i]));
    assert_eq!(ids(&receiver), [a, b.clone(), b, c, d.clone(), d]);
    let attempts: Vec<usize> = reports
        .iter()
        .map(|r| r.deliveries[0].attempts.len())
        .collect();
    assert_eq!(attempts, [1, 2, 1, 2]);
    let second = &reports[1].deliveries[0];
    assert_eq!(second.outcome, Outcome::Delivered);
    assert!(second.attempts.iter().all(|a| a.result.is_success()));
    // The duplicate is signed afresh, as a retry is.
    let bodies = receiver.received();
    assert_eq!(bodies[1].body, bodies[2].body);
}

#[test]
fn reorder_every_n_holds_the_nth_event_until_the_next_was_sent() {
    let (emu, receiver) = start(Emulator::builder().reorder_every(2));
    let events: Vec<Event> = (0..3).map(|_| Event::transaction_created()).collect();
    let first = emu.emit_and_wait(events[0].clone());
    assert!(first.all_delivered());
    let started = Instant::now();
    let held = emu.emit(events[1].clone());
    let overtaking = emu.emit_and_wait(events[2].clone());
    assert!(overtaking.all_delivered());
    assert!(held.wait().all_delivered());
    // Released by the next delivery, not by the 2-second bound.
    assert!(started.elapsed() < Duration::from_secs(2));
    let expected: Vec<String> = [0, 2, 1].iter().map(|&i| id_of(&events[i])).collect();
    assert_eq!(ids(&receiver), expected);
}

#[test]
fn a_slow_answer_is_a_failure_and_is_retried_though_the_receiver_did_its_work() {
    let (emu, receiver) = start(
        Emulator::builder()
            .delivery_timeout(Duration::from_millis(200))
            .retry_interval(Duration::from_millis(1)),
    );
    receiver.script([Reply::Late(Duration::from_millis(600), 200)]);
    let event = Event::transaction_created();
    let report = emu.emit_and_wait(event.clone());
    let delivery = &report.deliveries[0];
    assert_eq!(delivery.outcome, Outcome::Delivered);
    assert_eq!(delivery.attempts.len(), 2);
    assert_eq!(
        delivery.attempts[0].result,
        AttemptResult::Error("timed out".into())
    );
    // The receiver got (and would have processed) the event both times.
    assert_eq!(ids(&receiver), [id_of(&event), id_of(&event)]);
}

#[test]
fn retries_fall_due_on_an_injected_clock_at_revoluts_interval() {
    let clock = ManualClock::new(datetime!(2026-11-25 12:00 UTC));
    // Revolut's 10 minutes, in real time as good as never.
    let (emu, receiver) = start(Emulator::builder().clock(clock.clone()));
    receiver.script([Reply::Status(500)]);
    let delivery = emu.emit(Event::transaction_created());
    let (tx, report) = mpsc::channel();
    std::thread::spawn(move || tx.send(delivery.wait()));
    let deadline = Instant::now() + Duration::from_secs(5);
    while receiver.received().is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    clock.advance(time::Duration::minutes(9));
    assert!(report.recv_timeout(Duration::from_millis(100)).is_err());
    clock.advance(time::Duration::minutes(1));
    let report = report
        .recv_timeout(Duration::from_secs(5))
        .expect("the retry falls due when the clock has moved 10 minutes");
    let attempts = &report.deliveries[0].attempts;
    assert_eq!(attempts.len(), 2);
    assert_eq!(
        attempts[1].sent_at,
        datetime!(2026-11-25 12:10 UTC),
        "{attempts:?}"
    );
    assert!(attempts[1].result.is_success());
}
