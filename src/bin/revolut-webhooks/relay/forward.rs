//! Passing a stored event to the app: its raw body, signed afresh with the first secret
//! (so the app verifies as in production), and its delivery key as `Idempotency-Key`.

use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use revolut_webhooks::SigningSecret;
use revolut_webhooks::inbox::InboxEvent;
use revolut_webhooks::signature::{
    SIGNATURE_HEADER, TIMESTAMP_HEADER, sign_delivery, timestamp_ms,
};
use time::OffsetDateTime;

use crate::failure::Failure;

/// The header that carries the event's delivery key, as `replay` sends it too.
pub(crate) const IDEMPOTENCY_KEY: &str = "Idempotency-Key";
/// The most of the app's answer read (and dropped).
const MAX_ANSWER_BYTES: u64 = 64 * 1024;

/// The app, reached with the blocking client's HTTP library on the runtime's blocking
/// threads.
pub(super) struct Forwarder {
    url: String,
    agent: ureq::Agent,
    secret: SigningSecret,
}

impl Forwarder {
    pub(super) fn new(
        url: &str,
        timeout: Duration,
        secret: SigningSecret,
    ) -> Result<Forwarder, Failure> {
        let url = url.trim();
        // The CLI's one agent, with the library's proxy rule: an app on this machine
        // over plain http is never reached through a proxy.
        let agent = crate::agent::for_url(url, timeout, "--forward-to")?;
        Ok(Forwarder {
            url: url.to_owned(),
            agent,
            secret,
        })
    }

    /// POSTs the event; the app's status, or why there was none.
    pub(super) async fn send(self: &Arc<Self>, event: &InboxEvent) -> Result<u16, String> {
        let this = self.clone();
        let body = event.body.clone();
        let key = event.key.to_string();
        tokio::task::spawn_blocking(move || this.send_blocking(&body, &key))
            .await
            .map_err(|e| format!("the forwarding thread failed: {e}"))?
    }

    fn send_blocking(&self, body: &[u8], key: &str) -> Result<u16, String> {
        let timestamp = timestamp_ms(OffsetDateTime::now_utc());
        let response = self
            .agent
            .post(&self.url)
            .header("content-type", "application/json")
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .header(
                SIGNATURE_HEADER,
                sign_delivery(&self.secret, timestamp, body),
            )
            .header(IDEMPOTENCY_KEY, key)
            .send(body)
            .map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let mut sink = Vec::new();
        let _ = response
            .into_body()
            .into_reader()
            .take(MAX_ANSWER_BYTES)
            .read_to_end(&mut sink);
        Ok(status)
    }
}
