//! Several relays (processes) on one PostgreSQL server, deliveries duplicated and
//! reordered, one relay killed with `kill -9` mid-run and started again: every accepted
//! event reaches the app until acknowledged, under one key, acknowledged at most
//! 1 + kills times, and never forwarded twice at once.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use serde_json::Value;

use super::*;

const RELAYS: usize = 3;
const OBJECTS: u32 = 8;
const EVENTS_PER_OBJECT: u32 = 3;

/// A deterministic shuffle (a linear congruential generator): reordered, reproducibly.
fn shuffle<T>(items: &mut [T], mut seed: u64) {
    for i in (1..items.len()).rev() {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let j = (seed >> 33) as usize % (i + 1);
        items.swap(i, j);
    }
}

/// An event's identity in the body: its object and its timestamp.
fn identity(body: &[u8]) -> (String, String) {
    let v: Value = serde_json::from_slice(body).unwrap();
    (
        v["data"]["id"].as_str().unwrap().to_owned(),
        v["timestamp"].as_str().unwrap().to_owned(),
    )
}

#[test]
fn several_relays_on_one_postgres_with_duplicates_reordering_and_a_kill_forward_every_event() {
    let store = crate::pg_cluster::database();
    // The app takes a moment per request, so the kill lands while forwards are in flight.
    let app = App::start(Duration::from_millis(30));
    let events: Vec<Vec<u8>> = (0..OBJECTS)
        .flat_map(|o| {
            (0..EVENTS_PER_OBJECT).map(move |n| state_change(&format!("obj-{o}"), o * 10 + n))
        })
        .collect();
    // Some events fail once at the app: retried, possibly by another relay.
    for body in events.iter().step_by(5) {
        let key = revolut_webhooks::events::DeliveryKey::from_body(body).unwrap();
        app.plan(key.as_str(), &[500]);
    }
    let flags = ["--workers", "3", "--lease", "2s", "--timeout", "1s"];
    let mut relays: Vec<Relay> = (0..RELAYS)
        .map(|_| Relay::start(&store, &app.url, &flags))
        .collect();

    // Every event delivered twice (Revolut's retries), in a shuffled order.
    let mut deliveries: Vec<usize> = (0..events.len()).chain(0..events.len()).collect();
    shuffle(&mut deliveries, 20);
    let kill_at = deliveries.len() / 3;
    let restart_at = deliveries.len() * 2 / 3;
    let mut kills = 0;
    let mut accepted = HashSet::new();
    for (i, &event) in deliveries.iter().enumerate() {
        if i == kill_at {
            relays[0].kill();
            kills += 1;
        }
        if i == restart_at {
            relays[0] = Relay::start(&store, &app.url, &flags);
        }
        // As Revolut does: no 200, try again (here: on the next relay, as a load
        // balancer in front of them would).
        let mut attempt = 0;
        loop {
            let relay = &relays[(i + attempt) % RELAYS];
            if deliver(&relay.url, &events[event], SECRET) == Some(200) {
                accepted.insert(event);
                break;
            }
            attempt += 1;
            assert!(attempt < 20, "delivery {i} never accepted");
            std::thread::sleep(POLL);
        }
    }
    assert_eq!(accepted.len(), events.len());

    // Every accepted event is forwarded until the app acknowledged it.
    eventually("every event acknowledged", || {
        let acks = app.acks();
        acks.len() == events.len() && acks.values().all(|&n| n >= 1)
    });
    eventually("nothing pending", || status(&store)["pending"] == 0);
    let status = status(&store);
    assert_eq!(status["received"], events.len(), "{status}");
    assert_eq!(status["dead"], 0, "{status}");

    let got = app.got();
    assert!(got.iter().all(|g| g.verified), "every forward verifies");
    // One key per event, a different one for each.
    let mut keys_of: HashMap<(String, String), HashSet<String>> = HashMap::new();
    for g in &got {
        keys_of
            .entry(identity(&g.body))
            .or_default()
            .insert(g.key.clone().expect("every forward has a key"));
    }
    assert_eq!(keys_of.len(), events.len());
    assert!(keys_of.values().all(|keys| keys.len() == 1), "{keys_of:?}");
    let distinct: HashSet<&String> = keys_of.values().flatten().collect();
    assert_eq!(distinct.len(), events.len());
    // Acknowledged at most once per event, plus once per kill (a relay killed after the
    // app answered, before it recorded "done").
    for (key, n) in app.acks() {
        assert!(n <= 1 + kills, "{key} acknowledged {n} times");
    }
    // Never two forwards of one object at once, across all the relays.
    assert!(
        app.max_in_flight_per_object() <= 1,
        "{} forwards of one object at once",
        app.max_in_flight_per_object()
    );

    for relay in &mut relays {
        assert_eq!(relay.terminate(), 0);
    }
}
