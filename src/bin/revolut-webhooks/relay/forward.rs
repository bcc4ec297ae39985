//! Passing a stored event to the app: its raw body, signed afresh with the first secret
//! (so the app verifies as in production), and its delivery key as `Idempotency-Key`.

use std::io::Read;
use std::net::IpAddr;
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
        let Some(host) = host_of(url) else {
            return Err(Failure::usage(format!(
                "--forward-to {url:?}: expected an http:// or https:// URL with a host"
            )));
        };
        let mut config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .timeout_global(Some(timeout))
            .user_agent(concat!(
                "revolut-webhooks-relay/",
                env!("CARGO_PKG_VERSION")
            ));
        // The app on this machine is never reached through a proxy from the environment.
        // (To be replaced by the CLI's one agent rule, `Proxy::for_url`, once merged.)
        if is_loopback(&host) {
            config = config.proxy(None);
        }
        Ok(Forwarder {
            url: url.to_owned(),
            agent: config.build().into(),
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

/// The host of an `http(s)://` URL, without brackets, port or credentials.
fn host_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if !(scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")) {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit('@').next()?;
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next()?
    } else {
        host_port.split(':').next()?
    };
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host.ends_with(".localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_loopback() {
        assert_eq!(
            host_of("http://127.0.0.1:8080/x").as_deref(),
            Some("127.0.0.1")
        );
        assert_eq!(host_of("https://u:p@[::1]:9/").as_deref(), Some("::1"));
        assert_eq!(
            host_of("http://App.Example.com").as_deref(),
            Some("app.example.com")
        );
        assert_eq!(host_of("ftp://x/"), None);
        assert_eq!(host_of("http:///x"), None);
        assert!(is_loopback("127.0.0.2") && is_loopback("::1") && is_loopback("localhost"));
        assert!(!is_loopback("app.example.com") && !is_loopback("10.0.0.1"));
    }
}
