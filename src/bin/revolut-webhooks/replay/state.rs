//! Where `replay` records what it delivered: one checkpoint per webhook and receiver.

use std::path::PathBuf;

use revolut_webhooks::WebhookId;
use revolut_webhooks::checkpoint::CheckpointError;
use sha2::{Digest, Sha256};

use crate::failure::Failure;

/// The receiver as the checkpoint names it: its URL without credentials or
/// fragment, scheme and host in lower case, and its query, which may hold a secret,
/// only as `?sha256=` and 16 hex digits of its SHA-256: receivers that differ only in
/// their query (`?tenant=a`, `?tenant=b`) are different receivers, with different
/// checkpoints, and the query is never written in clear.
pub(super) fn receiver_key(url: &str) -> String {
    let url = url.split('#').next().unwrap_or(url);
    let (url, query) = match url.split_once('?') {
        Some((url, query)) => (url, Some(query)),
        None => (url, None),
    };
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let host = authority.rsplit('@').next().unwrap_or(authority);
    let mut key = format!(
        "{}://{}{path}",
        scheme.to_ascii_lowercase(),
        host.to_ascii_lowercase()
    );
    if let Some(query) = query.filter(|q| !q.is_empty()) {
        key.push_str("?sha256=");
        key.push_str(&hex(&Sha256::digest(query.as_bytes())[..8]));
    }
    key
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `revolut-replay-<webhook id>-<8 hex digits of the receiver>.ids`: one file per
/// webhook and receiver, so a replay to staging does not mark events delivered
/// to production.
pub(super) fn default_state(id: WebhookId, receiver: &str) -> PathBuf {
    let tag = hex(&Sha256::digest(receiver.as_bytes())[..4]);
    PathBuf::from(format!("revolut-replay-{id}-{tag}.ids"))
}

pub(super) fn state_failure(error: CheckpointError) -> Failure {
    Failure::usage(format!("--state: {error}"))
}

#[cfg(test)]
mod tests {
    use super::receiver_key;

    #[test]
    fn the_receiver_key_drops_credentials_and_fragment_and_hashes_the_query() {
        assert_eq!(
            receiver_key("https://user:pw@Hooks.Example.com:8443/Revolut#x"),
            "https://hooks.example.com:8443/Revolut"
        );
        assert_eq!(
            receiver_key("http://127.0.0.1:3000"),
            "http://127.0.0.1:3000"
        );
        assert_eq!(
            receiver_key("HTTP://a.example/p/q?"),
            "http://a.example/p/q"
        );
        let a = receiver_key("https://h.example/hook?token=abc&tenant=a#x");
        let b = receiver_key("https://h.example/hook?token=abc&tenant=b");
        assert!(a.starts_with("https://h.example/hook?sha256="), "{a}");
        assert_eq!(a.len(), "https://h.example/hook?sha256=".len() + 16, "{a}");
        assert_ne!(a, b);
        assert!(!a.contains("abc") && !a.contains("tenant"), "{a}");
        assert_eq!(
            a,
            receiver_key("https://u:p@H.example/hook?token=abc&tenant=a")
        );
    }
}
