//! A process that holds the refresh lock too long (its token request hangs): the
//! others wait for the lock timeout, then fail clearly, and succeed once it is done.
//! Blocking mode, each engine.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use revolut_webhooks::auth::{ClientAssertion, RefreshToken};
use revolut_webhooks::blocking::{RefreshingTokenProvider, TokenProvider};
use revolut_webhooks::shared_state::SharedStateErrorKind;
use revolut_webhooks::{Environment, Error};

use super::Place;
use crate::faults::server::{Reply, Server};

fn held_lock_times_out_then_clears(place: &Place) {
    let (arrived_tx, arrived) = mpsc::channel::<()>();
    let (release, release_rx) = mpsc::channel::<()>();
    let arrived_tx = Mutex::new(arrived_tx);
    let release_rx = Arc::new(Mutex::new(release_rx));
    // The first token request hangs until the test releases it.
    let server = Server::start(move |_| {
        let _ = arrived_tx.lock().unwrap().send(());
        let _ = release_rx
            .lock()
            .unwrap()
            .recv_timeout(Duration::from_secs(10));
        Reply::json(
            r#"{"access_token":"oa_sand_access-secret","token_type":"bearer","expires_in":2400}"#,
        )
    });
    let provider = |wait: Duration| {
        RefreshingTokenProvider::builder(
            RefreshToken::new("oa_sand_refresh-secret"),
            ClientAssertion::presigned("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"),
        )
        .environment(Environment::custom(&server.url()).unwrap())
        .shared_state(place.open().with_lock_timeout(wait))
        .build()
        .unwrap()
    };
    let a = provider(Duration::from_secs(10));
    let b = provider(Duration::from_millis(100));
    std::thread::scope(|scope| {
        let first = scope.spawn(|| a.access_token());
        arrived.recv_timeout(Duration::from_secs(10)).unwrap();
        // A holds the lock across its hanging refresh: B gives up after its wait.
        let error = match b.access_token() {
            Err(Error::Auth(e)) => e,
            other => panic!("expected an auth error, got {other:?}"),
        };
        let source = std::error::Error::source(&error)
            .and_then(|s| s.downcast_ref::<revolut_webhooks::shared_state::SharedStateError>())
            .expect("the store's error as the source");
        assert_eq!(source.kind, SharedStateErrorKind::LockTimeout, "{error}");
        assert!(
            error.is_transient() && error.to_string().contains("lock"),
            "{error}"
        );
        release.send(()).unwrap();
        assert_eq!(
            first.join().unwrap().unwrap().expose_secret(),
            "oa_sand_access-secret"
        );
    });
    // Then B reads what A stored, without a request of its own.
    assert_eq!(
        b.access_token().unwrap().expose_secret(),
        "oa_sand_access-secret"
    );
    assert_eq!(server.request_count(), 1);
}

#[test]
fn file_held_lock_times_out_then_clears() {
    held_lock_times_out_then_clears(&Place::file("held-lock"));
}

#[cfg(feature = "postgres")]
#[test]
fn postgres_held_lock_times_out_then_clears() {
    held_lock_times_out_then_clears(&Place::postgres());
}
