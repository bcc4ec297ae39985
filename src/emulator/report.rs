//! What the emulator reports about deliveries: the `Delivery` under way, its
//! `DeliveryReport`, each attempt, and the `AttemptLog` an observer sees.

use std::fmt;
use std::sync::mpsc;
use std::time::Duration;

use time::OffsetDateTime;
use uuid::Uuid;

use crate::models::{EventType, FailedEventId, WebhookId};

/// A delivery that made no attempt (yet).
pub(super) fn cancelled(webhook_id: Uuid) -> WebhookDelivery {
    WebhookDelivery {
        webhook_id: webhook_id.into(),
        url: String::new(),
        attempts: Vec::new(),
        outcome: Outcome::Cancelled,
    }
}

/// The deliveries of one emitted event, under way. [`wait`](Delivery::wait) for
/// the report; dropping it lets the deliveries go on in the background.
#[must_use = "call .wait() to know how the delivery went"]
pub struct Delivery {
    pub(super) event_type: EventType,
    pub(super) body: String,
    pub(super) targets: Vec<Uuid>,
    /// Each job's report, by its index in `targets`.
    pub(super) reports: mpsc::Receiver<(usize, WebhookDelivery)>,
    /// Each job's report after its first attempt, by index.
    pub(super) firsts: mpsc::Receiver<(usize, WebhookDelivery)>,
}

impl fmt::Debug for Delivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Delivery")
            .field("event_type", &self.event_type)
            .field("webhooks", &self.targets.len())
            .finish()
    }
}

impl Delivery {
    /// How many webhooks the event is being delivered to.
    pub fn webhook_count(&self) -> usize {
        self.targets.len()
    }

    /// The exact body being delivered (and signed).
    pub fn body(&self) -> &str {
        &self.body
    }

    /// Waits for the first attempt to every webhook: the reports then hold one
    /// attempt each (none for a webhook deleted meanwhile). Retries go on.
    pub(super) fn first_attempts(&self) -> Vec<WebhookDelivery> {
        collect(&self.firsts, &self.targets)
    }

    /// Waits until every webhook's delivery has succeeded, failed for good (after
    /// all retries) or been cancelled, and reports how each went.
    pub fn wait(self) -> DeliveryReport {
        let deliveries = collect(&self.reports, &self.targets);
        DeliveryReport {
            event_type: self.event_type,
            body: self.body,
            deliveries,
        }
    }
}

/// One report per target, in order, from jobs that send `(index, report)`.
fn collect(
    reports: &mpsc::Receiver<(usize, WebhookDelivery)>,
    targets: &[Uuid],
) -> Vec<WebhookDelivery> {
    let mut slots: Vec<Option<WebhookDelivery>> = vec![None; targets.len()];
    // Ends when every job reported or was dropped unreported (say by a panic),
    // which closes the channel.
    while !slots.iter().all(Option::is_some) {
        let Ok((index, report)) = reports.recv() else {
            break;
        };
        if let Some(slot) = slots.get_mut(index) {
            *slot = Some(report);
        }
    }
    slots
        .into_iter()
        .zip(targets)
        .map(|(slot, &id)| slot.unwrap_or_else(|| cancelled(id)))
        .collect()
}

/// How an emitted event's deliveries went.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeliveryReport {
    /// The event's type.
    pub event_type: EventType,
    /// The exact body that was delivered and signed.
    pub body: String,
    /// One entry per webhook subscribed to the type, in creation order.
    pub deliveries: Vec<WebhookDelivery>,
}

impl DeliveryReport {
    /// Whether every subscribed webhook acknowledged the event (true when none was subscribed).
    pub fn all_delivered(&self) -> bool {
        self.deliveries
            .iter()
            .all(|d| d.outcome == Outcome::Delivered)
    }

    /// The delivery to one webhook, if it was subscribed.
    pub fn for_webhook(&self, id: WebhookId) -> Option<&WebhookDelivery> {
        self.deliveries.iter().find(|d| d.webhook_id == id)
    }
}

/// The delivery of one event to one webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WebhookDelivery {
    /// The webhook.
    pub webhook_id: WebhookId,
    /// Its URL at the last attempt.
    pub url: String,
    /// Every attempt, first to last: at most four (one and three retries).
    pub attempts: Vec<Attempt>,
    /// How it ended.
    pub outcome: Outcome,
}

/// How the delivery to one webhook ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// An attempt got a 2xx answer.
    Delivered,
    /// Every attempt failed; the event is listed in the webhook's failed events.
    Failed {
        /// The `id` of the failed event.
        failed_event_id: FailedEventId,
    },
    /// Stopped early: the webhook was deleted or the emulator shut down.
    Cancelled,
}

/// One POST to a receiver.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Attempt {
    /// When it was sent, on the emulator's clock.
    pub sent_at: OffsetDateTime,
    /// The `Revolut-Request-Timestamp` header: `sent_at` in Unix milliseconds.
    pub timestamp_ms: u64,
    /// The `Revolut-Signature` header: a `v1=<hex>` per active signing secret,
    /// current secret first, separated by commas.
    pub signature: String,
    /// What came back.
    pub result: AttemptResult,
    /// From sending the request to its answer's status (or the error), in real time.
    pub latency: Duration,
}

impl Attempt {
    /// How many signatures the `Revolut-Signature` header carried: one per active secret.
    pub fn signature_count(&self) -> usize {
        self.signature
            .split(',')
            .filter(|s| s.starts_with("v1="))
            .count()
    }
}

/// One delivery attempt, as [`EmulatorBuilder::on_attempt`](super::EmulatorBuilder::on_attempt)
/// sees it just after it was made: a live log of what the emulator sends.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AttemptLog {
    /// The event's type.
    pub event_type: EventType,
    /// The webhook delivered to.
    pub webhook_id: WebhookId,
    /// The URL it was POSTed to.
    pub url: String,
    /// Which attempt this was, from 1.
    pub attempt: usize,
    /// How many attempts a delivery gets at most: 4 (one and three retries).
    pub max_attempts: usize,
    /// When it was sent, on the emulator's clock.
    pub sent_at: OffsetDateTime,
    /// From sending the request to its answer's status (or the error), in real time.
    pub latency: Duration,
    /// What came back.
    pub result: AttemptResult,
    /// How many signatures the `Revolut-Signature` header carried.
    pub signatures: usize,
    /// Set after the last attempt failed: the id under which the event is now listed
    /// among the webhook's failed events.
    pub recorded_as_failed: Option<FailedEventId>,
}

/// What a receiver answered.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AttemptResult {
    /// An HTTP status; 2xx counts as delivered.
    Status(u16),
    /// No answer: connection refused, timeout, TLS error, refused target…
    Error(String),
}

impl fmt::Display for AttemptResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttemptResult::Status(status) => write!(f, "HTTP {status}"),
            AttemptResult::Error(error) => f.write_str(error),
        }
    }
}

impl AttemptResult {
    /// Whether the receiver answered with a 2xx status.
    pub fn is_success(&self) -> bool {
        matches!(self, AttemptResult::Status(s) if (200..300).contains(s))
    }
}
