//! Benchmarks 1 and 2, blocking: `blocking::Client` against raw `ureq` +
//! `serde_json` into the same structs, on the same local server, in one run.
//!
//! 1. `list` of 10 webhooks.
//! 2. `failed_events`, pages of 100 and 1,000 events.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{RawFailedEvent, RawWebhook, Target, compare, row};
use revolut_webhooks::auth::StaticToken;
use revolut_webhooks::blocking::Client;
use revolut_webhooks::{Environment, FailedEventsQuery};

fn main() {
    common::banner("blocking", common::rounds());
    let list = Arc::new(common::ok_json(&common::webhooks_json(10)));
    let newest = common::recent();
    let page_100 = Arc::new(common::ok_json(&common::failed_events_json(100, newest)));
    let page_1000 = Arc::new(common::ok_json(&common::failed_events_json(1000, newest)));
    let missing = Arc::new(common::not_found());
    let addr = common::serve(Arc::new(move |target: &str| {
        let path = target.split('?').next().unwrap_or("");
        if path == "/api/2.0/webhooks" {
            list.clone()
        } else if path.ends_with("/failed-events") {
            match common::query_param(target, "limit") {
                Some("1000") => page_1000.clone(),
                _ => page_100.clone(),
            }
        } else {
            missing.clone()
        }
    }));
    let base = format!("http://{addr}");

    let client = Client::builder()
        .environment(Environment::custom(&base).unwrap())
        .token_provider(StaticToken::new(common::TOKEN))
        .build()
        .unwrap();
    // The baseline: what a careful hand-written caller does, with the same timeouts.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(10)))
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let auth = format!("Bearer {}", common::TOKEN);
    let raw_get = |url: &str| -> Vec<u8> {
        agent
            .get(url)
            .header("authorization", &auth)
            .header("accept", "application/json")
            .call()
            .unwrap()
            .body_mut()
            .read_to_vec()
            .unwrap()
    };

    // 1. list
    let list_url = format!("{base}/api/2.0/webhooks");
    let c = compare(
        |n| {
            for _ in 0..n {
                let hooks = client.webhooks().list().unwrap();
                assert_eq!(hooks.len(), 10);
            }
        },
        |n| {
            for _ in 0..n {
                let hooks: Vec<RawWebhook> = serde_json::from_slice(&raw_get(&list_url)).unwrap();
                assert_eq!(hooks.len(), 10);
            }
        },
    );
    row(
        "1",
        "`list` (10 webhooks), blocking vs ureq",
        "calls/s",
        &c,
        Target::AtLeast(0.95),
    );

    // 2. failed_events pages
    for size in [100usize, 1000] {
        let query = FailedEventsQuery::new().with_limit(size as u32).unwrap();
        let c = compare(
            |n| {
                for _ in 0..n {
                    let page = client
                        .webhooks()
                        .failed_events(common::WEBHOOK_ID.into(), &query)
                        .unwrap();
                    assert_eq!(page.len(), size);
                }
            },
            |n| {
                for _ in 0..n {
                    let url = format!(
                        "{base}/api/2.0/webhooks/{}/failed-events?limit={size}",
                        common::WEBHOOK_ID
                    );
                    let page: Vec<RawFailedEvent> = serde_json::from_slice(&raw_get(&url)).unwrap();
                    assert_eq!(page.len(), size);
                }
            },
        );
        row(
            "2",
            &format!("`failed_events` page of {size}, blocking vs ureq"),
            "pages/s",
            &c,
            Target::AtLeast(0.95),
        );
    }
}
