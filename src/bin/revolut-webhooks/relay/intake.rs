//! Taking deliveries: each connection read within one deadline, verified, parsed and
//! stored durably before the 200; a bounded number of connections at once.

use std::sync::Arc;
use std::time::Duration;

use revolut_webhooks::events::WebhookEvent;
use revolut_webhooks::inbox::{Accepted, Inbox, InboxError};
use revolut_webhooks::signature::{SIGNATURE_HEADER, TIMESTAMP_HEADER, Verifier, VerifyError};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, Semaphore, mpsc, watch};
use tokio::task::JoinSet;

use super::log::Line;
use super::wire::{read_request, write_answer};

/// Connections served at once; more wait in the listen backlog.
const MAX_CONNECTIONS: usize = 64;
/// Time for a whole request to arrive, head and body: a slow sender cannot hold a slot.
const REQUEST_DEADLINE: Duration = Duration::from_secs(10);

/// What serving a delivery needs.
pub(super) struct Intake {
    pub(super) verifier: Verifier,
    pub(super) tolerance_secs: u64,
    pub(super) inbox: Inbox,
    /// Told when an event was stored, so an idle worker forwards it at once.
    pub(super) wake: Arc<Notify>,
    pub(super) log: mpsc::Sender<Line>,
    pub(super) max_body: usize,
}

/// Serves connections until `stop` says so, then waits for those in flight (each is
/// bounded: the request deadline, the store's write timeout, the answer's write timeout).
pub(super) async fn serve(
    listener: TcpListener,
    intake: Arc<Intake>,
    mut stop: watch::Receiver<bool>,
) {
    let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let mut tasks = JoinSet::new();
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            _ = stop.changed() => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => {
                    // Out of file descriptors and the like: pause rather than spin.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = stop.changed() => break,
        };
        let intake = intake.clone();
        tasks.spawn(async move {
            let _permit = permit;
            intake.handle(stream).await;
        });
        while tasks.try_join_next().is_some() {}
    }
    // No new deliveries from here on: the port closes.
    drop(listener);
    while tasks.join_next().await.is_some() {}
}

impl Intake {
    async fn handle(&self, mut stream: TcpStream) {
        let read = tokio::time::timeout(REQUEST_DEADLINE, read_request(&mut stream, self.max_body));
        let request = match read.await {
            Ok(Ok(request)) => request,
            Ok(Err(refusal)) => {
                write_answer(&mut stream, refusal.status, &refusal.reason, true).await;
                return self.refused(refusal.status, refusal.reason).await;
            }
            Err(_) => {
                let why = format!(
                    "the request did not arrive whole within {} s",
                    REQUEST_DEADLINE.as_secs()
                );
                write_answer(&mut stream, 408, &why, true).await;
                return self.refused(408, why).await;
            }
        };
        if request.method != "POST" {
            let why = format!(
                "{} {}: the relay takes POSTed deliveries only",
                request.method, request.path
            );
            write_answer(&mut stream, 405, &why, false).await;
            return self.refused(405, why).await;
        }
        let timestamp = request.header(TIMESTAMP_HEADER).unwrap_or("");
        let signature = request.header(SIGNATURE_HEADER).unwrap_or("");
        if let Err(why) = self.verifier.verify(&request.body, timestamp, signature) {
            let why = why_not(&why, self.tolerance_secs);
            write_answer(&mut stream, 401, &why, false).await;
            return self.refused(401, why).await;
        }
        let event = match WebhookEvent::from_slice(&request.body) {
            Ok(event) => event,
            Err(e) => {
                let why = format!("not a webhook event: {e}");
                write_answer(&mut stream, 400, &why, false).await;
                return self.refused(400, why).await;
            }
        };
        let event_type = Some(event.event.as_str().to_owned());
        let data_id = event.object_id();
        let (status, what, key) = match self.inbox.accept_event(&request.body, &event).await {
            Ok(Accepted::New { key }) => {
                self.wake.notify_waiters();
                (200, "new".to_owned(), Some(key))
            }
            Ok(accepted) => (200, "duplicate".to_owned(), Some(accepted.key().clone())),
            Err(e @ InboxError::BodyTooLarge { .. }) => (413, e.to_string(), None),
            Err(e) if e.is_bad_delivery() => (400, e.to_string(), None),
            // Not stored: the sender must try again later, which Revolut does.
            Err(e) => (503, format!("not stored: {e}"), None),
        };
        let answer = match status {
            200 => "stored",
            503 => "the relay cannot store deliveries right now; try again later",
            _ => what.as_str(),
        };
        write_answer(&mut stream, status, answer, false).await;
        let _ = self
            .log
            .send(Line::Delivery {
                status,
                what,
                event: event_type,
                data_id,
                key: key.map(|k| k.to_string()),
            })
            .await;
    }

    async fn refused(&self, status: u16, why: String) {
        let _ = self
            .log
            .send(Line::Delivery {
                status,
                what: why,
                event: None,
                data_id: None,
                key: None,
            })
            .await;
    }
}

/// Why a delivery did not verify, for the sender and the log.
fn why_not(why: &VerifyError, tolerance_secs: u64) -> String {
    match why {
        VerifyError::NoMatch => {
            "no signature matches the relay's secret(s): is it this webhook's secret?".to_owned()
        }
        VerifyError::TimestampTooOld { .. } | VerifyError::TimestampInFuture { .. } => {
            format!("{why} (the relay's tolerance is {tolerance_secs} s)")
        }
        other => other.to_string(),
    }
}
