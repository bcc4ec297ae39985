//! The one HTTP agent the CLI's own requests use (`listen --forward-to`, `replay --to`,
//! `trigger`): no redirects followed, statuses returned rather than raised.

use std::time::Duration;

/// An agent for requests to `url`, each bounded by `timeout` in all.
pub(crate) fn for_url(_url: &str, timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .timeout_global(Some(timeout))
        .user_agent(concat!("revolut-webhooks-cli/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}
