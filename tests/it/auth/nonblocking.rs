//! The refreshing token provider's integration tests in async mode (see `cases.rs`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use maybe_async::must_be_async as maybe_io;
use revolut_webhooks::Result;
use revolut_webhooks::auth::AccessToken;
use revolut_webhooks::nonblocking::{
    Client, RefreshingTokenProvider, TokenProvider, exchange_authorization_code,
};

use crate::faults::server;

#[macro_use]
#[path = "cases.rs"]
mod cases;

/// `n` futures ask for a token at once, joined on one task.
async fn concurrently(provider: &RefreshingTokenProvider, n: usize) -> Vec<Result<AccessToken>> {
    futures_util::future::join_all((0..n).map(|_| provider.access_token())).await
}

macro_rules! tests {
    ($($name:ident),* $(,)?) => {
        $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { cases::$name().await } )*
    };
}

all_cases!(tests);

/// Spawned tasks on several threads share one refresh too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spawned_tasks_share_one_refresh() {
    use httpmock::prelude::*;
    use revolut_webhooks::auth::{ClientAssertion, RefreshToken};
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(POST).path("/api/1.0/auth/token");
        then.status(200)
            .delay(std::time::Duration::from_millis(200))
            .body(r#"{"access_token":"t","token_type":"bearer","expires_in":2400}"#);
    });
    let provider = RefreshingTokenProvider::builder(
        RefreshToken::new("rt"),
        ClientAssertion::presigned("a.b.c"),
    )
    .environment(revolut_webhooks::Environment::custom(&server.base_url()).unwrap())
    .build()
    .unwrap();
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let provider = provider.clone();
            tokio::spawn(async move { provider.access_token().await })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap().expose_secret(), "t");
    }
    mock.assert_calls(1);
}

/// The provider's futures can cross threads.
#[allow(dead_code)]
fn futures_are_send(provider: RefreshingTokenProvider) {
    fn send<T: Send>(_: T) {}
    send(provider.access_token());
    send(provider.refresh());
}

/// Polls `future` once, outside any runtime.
fn poll_once<F: std::future::Future>(future: F) -> std::task::Poll<F::Output> {
    let mut future = std::pin::pin!(future);
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    future.as_mut().poll(&mut context)
}

/// Outside a tokio runtime every call says so, instead of panicking in reqwest or tokio.
#[test]
fn a_call_outside_a_runtime_is_an_error_not_a_panic() {
    use revolut_webhooks::auth::StaticToken;
    use revolut_webhooks::auth::{ClientAssertion, RefreshToken};
    use revolut_webhooks::{Environment, Error};
    use std::task::Poll;
    let env = Environment::custom("http://127.0.0.1:9").unwrap();
    let client = Client::builder()
        .environment(env.clone())
        .token_provider(StaticToken::new("t"))
        .build()
        .unwrap();
    let provider = RefreshingTokenProvider::builder(
        RefreshToken::new("rt"),
        ClientAssertion::presigned("a.b.c"),
    )
    .environment(env.clone())
    .build()
    .unwrap();
    let outcomes = [
        poll_once(client.webhooks().list()).map(|r| r.map(drop)),
        poll_once(client.webhooks().delete(uuid::Uuid::nil().into())),
        poll_once(provider.access_token()).map(|r| r.map(drop)),
        poll_once(provider.refresh()).map(|r| r.map(drop)),
        poll_once(exchange_authorization_code(
            &env,
            "code",
            &ClientAssertion::presigned("a.b.c"),
        ))
        .map(|r| r.map(drop)),
    ];
    for outcome in outcomes {
        match outcome {
            Poll::Ready(Err(e @ Error::NoRuntime)) => {
                assert!(e.to_string().contains("tokio runtime"), "{e}");
            }
            other => panic!("expected Error::NoRuntime, got {other:?}"),
        }
    }
}

/// A gate that user code (a signer, `on_refresh`) waits at, for at most a second.
#[derive(Clone, Default)]
struct Gate {
    state: Arc<(Mutex<(bool, bool)>, Condvar)>,
}

impl Gate {
    /// Called by the user code: says it has started, then waits to be let through.
    /// `false` if nobody opened the gate within a second.
    fn wait(&self) -> bool {
        let (lock, wake) = &*self.state;
        let mut state = lock.lock().unwrap();
        state.0 = true;
        wake.notify_all();
        let (state, _) = wake
            .wait_timeout_while(state, Duration::from_secs(1), |s| !s.1)
            .unwrap();
        state.1
    }

