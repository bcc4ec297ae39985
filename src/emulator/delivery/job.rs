//! One event's delivery to one webhook, attempt by attempt.

use std::sync::Arc;
use std::sync::mpsc::Sender;
use std::time::Instant;

use time::OffsetDateTime;

use super::super::report::{Attempt, AttemptLog, Outcome, WebhookDelivery};
use super::courier::{Courier, InFlight, post};
use super::target::signature_header;
use crate::models::{EventType, FailedEventId};
use crate::signature::timestamp_ms;

/// Retries after the first attempt, as Revolut documents for webhooks v2.
pub(crate) const RETRIES: usize = 3;

/// The delivery of one event to one webhook: up to 1 + [`RETRIES`] attempts,
/// `retry_interval` apart. Each attempt reads the webhook's current URL and active
/// secrets, and stamps its own timestamp.
pub(super) struct Job {
    /// Its place in the emitted event's report.
    pub index: usize,
    pub body: Arc<str>,
    pub created_at: OffsetDateTime,
    pub report: WebhookDelivery,
    /// The emitted event's type, for the attempt log.
    pub event_type: EventType,
    /// Where the report goes after the first attempt, once (the control endpoint's answer).
    pub first: Option<Sender<(usize, WebhookDelivery)>>,
    /// Where the finished report goes; dropping the job unsent reports it cancelled.
    pub done: Sender<(usize, WebhookDelivery)>,
    /// Held for its `Drop`: the job counts as in flight until it ends, however.
    pub _in_flight: InFlight,
    /// Deliver it once more once a 2xx answer came ([`EmulatorBuilder::duplicate_every`](crate::emulator::EmulatorBuilder::duplicate_every)).
    pub duplicate: bool,
    /// A job held back to arrive after this one: released once this one's first
    /// attempt is over ([`EmulatorBuilder::reorder_every`](crate::emulator::EmulatorBuilder::reorder_every)).
    pub then: Option<Box<Job>>,
}

/// What is left of a job after an attempt.
pub(super) enum Next {
    /// Failed: try again after the retry interval.
    Retry(Job),
    /// Delivered, and to be delivered once more at once (a duplicate).
    Again(Job),
    Finished,
}

impl Job {
    /// Makes the next attempt; finishes the job (sends its report) unless a retry is due.
    pub(super) fn attempt(mut self, courier: &Courier) -> Next {
        let now = courier.store.now();
        let webhook_id = self.report.webhook_id;
        // This attempt is the duplicate of a delivered event: it ends the job, however
        // it goes.
        let is_duplicate = self.report.outcome == Outcome::Delivered;
        let Some((url, secrets)) = courier
            .store
            .lock()
            .hook(*webhook_id.as_uuid())
            .map(|h| (h.url.clone(), h.active_secrets(now)))
        else {
            return self.finish(); // the webhook was deleted: cancelled
        };
        let timestamp_ms = timestamp_ms(now);
        let signature = signature_header(&secrets, timestamp_ms, self.body.as_bytes());
        let started = Instant::now();
        let result = post(courier, &url, timestamp_ms, &signature, &self.body);
        let latency = started.elapsed();
        let success = result.is_success();
        self.report.url = url;
        self.report.attempts.push(Attempt {
            sent_at: now,
            timestamp_ms,
            signature,
            result,
            latency,
        });
        if is_duplicate {
            self.report.outcome = Outcome::Delivered;
        } else if success {
            self.report.outcome = Outcome::Delivered;
            if self.duplicate {
                self.observe(courier, None);
                return Next::Again(self);
            }
        } else if self.report.attempts.len() <= RETRIES {
            self.observe(courier, None);
            return Next::Retry(self);
        } else {
            self.record_failure(courier);
        }
        let failed = match self.report.outcome {
            Outcome::Failed { failed_event_id } => Some(failed_event_id),
            _ => None,
        };
        self.observe(courier, failed);
        self.finish()
    }

    /// Tells the observer and the control endpoint about the attempt just made.
    fn observe(&mut self, courier: &Courier, recorded_as_failed: Option<FailedEventId>) {
        if let (Some(observer), Some(attempt)) = (&courier.observer, self.report.attempts.last()) {
            let log = AttemptLog {
                event_type: self.event_type.clone(),
                webhook_id: self.report.webhook_id,
                url: self.report.url.clone(),
                attempt: self.report.attempts.len(),
                max_attempts: RETRIES + 1 + usize::from(self.duplicate),
                sent_at: attempt.sent_at,
                latency: attempt.latency,
                result: attempt.result.clone(),
                signatures: attempt.signature_count(),
                recorded_as_failed,
            };
            // A panicking observer loses its line, never the delivery: the job and
            // the worker thread go on.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| observer(&log)));
        }
        // After the observer, so a log line is out before the control endpoint answers.
        if let Some(first) = self.first.take() {
            let _ = first.send((self.index, self.report.clone()));
        }
    }

    /// After the last failed attempt: lists the event among the webhook's failed events.
    fn record_failure(&mut self, courier: &Courier) {
        let webhook_id = self.report.webhook_id;
        let last_sent = self
            .report
            .attempts
            .last()
            .map_or(self.created_at, |a| a.sent_at);
        if let Some(id) = courier.store.lock().record_failure(
            *webhook_id.as_uuid(),
            &self.report.url,
            &self.body,
            self.created_at,
            last_sent,
        ) {
            self.report.outcome = Outcome::Failed {
                failed_event_id: id.into(),
            };
        }
    }

    pub(super) fn finish(self) -> Next {
        // The emitter may have dropped its `Delivery`: nobody to tell, nothing lost.
        let _ = self.done.send((self.index, self.report));
        Next::Finished
    }

    /// When its last attempt was sent, on the emulator's clock.
    pub(super) fn last_sent_at(&self) -> OffsetDateTime {
        self.report
            .attempts
            .last()
            .map_or(self.created_at, |a| a.sent_at)
    }

    /// Whether it has not been tried yet: a first attempt is made even while the
    /// emulator stops, only retries are cancelled.
    pub(super) fn untried(&self) -> bool {
        self.report.attempts.is_empty()
    }
}
