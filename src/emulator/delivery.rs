// Delivering an event: one job per subscribed webhook, which signs, POSTs, retries
// and records the failure, one attempt at a time on the pool (see `pool`).
//
// Below the routes, beside nothing: it reads and changes the state (`Store`) and
// imports no route. Inside, each file imports only those below it: `target` (where
// and how signed), `courier` (what an attempt needs), `job` (one delivery's
// attempts), `pool` (the workers), and this file, which starts them.

mod courier;
mod job;
mod pool;
mod target;

pub(crate) use courier::{Faults, Observer, Settings};

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use uuid::Uuid;

use super::event::Event;
use super::report::{self, Delivery};
use super::state::Store;
use super::times::truncate_micros;
use crate::models::EventType;
use courier::{Courier, InFlight, every_nth};
use job::Job;
use pool::{Pool, enqueue};

/// The deliveries of one emulator: what attempts are made with, and the pool of
/// workers that makes them.
pub(crate) struct Deliverer {
    courier: Arc<Courier>,
    pool: Arc<Pool>,
    /// How many deliveries were queued, for the every-Nth switches.
    numbered: AtomicU64,
}

impl Deliverer {
    pub(crate) fn new(
        store: Arc<Store>,
        settings: Settings,
        agent: ureq::Agent,
        observer: Option<Observer>,
    ) -> Deliverer {
        let courier = Arc::new(Courier::new(store, settings, agent, observer));
        Deliverer {
            pool: Arc::new(Pool::new(courier.clone())),
            courier,
            numbered: AtomicU64::new(0),
        }
    }

    /// Cancels pending retries; first attempts still go out.
    pub(crate) fn stop(&self) {
        self.pool.stop();
    }

    /// Waits until no delivery is under way, at most `timeout`; `true` if none is.
    pub(crate) fn wait_idle(&self, timeout: Duration) -> bool {
        self.courier.wait_idle(timeout)
    }
}

pub(crate) fn new_agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        // A receiver's redirect is not followed: it counts as a failed attempt.
        .max_redirects(0)
        .max_redirects_will_error(false)
        .timeout_global(Some(timeout))
        .user_agent(concat!(
            "revolut-webhooks-emulator/",
            env!("CARGO_PKG_VERSION")
        ))
        .build()
        .into()
}

/// Queues `event` for every webhook subscribed to its type (only `only` if given),
/// on the delivery pool.
pub(crate) fn emit(deliverer: &Arc<Deliverer>, event: &Event, only: Option<Uuid>) -> Delivery {
    let now = deliverer.courier.store.now();
    let body: Arc<str> = event.body_at(now).into();
    remember_transaction(&deliverer.courier.store, event, now);
    let targets: Vec<Uuid> = deliverer
        .courier
        .store
        .lock()
        .webhooks
        .iter()
        .filter(|h| h.events.contains(event.event_type()))
        .filter(|h| only.is_none_or(|id| id == h.id))
        .map(|h| h.id)
        .collect();
    let first_number = deliverer
        .numbered
        .fetch_add(targets.len() as u64, Ordering::Relaxed)
        + 1;
    deliverer.courier.start(targets.len());
    let (done, reports) = mpsc::channel();
    let (first, firsts) = mpsc::channel();
    for (index, &webhook_id) in targets.iter().enumerate() {
        let job = Job {
            index,
            body: body.clone(),
            created_at: now,
            report: report::cancelled(webhook_id),
            event_type: event.event_type().clone(),
            first: Some(first.clone()),
            done: done.clone(),
            _in_flight: InFlight(deliverer.courier.clone()),
            duplicate: false,
            then: None,
        };
        let number = first_number + index as u64;
        let faults = &deliverer.courier.settings.faults;
        let job = Job {
            duplicate: every_nth(number, faults.duplicate_every),
            ..job
        };
        enqueue(
            &deliverer.pool,
            job,
            every_nth(number, faults.reorder_every),
        );
    }
    Delivery {
        event_type: event.event_type().clone(),
        body: body.to_string(),
        targets,
        reports,
        firsts,
    }
}

/// Remembers the transaction a `TransactionCreated` event announces, so the sandbox
/// endpoints can change its state as Revolut's would.
fn remember_transaction(store: &Store, event: &Event, now: time::OffsetDateTime) {
    if *event.event_type() != EventType::TransactionCreated {
        return;
    }
    let data = event.data();
    let (Some(id), Some(state)) = (
        data["id"].as_str().and_then(|id| Uuid::parse_str(id).ok()),
        data["state"].as_str(),
    ) else {
        return;
    };
    let request_id = data["request_id"].as_str().map(str::to_owned);
    store
        .lock()
        .transactions
        .record(id, state, request_id, truncate_micros(now));
}
