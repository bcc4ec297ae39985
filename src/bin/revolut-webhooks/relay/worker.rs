//! Forwarding workers: claim a ready event, pass it to the app, record the outcome;
//! wait when none is ready. A stop is seen between events: the event in hand is
//! finished (its forward is bounded by `--timeout`), never abandoned mid-way.

use std::sync::Arc;
use std::time::Duration;

use revolut_webhooks::inbox::{Claim, Inbox, Outcome};
use tokio::sync::{Notify, mpsc, watch};

use super::forward::Forwarder;
use super::log::Line;
use crate::output;

/// The longest an idle worker waits before looking again (events stored by another
/// relay, retries falling due).
const IDLE: Duration = Duration::from_millis(250);

pub(super) struct Worker {
    pub(super) inbox: Inbox,
    pub(super) forwarder: Arc<Forwarder>,
    pub(super) wake: Arc<Notify>,
    pub(super) log: mpsc::Sender<Line>,
    pub(super) lease: Duration,
}

impl Worker {
    pub(super) async fn run(self, mut stop: watch::Receiver<bool>) {
        let mut failing = false;
        loop {
            if *stop.borrow() {
                return;
            }
            let notified = self.wake.notified();
            match self.inbox.claim().await {
                Ok(Some(claim)) => {
                    failing = false;
                    self.forward(claim).await;
                    continue;
                }
                Ok(None) => failing = false,
                Err(e) => {
                    // Once per outage, not once per poll.
                    if !failing {
                        output::note(format_args!("relay: cannot claim events: {e}"));
                    }
                    failing = true;
                }
            }
            tokio::select! {
                _ = notified => {}
                _ = tokio::time::sleep(IDLE) => {}
                _ = stop.changed() => return,
            }
        }
    }

    async fn forward(&self, claim: Claim) {
        let event = claim.event();
        // The agent's own timeout is shorter than the lease; this one is the backstop,
        // so the event is never recorded by a worker whose lease may have ended.
        let sent = tokio::time::timeout(self.lease, self.forwarder.send(event)).await;
        let (status, error, recorded) = match sent {
            Ok(Ok(status)) if (200..300).contains(&status) => (
                Some(status),
                None,
                self.inbox.complete(&claim).await.map(|done| {
                    if done {
                        "done".to_owned()
                    } else {
                        "lease lost".to_owned()
                    }
                }),
            ),
            Ok(Ok(status)) => {
                let why = format!("the app answered {status}");
                (Some(status), None, self.fail(&claim, &why).await)
            }
            Ok(Err(why)) => {
                let recorded = self.fail(&claim, &why).await;
                (None, Some(why), recorded)
            }
            Err(_) => {
                let why = format!("no answer within the lease ({:?})", self.lease);
                let recorded = self.fail(&claim, &why).await;
                (None, Some(why), recorded)
            }
        };
        let outcome =
            recorded.unwrap_or_else(|e| format!("not recorded ({e}); retried after the lease"));
        let event = claim.event();
        let _ = self
            .log
            .send(Line::Forward {
                key: event.key.to_string(),
                event: event.event_type.clone(),
                data_id: event.object_id.clone(),
                attempt: event.attempt,
                status,
                outcome,
                error,
            })
            .await;
    }

    async fn fail(
        &self,
        claim: &Claim,
        why: &str,
    ) -> Result<String, revolut_webhooks::inbox::InboxError> {
        Ok(match self.inbox.fail(claim, why).await? {
            Outcome::Retry { after, .. } => format!("retry in {}", short(after)),
            Outcome::Dead { .. } => "dead".to_owned(),
            Outcome::LeaseLost => "lease lost".to_owned(),
            Outcome::Done => "done".to_owned(),
            _ => "recorded".to_owned(),
        })
    }
}

/// `250 ms`, `2.5 s`, `600 s`.
fn short(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}
