//! Benchmark 3: decoding a page of 1,000 failed events (about 1 MB) in memory.
//!
//! This crate's decoder (`Call::parse`: typed ids and times, the payload kept
//! as raw JSON) against a model whose payload is a `serde_json::Value`, and
//! against a bare scan of the same bytes (`serde::de::IgnoredAny`), the floor of
//! any serde_json decoding.

mod common;

use common::{Target, compare, row};
use revolut_webhooks::FailedEventsQuery;
use revolut_webhooks::request::{self, HttpResponse};
use serde::de::IgnoredAny;
use time::OffsetDateTime;
use uuid::Uuid;

/// The model a user would write without raw payloads: the same fields, the
/// payload decoded into a `serde_json::Value`.
#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct ValueFailedEvent {
    id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    updated_at: OffsetDateTime,
    webhook_id: Uuid,
    webhook_url: String,
    payload: serde_json::Value,
    #[serde(default, with = "time::serde::rfc3339::option")]
    last_sent_date: Option<OffsetDateTime>,
}

fn main() {
    common::banner("decode", common::rounds());
    let now = OffsetDateTime::now_utc();
    let body = common::failed_events_json(1000, common::recent());
    eprintln!("# a page of 1,000 failed events is {} bytes", body.len());
    let response = HttpResponse::new(200, body.clone());
    // A process that has received a page has freed at least one body-sized
    // block, and glibc then stops handing the heap's top back to the OS after
    // every page. Do the same here, or every decode (the model's as much as
    // ours) pays for faulting its memory in again.
    drop(std::hint::black_box(vec![1u8; 4 << 20]));
    let query = FailedEventsQuery::new().with_limit(1000).unwrap();
    let call = request::failed_events(common::WEBHOOK_ID.into(), &query, now).unwrap();

    let ours = |n: u64| {
        for _ in 0..n {
            let page = call.parse(&response, now).unwrap();
            assert_eq!(page.len(), 1000);
            std::hint::black_box(page);
        }
    };
    let value = |n: u64| {
        for _ in 0..n {
            let page: Vec<ValueFailedEvent> = serde_json::from_slice(&body).unwrap();
            assert_eq!(page.len(), 1000);
            std::hint::black_box(page);
        }
    };
    let scan = |n: u64| {
        for _ in 0..n {
            let scanned: IgnoredAny = serde_json::from_slice(&body).unwrap();
            std::hint::black_box(scanned);
        }
    };

    // For a profiler: `decode --only ours|value|scan` runs that decoder alone for a while.
    if let Some(which) = std::env::args().skip_while(|a| a != "--only").nth(1) {
        match which.as_str() {
            "ours" => ours(2000),
            "value" => value(300),
            _ => scan(3000),
        }
        return;
    }

    let c = compare(ours, value);
    row(
        "3",
        "decode 1,000 events vs `Value` payloads",
        "pages/s",
        &c,
        Target::AtLeast(4.0),
    );
    let c = compare(ours, scan);
    row(
        "3",
        "decode 1,000 events vs bare `IgnoredAny` scan",
        "pages/s",
        &c,
        Target::AtLeast(0.5),
    );
}
