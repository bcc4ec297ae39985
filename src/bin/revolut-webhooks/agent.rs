//! The one HTTP agent the CLI's own requests use (`listen --forward-to`, `replay --to`,
//! `trigger`): no redirects followed, statuses returned rather than raised, and the
//! proxy chosen by the library's rule ([`revolut_webhooks::Proxy::for_url`]) rather
//! than ureq's, which would send plain-http loopback traffic to `HTTP_PROXY`.

use std::time::Duration;

use revolut_webhooks::Proxy;

use crate::failure::Failure;

/// An agent for requests to `url`, each bounded by `timeout` in all; `flag` names
/// the flag that gave the URL, for the error.
pub(crate) fn for_url(url: &str, timeout: Duration, flag: &str) -> Result<ureq::Agent, Failure> {
    let proxy = Proxy::from_env()
        .for_url(url)
        .map_err(|e| Failure::usage(format!("{flag}: {}", e.reason)))?
        .map(|proxy| {
            // The library checked the URL; ureq's refusal is named without the value.
            ureq::Proxy::new(&proxy).map_err(|_| {
                Failure::usage(format!("{flag}: the proxy URL is not one ureq can use"))
            })
        })
        .transpose()?;
    Ok(ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .timeout_global(Some(timeout))
        .proxy(proxy)
        .user_agent(concat!("revolut-webhooks-cli/", env!("CARGO_PKG_VERSION")))
        .build()
        .into())
}
