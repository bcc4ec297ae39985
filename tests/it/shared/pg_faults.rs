//! The PostgreSQL engine when its server goes away mid-refresh: a clear error, the
//! previous tokens intact, and the next call recovers once the server is back.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use revolut_webhooks::auth::{ClientAssertion, RefreshToken};
use revolut_webhooks::blocking::{RefreshingTokenProvider, TokenProvider};
use revolut_webhooks::shared_state::SharedState;
use revolut_webhooks::{Environment, Error};

use crate::faults::server::{Reply, Server};
use crate::pg_cluster::{Cluster, ClusterOptions};

#[test]
fn a_server_gone_mid_refresh_is_a_clear_error_and_the_next_call_recovers() {
    let cluster = Arc::new(Cluster::start(ClusterOptions { durable: false }));
    let url = cluster.new_database();
    let store = SharedState::postgres(&url).unwrap();
    let stop_once = Arc::new(AtomicBool::new(true));
    let (c, s) = (cluster.clone(), stop_once.clone());
    // The token endpoint answers, but the database stops while it does.
    let tokens = Server::start(move |_| {
        if s.swap(false, Ordering::SeqCst) {
            c.stop();
        }
        Reply::json(
            r#"{"access_token":"oa_sand_access-secret","token_type":"bearer","expires_in":2400}"#,
        )
    });
    let provider = RefreshingTokenProvider::builder(
        RefreshToken::new("oa_sand_refresh-secret"),
        ClientAssertion::presigned("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"),
    )
    .environment(Environment::custom(&tokens.url()).unwrap())
    .shared_state(store)
    .build()
    .unwrap();
    let error = match provider.access_token() {
        Err(Error::Auth(e)) => e,
        other => panic!("expected an auth error, got {other:?}"),
    };
    let shown = format!("{error} {error:?}");
    assert!(error.is_transient(), "{shown}");
    assert!(shown.contains("could not be stored"), "{shown}");
    assert!(!shown.contains("secret"), "{shown}");
    cluster.restart();
    let token = provider.access_token().unwrap();
    assert_eq!(token.expose_secret(), "oa_sand_access-secret");
    let stored = SharedState::postgres(&url)
        .unwrap()
        .token_set()
        .unwrap()
        .unwrap();
    assert_eq!(stored.access_token.expose_secret(), "oa_sand_access-secret");
}
