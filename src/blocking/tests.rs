//! The send loop retries a call as its endpoint says, never as its method or path
//! suggests: calls no endpoint of the API makes, sent to a local server.

use std::time::Duration;

use httpmock::prelude::*;

use super::Client;
use crate::auth::StaticToken;
use crate::config::Environment;
use crate::http_types::{Method, Repeat};
use crate::request::Endpoint;
use crate::retry::RetryPolicy;

fn client(server: &MockServer) -> Client {
    Client::builder()
        .environment(Environment::custom(&server.base_url()).unwrap())
        .token_provider(StaticToken::new("oa_sand_test"))
        .retry_policy(
            RetryPolicy::default()
                .with_base_delay(Duration::from_millis(1))
                .with_max_delay(Duration::from_millis(5)),
        )
        .build()
        .unwrap()
}

fn nothing(_: &[u8]) -> Result<(), serde_json::Error> {
    Ok(())
}

#[test]
fn a_new_post_safe_to_repeat_is_retried_whatever_its_path() {
    let server = MockServer::start();
    // The path of a rotation, which a guess from the path would never repeat.
    let failing = server.mock(|when, then| {
        when.method(POST)
            .path("/api/2.0/webhooks/some-id/rotate-signing-secret");
        then.status(500).body("{}");
    });
    let endpoint = Endpoint {
        method: Method::Post,
        template: "/webhooks/{id}/rotate-signing-secret",
        repeat: Repeat::Safe,
    };
    let error = client(&server)
        .execute(endpoint.call(Some(&"some-id"), nothing))
        .unwrap_err();
    // The first attempt and the policy's two retries.
    failing.assert_calls(3);
    assert_eq!(error.attempts(), 3);
    assert!(!error.is_ambiguous(), "{error}");
}

#[test]
fn a_new_post_unsafe_to_repeat_is_not_retried_and_says_what_to_check() {
    let server = MockServer::start();
    let failing = server.mock(|when, then| {
        when.method(POST).path("/api/2.0/webhooks/brand-new");
        then.status(500).body("{}");
    });
    let endpoint = Endpoint {
        method: Method::Post,
        template: "/webhooks/brand-new",
        repeat: Repeat::Unsafe {
            on_unknown: "the brand-new thing may exist: look before sending it again",
        },
    };
    let error = client(&server)
        .execute(endpoint.call(None, nothing))
        .unwrap_err();
    failing.assert_calls(1);
    assert!(error.is_ambiguous(), "{error}");
    assert!(
        error
            .to_string()
            .ends_with("may have reached Revolut, so the brand-new thing may exist: look before sending it again"),
        "{error}"
    );
}

#[test]
fn a_get_unsafe_to_repeat_is_not_retried_after_a_500() {
    let server = MockServer::start();
    let failing = server.mock(|when, then| {
        when.method(GET).path("/api/2.0/webhooks/counter");
        then.status(502).body("{}");
    });
    let endpoint = Endpoint {
        method: Method::Get,
        template: "/webhooks/counter",
        repeat: Repeat::Unsafe {
            on_unknown: "the counter may have moved",
        },
    };
    let error = client(&server)
        .execute(endpoint.call(None, nothing))
        .unwrap_err();
    failing.assert_calls(1);
    assert!(error.is_ambiguous(), "{error}");
}
