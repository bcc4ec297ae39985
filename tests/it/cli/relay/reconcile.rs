//! `inbox reconcile`: events that exist only in the emulator's failed-events list enter
//! the inbox (new vs known counted) and reach the app through the relay; `replay`
//! sends the same `Idempotency-Key` as the relay.

use std::collections::HashSet;
use std::time::Duration;

use revolut_webhooks::auth::StaticToken;
use revolut_webhooks::blocking::Client;
use revolut_webhooks::emulator::{Emulator, Event};
use revolut_webhooks::{
    CreateWebhook, EventType, FailedEvent, FailedEventsQuery, ManualClock, WebhookId,
};

use super::*;

/// An emulator with a webhook whose receiver was down for `n` events (one minute apart):
/// they are in its failed-events list, and nowhere else.
struct Outage {
    emulator: Emulator,
    id: WebhookId,
    failed: Vec<FailedEvent>,
}

impl Outage {
    fn new(n: u32) -> Outage {
        let clock = ManualClock::new(OffsetDateTime::now_utc() - time::Duration::hours(2));
        let emulator = Emulator::builder()
            .clock(clock.clone())
            .retry_interval(Duration::from_millis(1))
            .delivery_timeout(Duration::from_secs(1))
            .allow_loopback_http(true)
            .start()
            .unwrap();
        let client = Client::builder()
            .environment(emulator.environment())
            .token_provider(StaticToken::new(emulator.access_token().expose_secret()))
            .build()
            .unwrap();
        let hook = client
            .webhooks()
            .create(
                &CreateWebhook::new("https://127.0.0.1:1/down")
                    .unwrap()
                    .with_events([EventType::TransactionStateChanged])
                    .unwrap(),
            )
            .unwrap();
        for i in 0..n {
            clock.advance(time::Duration::minutes(1));
            let event = Event::transaction_state_changed().with_data(json!({
                "id": format!("tx-{i}"),
                "old_state": "pending",
                "new_state": "completed",
            }));
            assert!(!emulator.emit_and_wait(event).all_delivered());
        }
        let failed: Vec<FailedEvent> = client
            .webhooks()
            .failed_events_all(hook.id, &FailedEventsQuery::new())
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(failed.len(), n as usize);
        Outage {
            emulator,
            id: hook.id,
            failed,
        }
    }

    fn env(&self) -> [(&str, &str); 2] {
        [
            ("REVOLUT_ENVIRONMENT", self.emulator.base_url()),
            (
                "REVOLUT_ACCESS_TOKEN",
                self.emulator.access_token().expose_secret(),
            ),
        ]
    }

    fn keys(&self) -> HashSet<String> {
        self.failed
            .iter()
            .map(|f| f.delivery_key().unwrap().to_string())
            .collect()
    }
}

#[test]
fn inbox_reconcile_takes_events_that_exist_only_in_the_failed_events_list() {
    let outage = Outage::new(4);
    let store = crate::pg_cluster::database();
    let app = App::start(Duration::ZERO);
    let mut relay = Relay::start(&store, &app.url, &[]);
    // One of them did get through live (say, Revolut's last retry): the relay has it.
    let live = outage.failed[0].payload_json().as_bytes();
    assert_eq!(deliver(&relay.url, live, SECRET), Some(200));
    assert_eq!(relay.next("forward")["outcome"], "done");

    let id = outage.id.to_string();
    let (code, lines, stderr) = run_json(
        &["inbox", "reconcile", &id, "--store", &store],
        &outage.env(),
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(lines[0]["new"], 3, "{lines:?}");
    assert_eq!(lines[0]["known"], 1, "{lines:?}");

    // The relay forwards the reconciled events, each under the key the live one had.
    eventually("every event acknowledged", || app.acks().len() == 4);
    let keys: HashSet<String> = app.acks().into_keys().collect();
    assert_eq!(keys, outage.keys());
    assert!(app.acks().values().all(|&n| n == 1));

    // Again: nothing new. For people, one line.
    let out = std::process::Command::new(BIN)
        .args(["inbox", "reconcile", &id, "--store", &store])
        .envs(outage.env())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "0 new, 4 already known"
    );
    assert_eq!(relay.terminate(), 0);
    assert_eq!(app.got().len(), 4, "nothing forwarded twice");
}

#[test]
fn replay_sends_the_same_idempotency_key_as_the_relay() {
    let outage = Outage::new(3);
    let app = App::start(Duration::ZERO);
    let dir = scratch("replay-key");
    let state = dir.join("replay.ids").display().to_string();
    let id = outage.id.to_string();
    let (code, _, stderr) = run_json(
        &[
            "replay", &id, "--to", &app.url, "--secret", SECRET, "--state", &state,
        ],
        &outage.env(),
    );
    assert_eq!(code, 0, "{stderr}");
    let keys: HashSet<String> = app
        .got()
        .into_iter()
        .map(|g| g.key.unwrap_or_default())
        .collect();
    assert_eq!(keys, outage.keys());

    // Through a relay, the same events carry the same keys.
    let store = sqlite_store("replay-key-relay");
    let via_relay = App::start(Duration::ZERO);
    let mut relay = Relay::start(&store, &via_relay.url, &[]);
    for failed in &outage.failed {
        assert_eq!(
            deliver(&relay.url, failed.payload_json().as_bytes(), SECRET),
            Some(200)
        );
    }
    eventually("all forwarded", || via_relay.acks().len() == 3);
    assert_eq!(via_relay.acks().into_keys().collect::<HashSet<_>>(), keys);
    assert_eq!(relay.terminate(), 0);
}
