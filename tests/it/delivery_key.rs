//! `DeliveryKey`: equal for every delivery of one event (key order, whitespace, timestamp
//! spelling, the failed-events payload form), different for different events. Property
//! tests over generated events; runs with no crate feature.

use proptest::prelude::*;
use revolut_webhooks::FailedEvent;
use revolut_webhooks::events::{DeliveryKey, WebhookEvent};
use serde_json::{Map, Value, json};

const STATES: &[&str] = &[
    "created",
    "pending",
    "completed",
    "declined",
    "failed",
    "reverted",
];

/// One event, as fields; rendered into bodies in many spellings.
#[derive(Debug, Clone)]
struct Ev {
    kind: u8,
    id: String,
    /// Microseconds since 2020-01-01.
    micros: i64,
    old: usize,
    new: usize,
    extra: i64,
}

fn ev() -> impl Strategy<Value = Ev> {
    (
        0u8..4,
        "[a-f0-9]{8}-[a-f0-9]{4}",
        0i64..1_000_000_000_000_000,
        0..STATES.len(),
        0..STATES.len(),
        any::<i64>(),
    )
        .prop_map(|(kind, id, micros, old, new, extra)| Ev {
            kind,
            id,
            micros,
            old,
            new,
            extra,
        })
}

fn instant(micros: i64) -> time::OffsetDateTime {
    time::macros::datetime!(2020-01-01 00:00 UTC) + time::Duration::microseconds(micros)
}

