//! One signed delivery to the receiver, abandoned (not recorded) on Ctrl-C.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use revolut_webhooks::signature::{
    SIGNATURE_HEADER, TIMESTAMP_HEADER, sign_delivery, timestamp_ms,
};
use revolut_webhooks::{FailedEvent, SigningSecret};
use time::OffsetDateTime;

/// How often a wait for the receiver looks whether Ctrl-C was pressed.
const INTERRUPT_POLL: Duration = Duration::from_millis(100);

/// Delivers on a thread of its own and waits for the answer, unless Ctrl-C comes
/// first (`None`): a receiver that stalls must not hold the user hostage for the
/// whole `--timeout`. An answer that came is always taken, even with Ctrl-C.
pub(super) fn deliver_unless_interrupted(
    agent: &ureq::Agent,
    to: &str,
    secret: &SigningSecret,
    event: &FailedEvent,
    interrupted: &AtomicBool,
) -> Option<Result<u16, String>> {
    let (tx, rx) = mpsc::channel();
    let (agent, to, secret) = (agent.clone(), to.to_owned(), secret.clone());
    let body = event.payload_json().as_bytes().to_vec();
    let spawned = std::thread::Builder::new()
        .name("replay-delivery".into())
        .spawn(move || {
            let _ = tx.send(deliver(&agent, &to, &secret, &body));
        });
    if let Err(e) = spawned {
        return Some(Err(format!("cannot start the delivery: {e}")));
    }
    loop {
        match rx.recv_timeout(INTERRUPT_POLL) {
            Ok(result) => return Some(result),
            Err(RecvTimeoutError::Timeout) if interrupted.load(Ordering::SeqCst) => return None,
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                return Some(Err("the delivery stopped without an answer".into()));
            }
        }
    }
}

/// POSTs the payload byte for byte, signed as Revolut signs; the status on a 2xx.
fn deliver(
    agent: &ureq::Agent,
    to: &str,
    secret: &SigningSecret,
    body: &[u8],
) -> Result<u16, String> {
    let timestamp = timestamp_ms(OffsetDateTime::now_utc());
    let mut post = agent
        .post(to)
        .header("content-type", "application/json")
        .header(TIMESTAMP_HEADER, timestamp.to_string())
        .header(SIGNATURE_HEADER, sign_delivery(secret, timestamp, body));
    // The event's delivery key, as the relay sends it: a receiver that keeps keys tells
    // a replayed event from a new one. (A payload that is not an event has none.)
    if let Ok(key) = revolut_webhooks::events::DeliveryKey::from_body(body) {
        post = post.header(crate::relay::IDEMPOTENCY_KEY, key.as_str());
    }
    let response = post.send(body).map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    if (200..300).contains(&status) {
        Ok(status)
    } else {
        Err(format!("HTTP {status}"))
    }
}
