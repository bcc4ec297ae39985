//! Where `replay` records what it delivered: one checkpoint per webhook and receiver.

use std::path::PathBuf;

use revolut_webhooks::WebhookId;
use revolut_webhooks::checkpoint::CheckpointError;
use sha2::{Digest, Sha256};

use crate::failure::Failure;

/// The receiver as the checkpoint names it: its URL without credentials, query
/// or fragment, which may hold secrets and do not change who receives.
pub(super) fn receiver_key(url: &str) -> String {
    let url = url.split(['#', '?']).next().unwrap_or(url);
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let host = authority.rsplit('@').next().unwrap_or(authority);
    format!(
        "{}://{}{path}",
        scheme.to_ascii_lowercase(),
        host.to_ascii_lowercase()
    )
}

/// `revolut-replay-<webhook id>-<8 hex digits of the receiver>.ids`: one file per
/// webhook and receiver, so a replay to staging does not mark events delivered
/// to production.
pub(super) fn default_state(id: WebhookId, receiver: &str) -> PathBuf {
    let digest = Sha256::digest(receiver.as_bytes());
    let tag: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    PathBuf::from(format!("revolut-replay-{id}-{tag}.ids"))
}

pub(super) fn state_failure(error: CheckpointError) -> Failure {
    Failure::usage(format!("--state: {error}"))
}

#[cfg(test)]
mod tests {
    use super::receiver_key;

    #[test]
    fn the_receiver_key_drops_credentials_query_and_fragment() {
        assert_eq!(
            receiver_key("https://user:pw@Hooks.Example.com:8443/Revolut?token=abc#x"),
            "https://hooks.example.com:8443/Revolut"
        );
        assert_eq!(
            receiver_key("http://127.0.0.1:3000"),
            "http://127.0.0.1:3000"
        );
        assert_eq!(receiver_key("HTTP://a.example/p/q"), "http://a.example/p/q");
    }
}