/// The event's envelope as a JSON value; `offset_hours` picks the timestamp's spelling.
fn envelope(e: &Ev, offset_hours: i8, six_digits: bool) -> Value {
    let t = instant(e.micros);
    let offset = time::UtcOffset::from_hms(offset_hours, 0, 0).unwrap();
    let local = t.to_offset(offset);
    let ts = if six_digits {
        let base = local
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap();
        // Rfc3339 trims trailing zeros; write six digits instead, as Revolut does.
        let (date_time, rest) = base.split_at(19);
        let zone = rest.trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
        let zone = if zone == "+00:00" { "Z" } else { zone };
        format!("{date_time}.{:06}{zone}", local.microsecond())
    } else {
        local
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    let (event, data) = match e.kind {
        0 => (
            "TransactionStateChanged",
            json!({"id": e.id, "old_state": STATES[e.old], "new_state": STATES[e.new], "request_id": "r"}),
        ),
        1 => (
            "PayoutLinkStateChanged",
            json!({"id": e.id, "old_state": "active", "new_state": if e.new.is_multiple_of(2) { "processed" } else { "expired" }}),
        ),
        2 => (
            "CardCreated",
            json!({"id": e.id, "n": e.extra, "nested": {"b": [1, 2], "a": null}}),
        ),
        _ => (
            "TransactionCreated",
            json!({"id": e.id, "type": "transfer", "state": STATES[e.old],
                   "created_at": "2023-01-26T16:22:21.765313Z", "updated_at": "2023-01-26T16:22:21.765313Z", "legs": []}),
        ),
    };
    json!({"data": data, "event": event, "timestamp": ts})
}

/// Writes a JSON value with object keys in an order picked by `seed`, and whitespace.
fn render(value: &Value, seed: u64, spaced: bool, out: &mut String) {
    let sep = if spaced { " \n " } else { "" };
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            // A seed-driven rotation and reversal: different orders per seed.
            let n = keys.len().max(1);
            keys.rotate_left((seed as usize) % n);
            if seed & 1 == 1 {
                keys.reverse();
            }
            out.push('{');
            out.push_str(sep);
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                    out.push_str(sep);
                }
                out.push_str(&serde_json::to_string(k).unwrap());
                out.push_str(if spaced { " : " } else { ":" });
                render(&map[k], seed / 3, spaced, out);
            }
            out.push_str(sep);
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                    out.push_str(sep);
                }
                render(item, seed, spaced, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

fn body(value: &Value, seed: u64, spaced: bool) -> String {
    let mut out = String::new();
    render(value, seed, spaced, &mut out);
    out
}

fn key(body: &str) -> DeliveryKey {
    DeliveryKey::from_body(body.as_bytes()).unwrap_or_else(|e| panic!("{e}: {body}"))
}

/// The event as the failed-events list shows it: its payload inside a failed event.
fn failed_event(payload: &str) -> FailedEvent {
    let page = format!(
        r#"{{"id":"d6d04ec2-2a48-4825-8fba-3603cdacdba7","created_at":"2023-07-22T11:52:21.297570Z",
            "updated_at":"2023-07-22T11:52:21.534872Z","webhook_id":"c8083529-fb91-4de0-a66d-9fc3ccc1da10",
            "webhook_url":"https://www.example.com","payload":{payload}}}"#
    );
    serde_json::from_str(&page).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Every spelling of one event's body has one key: key order, whitespace, the
    /// timestamp's offset and number of digits.
    #[test]
    fn equal_across_key_order_whitespace_and_timestamp_spelling(
        e in ev(), seed in any::<u64>(), spaced in any::<bool>(), offset in -11i8..12, six in any::<bool>(),
    ) {
        let live = key(&body(&envelope(&e, 0, true), 0, false));
        let retry = key(&body(&envelope(&e, offset, six), seed, spaced));
        prop_assert_eq!(live, retry);
    }

    /// The failed-events payload of an event has the live delivery's key, and so does
    /// the parsed event.
    #[test]
    fn equal_between_live_body_failed_event_and_parsed_event(e in ev(), seed in any::<u64>()) {
        let live_body = body(&envelope(&e, 0, true), 0, false);
        let live = key(&live_body);
        let failed = failed_event(&body(&envelope(&e, 0, false), seed, true));
        prop_assert_eq!(&live, &failed.delivery_key().unwrap());
        prop_assert_eq!(&live, &failed.delivery_key().unwrap());
        let parsed = WebhookEvent::from_slice(live_body.as_bytes()).unwrap();
        prop_assert_eq!(&live, &parsed.delivery_key());
        // And the key's text reads back as itself.
        prop_assert_eq!(&live, &live.as_str().parse::<DeliveryKey>().unwrap());
    }

    /// Events that differ in type, time, object or state change have different keys.
    #[test]
    fn different_for_different_events(e in ev(), f in ev()) {
        let a = envelope(&e, 0, true);
        let b = envelope(&f, 0, true);
        let same_event = a == b;
        let (ka, kb) = (key(&body(&a, 0, false)), key(&body(&b, 0, false)));
        prop_assert_eq!(same_event, ka == kb, "{} vs {}", a, b);
    }

    /// The two state changes of one transaction at one timestamp; one timestamp, two
    /// objects; one object, two timestamps a microsecond apart.
    #[test]
    fn neighbours_differ(e in ev(), other_id in "[a-f0-9]{8}-[a-f0-9]{4}") {
        let base = envelope(&Ev { kind: 0, ..e.clone() }, 0, true);
        let mut second_change = base.clone();
        second_change["data"]["old_state"] = json!(STATES[e.new]);
        second_change["data"]["new_state"] = json!(if e.new == 2 { "reverted" } else { "completed" });
        let mut other_object = base.clone();
        other_object["data"]["id"] = json!(other_id);
        let later = envelope(&Ev { kind: 0, micros: e.micros + 1, ..e.clone() }, 0, true);
        let k = key(&base.to_string());
        if second_change != base {
            prop_assert_ne!(&k, &key(&second_change.to_string()));
        }
        if other_id != e.id {
            prop_assert_ne!(&k, &key(&other_object.to_string()));
        }
        prop_assert_ne!(&k, &key(&later.to_string()));
    }
}

#[test]
fn extra_envelope_fields_and_unknown_data_fields_are_data() {
    // For an unknown type the whole `data` takes part: a changed field is another event.
    let a = key(
        r#"{"event":"CardCreated","timestamp":"2026-01-01T00:00:00Z","data":{"id":"c","x":1}}"#,
    );
    let b = key(
        r#"{"event":"CardCreated","timestamp":"2026-01-01T00:00:00Z","data":{"id":"c","x":2}}"#,
    );
    assert_ne!(a, b);
    // The same type name with a different event name is another event.
    let c = key(
        r#"{"event":"CardUpdated","timestamp":"2026-01-01T00:00:00Z","data":{"id":"c","x":1}}"#,
    );
    assert_ne!(a, c);
    let mut map = Map::new();
    map.insert("x".into(), json!(1));
    map.insert("id".into(), json!("c"));
    let d = key(
        &json!({"timestamp": "2026-01-01T00:00:00+00:00", "event": "CardCreated", "data": map})
            .to_string(),
    );
    assert_eq!(a, d);
}

#[test]
fn a_body_that_is_not_an_event_has_no_key() {
    for bad in [
        &b"not json"[..],
        b"{}",
        b"[]",
        br#"{"event":"TransactionStateChanged","timestamp":"2026-01-01T00:00:00Z","data":{}}"#,
    ] {
        assert!(DeliveryKey::from_body(bad).is_err());
    }
}
