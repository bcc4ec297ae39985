//! The consent URL, the first step of setup: where a user approves the app.

use std::fmt;

use crate::config::Environment;
use crate::encoding::percent_encode_into;

/// The consent URL a user opens to approve the app, the first step of setup.
///
/// After approval the Business app redirects to `redirect_uri?code=…`; exchange that
/// code with [`authorization_code_request`](super::authorization_code_request) (or the clients' `exchange_authorization_code`).
///
/// ```
/// use revolut_webhooks::auth::ConsentUrl;
/// use revolut_webhooks::Environment;
///
/// let url = ConsentUrl::new(&Environment::Sandbox, "client-id", "https://example.com/cb")
///     .with_scope("READ,WRITE");
/// assert_eq!(
///     url.to_string(),
///     "https://sandbox-business.revolut.com/app-confirm?client_id=client-id\
///      &redirect_uri=https%3A%2F%2Fexample.com%2Fcb&response_type=code&scope=READ%2CWRITE"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentUrl {
    base: String,
    client_id: String,
    redirect_uri: String,
    scope: Option<String>,
}

impl ConsentUrl {
    /// The consent URL of `environment`: `https://business.revolut.com/app-confirm`
    /// (sandbox: `https://sandbox-business.revolut.com/app-confirm`; a custom host:
    /// `<host>/app-confirm`).
    pub fn new(environment: &Environment, client_id: &str, redirect_uri: &str) -> Self {
        let base = match environment {
            Environment::Production => "https://business.revolut.com/app-confirm".to_owned(),
            Environment::Sandbox => "https://sandbox-business.revolut.com/app-confirm".to_owned(),
            other => format!("{}/app-confirm", other.base_url()),
        };
        ConsentUrl {
            base,
            client_id: client_id.trim().to_owned(),
            redirect_uri: redirect_uri.trim().to_owned(),
            scope: None,
        }
    }

    /// Sets the scopes to ask for, such as `READ,WRITE` (webhooks need both to be
    /// managed). Without it, the app's configured scopes apply.
    #[must_use]
    pub fn with_scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// The scopes asked for, if set.
    pub fn scope(&self) -> Option<&str> {
        self.scope.as_deref()
    }

    /// The URL to open.
    pub fn to_url(&self) -> String {
        let mut url = format!("{}?client_id=", self.base);
        percent_encode_into(&self.client_id, &mut url);
        url.push_str("&redirect_uri=");
        percent_encode_into(&self.redirect_uri, &mut url);
        url.push_str("&response_type=code");
        if let Some(scope) = &self.scope {
            url.push_str("&scope=");
            percent_encode_into(scope, &mut url);
        }
        url
    }
}

impl fmt::Display for ConsentUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_url())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consent_urls() {
        assert_eq!(
            ConsentUrl::new(&Environment::Production, "cid", "https://example.com").to_url(),
            "https://business.revolut.com/app-confirm?client_id=cid&redirect_uri=https%3A%2F%2Fexample.com&response_type=code"
        );
        let local = Environment::custom("http://127.0.0.1:9").unwrap();
        assert!(
            ConsentUrl::new(&local, "cid", "x")
                .to_url()
                .starts_with("http://127.0.0.1:9/app-confirm?")
        );
    }
}
