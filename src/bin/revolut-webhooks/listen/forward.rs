//! `--forward-to`: passing a verified delivery on to the user's app.

use std::io::Read;
use std::time::Duration;

use revolut_webhooks::signature::{SIGNATURE_HEADER, TIMESTAMP_HEADER};

use super::wire::{Answer, Request};
use crate::failure::Failure;

/// The most of the app's answer passed back to the sender.
const MAX_ANSWER_BYTES: u64 = 64 * 1024;

/// The user's app, reached with the blocking client's HTTP library.
pub(super) struct Forward {
    url: String,
    agent: ureq::Agent,
}

impl Forward {
    pub(super) fn new(url: &str, timeout_secs: u64) -> Result<Forward, Failure> {
        let url = url.trim();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(Failure::usage(format!(
                "--forward-to {url:?}: expected an http:// or https:// URL"
            )));
        }
        let agent = crate::agent::for_url(url, Duration::from_secs(timeout_secs), "--forward-to")?;
        Ok(Forward {
            url: url.to_owned(),
            agent,
        })
    }

    /// POSTs the body byte for byte with the Revolut headers as they came; the
    /// app's status, content type and (bounded) body come back.
    pub(super) fn send(&self, request: &Request) -> Result<Answer, String> {
        let mut post = self.agent.post(&self.url);
        for name in ["content-type", TIMESTAMP_HEADER, SIGNATURE_HEADER] {
            if let Some(value) = request.header(name) {
                post = post.header(name, value);
            }
        }
        let mut response = post.send(&request.body[..]).map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("text/plain")
            .to_owned();
        let mut body = Vec::new();
        // The status is what matters; an answer body cut short is still passed on.
        let _ = response
            .body_mut()
            .as_reader()
            .take(MAX_ANSWER_BYTES)
            .read_to_end(&mut body);
        Ok(Answer {
            status,
            content_type,
            body,
        })
    }
}
