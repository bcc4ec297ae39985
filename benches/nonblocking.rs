//! Benchmarks 1, 2 and 5, async: `nonblocking::Client` against raw `reqwest` +
//! `serde_json` into the same structs, on the same local server, in one run, on
//! one tokio multi-threaded runtime.
//!
//! 1. `list` of 10 webhooks, one call at a time.
//! 2. `failed_events`, pages of 100 and 1,000 events.
//! 5. `list` with 64 calls in flight on one client.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{RawFailedEvent, RawWebhook, Target, compare, row};
use revolut_webhooks::auth::StaticToken;
use revolut_webhooks::nonblocking::Client;
use revolut_webhooks::{Environment, FailedEventsQuery};

const IN_FLIGHT: u64 = 64;

/// The baseline: what a careful hand-written caller does, with the same timeouts.
async fn raw_get(client: &reqwest::Client, url: &str) -> impl std::ops::Deref<Target = [u8]> {
    client
        .get(url)
        .bearer_auth(common::TOKEN)
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
}

fn main() {
    common::banner("nonblocking", common::rounds());
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
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();

    let client = Client::builder()
        .environment(Environment::custom(&base).unwrap())
        .token_provider(StaticToken::new(common::TOKEN))
        .build()
        .unwrap();
    let raw = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();

    // 1. list, one at a time
    let list_url = format!("{base}/api/2.0/webhooks");
    let c = compare(
        |n| {
            runtime.block_on(async {
                for _ in 0..n {
                    let hooks = client.webhooks().list().await.unwrap();
                    assert_eq!(hooks.len(), 10);
                }
            })
        },
        |n| {
            runtime.block_on(async {
                for _ in 0..n {
                    let body = raw_get(&raw, &list_url).await;
                    let hooks: Vec<RawWebhook> = serde_json::from_slice(&body).unwrap();
                    assert_eq!(hooks.len(), 10);
                }
            })
        },
    );
    row(
        "1",
        "`list` (10 webhooks), async vs reqwest",
        "calls/s",
        &c,
        Target::AtLeast(0.95),
    );

    // 2. failed_events pages
    for size in [100usize, 1000] {
        let query = FailedEventsQuery::new().with_limit(size as u32).unwrap();
        let c = compare(
            |n| {
                runtime.block_on(async {
                    for _ in 0..n {
                        let page = client
                            .webhooks()
                            .failed_events(common::WEBHOOK_ID.into(), &query)
                            .await
                            .unwrap();
                        assert_eq!(page.len(), size);
                    }
                })
            },
            |n| {
                runtime.block_on(async {
                    for _ in 0..n {
                        let url = format!(
                            "{base}/api/2.0/webhooks/{}/failed-events?limit={size}",
                            common::WEBHOOK_ID
                        );
                        let body = raw_get(&raw, &url).await;
                        let page: Vec<RawFailedEvent> = serde_json::from_slice(&body).unwrap();
                        assert_eq!(page.len(), size);
                    }
                })
            },
        );
        row(
            "2",
            &format!("`failed_events` page of {size}, async vs reqwest"),
            "pages/s",
            &c,
            Target::AtLeast(0.95),
        );
    }

    // 5. 64 calls in flight: 64 tasks, each making its share of the calls in turn.
    // One operation is one round of 64 calls.
    let c = compare(
        |n| {
            runtime.block_on(async {
                let tasks: Vec<_> = (0..IN_FLIGHT)
                    .map(|_| {
                        let client = client.clone();
                        tokio::spawn(async move {
                            for _ in 0..n {
                                let hooks = client.webhooks().list().await.unwrap();
                                assert_eq!(hooks.len(), 10);
                            }
                        })
                    })
                    .collect();
                for task in tasks {
                    task.await.unwrap();
                }
            })
        },
        |n| {
            runtime.block_on(async {
                let tasks: Vec<_> = (0..IN_FLIGHT)
                    .map(|_| {
                        let raw = raw.clone();
                        let url = list_url.clone();
                        tokio::spawn(async move {
                            for _ in 0..n {
                                let body = raw_get(&raw, &url).await;
                                let hooks: Vec<RawWebhook> = serde_json::from_slice(&body).unwrap();
                                assert_eq!(hooks.len(), 10);
                            }
                        })
                    })
                    .collect();
                for task in tasks {
                    task.await.unwrap();
                }
            })
        },
    );
    let per_call = common::Comparison {
        ours: c.ours * IN_FLIGHT as f64,
        base: c.base * IN_FLIGHT as f64,
        ratio: c.ratio,
    };
    row(
        "5",
        "`list` × 64 in flight, async vs reqwest",
        "calls/s",
        &per_call,
        Target::AtLeast(0.95),
    );
}