    fn started(&self) -> bool {
        self.state.0.lock().unwrap().0
    }

    fn open(&self) {
        let (lock, wake) = &*self.state;
        lock.lock().unwrap().1 = true;
        wake.notify_all();
    }
}

/// Waits on the runtime (its timer has to fire) until `gate`'s user code has
/// started, then opens it. False if it never started.
async fn open_once_started(gate: &Gate) -> bool {
    for _ in 0..200 {
        if gate.started() {
            // A timer that fires while the user code blocks: the runtime is free.
            tokio::time::sleep(Duration::from_millis(5)).await;
            gate.open();
            return true;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    false
}

/// On a current-thread runtime a blocking signer and a blocking `on_refresh` run
/// off the runtime's only thread: another task's timer fires while they block.
#[tokio::test(flavor = "current_thread")]
async fn a_blocking_signer_and_on_refresh_leave_a_current_thread_runtime_free() {
    use revolut_webhooks::auth::{ClientAssertion, RefreshToken};
    let server = server::Server::with_default(server::Reply::json(
        r#"{"access_token":"t","token_type":"bearer","expires_in":2400}"#,
    ));
    let (signing, storing) = (Gate::default(), Gate::default());
    let signer_gate = signing.clone();
    let signed_in_time = Arc::new(AtomicBool::new(false));
    let signed_flag = signed_in_time.clone();
    let assertion = ClientAssertion::from_signer(
        move |_: &[u8]| {
            signed_flag.store(signer_gate.wait(), Ordering::SeqCst);
            Ok(b"signature".to_vec())
        },
        "client-id",
        "https://example.com/callback",
    )
    .unwrap();
    let store_gate = storing.clone();
    let stored_in_time = Arc::new(AtomicBool::new(false));
    let stored_flag = stored_in_time.clone();
    let provider = RefreshingTokenProvider::builder(RefreshToken::new("rt"), assertion)
        .environment(revolut_webhooks::Environment::custom(&server.url()).unwrap())
        .on_refresh(move |_| stored_flag.store(store_gate.wait(), Ordering::SeqCst))
        .build()
        .unwrap();
    let task = tokio::spawn({
        let provider = provider.clone();
        async move { provider.access_token().await }
    });
    assert!(open_once_started(&signing).await, "the signer never ran");
    assert!(open_once_started(&storing).await, "on_refresh never ran");
    let token = tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("the refresh finished")
        .unwrap()
        .unwrap();
    assert_eq!(token.expose_secret(), "t");
    assert!(
        signed_in_time.load(Ordering::SeqCst),
        "the signer blocked the runtime"
    );
    assert!(
        stored_in_time.load(Ordering::SeqCst),
        "on_refresh blocked the runtime"
    );
}

/// A caller dropped while its refresh is in flight (a timeout, a `select!`) does not
/// cancel it: the next caller gets that refresh's token, with no second request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_caller_wastes_no_token_request() {
    use revolut_webhooks::auth::{ClientAssertion, RefreshToken};
    let arrived = Arc::new(AtomicBool::new(false));
    let answer = Gate::default();
    let (seen, gate) = (arrived.clone(), answer.clone());
    // The token endpoint notes the request, then answers once let through.
    let server = server::Server::start(move |_| {
        seen.store(true, Ordering::SeqCst);
        gate.wait();
        server::Reply::json(r#"{"access_token":"t","token_type":"bearer","expires_in":2400}"#)
    });
    let provider = RefreshingTokenProvider::builder(
        RefreshToken::new("rt"),
        ClientAssertion::presigned("a.b.c"),
    )
    .environment(revolut_webhooks::Environment::custom(&server.url()).unwrap())
    .build()
    .unwrap();
    let request_sent = async {
        for _ in 0..400 {
            if arrived.load(Ordering::SeqCst) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        panic!("the token request never arrived");
    };
    tokio::select! {
        result = provider.access_token() => panic!("answered before it was let through: {result:?}"),
        () = request_sent => {}
    }
    // The first caller is gone; its request is still in flight.
    answer.open();
    let token = tokio::time::timeout(Duration::from_secs(5), provider.access_token())
        .await
        .expect("the second caller got a token")
        .unwrap();
    assert_eq!(token.expose_secret(), "t");
    assert_eq!(server.request_count(), 1);
}
