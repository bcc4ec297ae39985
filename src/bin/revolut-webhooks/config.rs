//! The client, from flags and the environment.

use revolut_webhooks::Environment;
use revolut_webhooks::auth::StaticToken;
use revolut_webhooks::auth::{ClientAssertion, RefreshToken};
use revolut_webhooks::blocking::{Client, RefreshingTokenProvider};
use revolut_webhooks::shared_state::SharedState;

use crate::args::Api;
use crate::failure::{AUTH, Failure};

/// `production`, `sandbox`, or a base URL, as `Environment`'s `FromStr` reads them.
pub(crate) fn environment(name: &str) -> Result<Environment, Failure> {
    name.trim()
        .parse()
        .map_err(|e: revolut_webhooks::ValidationError| {
            Failure::usage(format!(
                "REVOLUT_ENVIRONMENT / --environment {name:?}: {}",
                e.reason
            ))
        })
}

/// A client for the configured environment and credentials: a refreshing token
/// provider when a refresh token is set, otherwise the access token.
pub(crate) fn client(global: &Api) -> Result<Client, Failure> {
    let environment = environment(&global.environment)?;
    credentials_are_one_line(global)?;
    let mut builder = Client::builder().environment(environment);
    if let Some(store) = non_empty(&global.shared_state) {
        // Both the refreshing provider and the rate budget use it.
        let store = SharedState::open(store).map_err(|e| Failure::new(AUTH, e.to_string()))?;
        builder = builder.shared_state(store);
    }
    let builder = if let Some(refresh) = non_empty(&global.refresh_token) {
        // The client builds the provider: one environment, one connection pool.
        builder.refreshing(RefreshingTokenProvider::builder(
            RefreshToken::new(refresh),
            assertion(global)?,
        ))
    } else if let Some(token) = non_empty(&global.access_token) {
        builder.token_provider(StaticToken::new(token.trim()))
    } else {
        return Err(Failure::new(
            AUTH,
            "no credentials: set REVOLUT_ACCESS_TOKEN (or --access-token), or REVOLUT_REFRESH_TOKEN \
             with REVOLUT_CLIENT_ID, REVOLUT_REDIRECT_URI and REVOLUT_PRIVATE_KEY or REVOLUT_CLIENT_ASSERTION",
        ));
    };
    builder.build().map_err(Failure::from)
}

/// Refuses a credential with a line break or another control character inside (a
/// value pasted with its CRLF, say) as a configuration error, before any request:
/// sent, it would be refused as an invalid header, which reads as an API error.
/// Whitespace at either end is trimmed where each value is read. The value is
/// never shown.
fn credentials_are_one_line(global: &Api) -> Result<(), Failure> {
    let values = [
        (
            "REVOLUT_ACCESS_TOKEN / --access-token",
            &global.access_token,
        ),
        (
            "REVOLUT_REFRESH_TOKEN / --refresh-token",
            &global.refresh_token,
        ),
        ("REVOLUT_CLIENT_ID / --client-id", &global.client_id),
        (
            "REVOLUT_REDIRECT_URI / --redirect-uri",
            &global.redirect_uri,
        ),
        (
            "REVOLUT_CLIENT_ASSERTION / --client-assertion",
            &global.client_assertion,
        ),
    ];
    for (name, value) in values {
        if value
            .as_deref()
            .is_some_and(|v| v.trim().chars().any(char::is_control))
        {
            return Err(Failure::usage(format!(
                "{name}: the value contains a line break or another control character \
                 (copied with its line end?); set it again as one line"
            )));
        }
    }
    Ok(())
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.trim().is_empty())
}

fn assertion(global: &Api) -> Result<ClientAssertion, Failure> {
    if let Some(jwt) = non_empty(&global.client_assertion) {
        return Ok(ClientAssertion::presigned(jwt));
    }
    let Some(key) = &global.private_key else {
        return Err(Failure::new(
            AUTH,
            "a refresh token needs a client assertion: set REVOLUT_PRIVATE_KEY (the PEM key's path) \
             or REVOLUT_CLIENT_ASSERTION (a signed JWT)",
        ));
    };
    let (Some(client_id), Some(redirect_uri)) = (
        non_empty(&global.client_id),
        non_empty(&global.redirect_uri),
    ) else {
        return Err(Failure::new(
            AUTH,
            "signing a client assertion needs REVOLUT_CLIENT_ID and REVOLUT_REDIRECT_URI too",
        ));
    };
    pem_assertion(key, client_id, redirect_uri)
}

#[cfg(feature = "jwt")]
fn pem_assertion(
    key: &std::path::Path,
    client_id: &str,
    redirect_uri: &str,
) -> Result<ClientAssertion, Failure> {
    ClientAssertion::rs256_pem_file(key, client_id, redirect_uri)
        .map_err(|e| Failure::new(AUTH, e.to_string()))
}

#[cfg(not(feature = "jwt"))]
fn pem_assertion(
    _key: &std::path::Path,
    _client_id: &str,
    _redirect_uri: &str,
) -> Result<ClientAssertion, Failure> {
    Err(Failure::usage(
        "this binary cannot sign with a PEM key: install it with `--features cli,jwt`, \
         or pass a signed JWT in REVOLUT_CLIENT_ASSERTION",
    ))
}
