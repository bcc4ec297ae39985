//! A webhook receiver for async servers, on axum: verify, store durably, answer, then
//! process from the inbox.
//!
//! ```text
//! cargo run --example receiver_axum --no-default-features --features axum,sqlite
//! cargo run --example receiver_axum --no-default-features --features axum,sqlite -- --once
//! ```
//!
//! The handler takes [`VerifiedDelivery`]: it reads the raw body (the signature covers the
//! exact bytes received, which `Json<T>` would not keep), verifies both headers, parses
//! the event and computes its key; anything else gets 400, 401 or 413 before the handler
//! runs. The handler then **accepts the delivery into the inbox** and answers 200 only
//! once it is stored (committed and synced): a crash after the 200 loses nothing, and a
//! retry of the same event is recognised as a duplicate (200 again, not stored twice).
//! When the store cannot be written it answers 503 within the write timeout, so Revolut
//! retries later. A worker task processes stored events, one object at a time, with
//! retries and dead letters.
//!
//! Never answer 200 before the event is durable (e.g. by spawning the work and answering
//! at once): Revolut does not retry a 200, and the event never reaches the failed-events
//! list, so a crash then loses it for good.
//!
//! The secret comes from `REVOLUT_WEBHOOK_SECRET` (a demo secret otherwise), the address
//! from `REVOLUT_WEBHOOK_ADDR` (default `127.0.0.1:8788`), the store from
//! `REVOLUT_INBOX_STORE` (a SQLite file, default `revolut-inbox.db`, or a `postgres://`
//! URL with the `postgres` feature). `--once` uses a temporary SQLite file, serves on a
//! free loopback port, sends itself a signed delivery, a tampered one and the signed
//! one again, and exits 0 when they get 200, 401 and 200 and the event was processed
//! once.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::routing::post;
use revolut_webhooks::SigningSecret;
use revolut_webhooks::axum::{VerifiedDelivery, WebhookRejection};
use revolut_webhooks::events::EventData;
use revolut_webhooks::inbox::{Handler, HandlerError, Inbox, InboxEvent, async_trait};
use revolut_webhooks::signature::Verifier;
use revolut_webhooks::signature::{
    SIGNATURE_HEADER, TIMESTAMP_HEADER, sign_delivery, timestamp_ms,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const DEMO_SECRET: &str = "wsk_demoSecretForLocalTestingOnly0";

#[derive(Clone)]
struct AppState {
    verifier: Verifier,
    inbox: Inbox,
}

impl FromRef<AppState> for Verifier {
    fn from_ref(state: &AppState) -> Verifier {
        state.verifier.clone()
    }
}

/// Verify (the extractor), store, then answer: 200 only for a stored event.
async fn webhook(
    State(state): State<AppState>,
    delivery: Result<VerifiedDelivery, WebhookRejection>,
) -> (StatusCode, &'static str) {
    let delivery = match delivery {
        Ok(d) => d,
        Err(rejection) => {
            eprintln!("rejected delivery: {rejection}");
            return (rejection.status(), rejection.reason());
        }
    };
    match state
        .inbox
        .accept_event(&delivery.body, &delivery.event)
        .await
    {
        Ok(accepted) if accepted.is_new() => (StatusCode::OK, "stored"),
        Ok(_) => (StatusCode::OK, "duplicate"),
        Err(e) if e.is_bad_delivery() => {
            eprintln!("refused delivery {}: {e}", delivery.key);
            (StatusCode::BAD_REQUEST, "not accepted")
        }
        Err(e) => {
            // Not stored: Revolut retries a 5xx later.
            eprintln!("could not store {}: {e}", delivery.key);
            (StatusCode::SERVICE_UNAVAILABLE, "try again later")
        }
    }
}

/// The application's work, run by the worker for each stored event, at least once:
/// effects outside the database should be keyed by `event.key`.
struct Process {
    processed: Arc<AtomicU32>,
}

#[async_trait]
impl Handler for Process {
    async fn handle(&self, stored: &InboxEvent) -> Result<(), HandlerError> {
        let event = stored.event()?;
        match &event.data {
            EventData::TransactionStateChanged(c) => {
                println!("transaction {}: {} -> {}", c.id, c.old_state, c.new_state)
            }
            EventData::TransactionCreated(tx) => println!("transaction {} created", tx.id),
            _ => println!("{} event at {}", event.event, event.timestamp),
        }
        self.processed.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

fn app(state: AppState) -> Router {
    Router::new()
        .route("/webhooks/revolut", post(webhook))
        .with_state(state)
}

fn demo_body() -> String {
    r#"{"data":{"id":"645a7696-22f3-aa47-9c74-cbae0449cc46","new_state":"completed","old_state":"pending","request_id":"demo-1"},"event":"TransactionStateChanged","timestamp":"2023-05-09T16:36:38.028960Z"}"#.to_owned()
}

/// A bare HTTP/1.1 POST, to keep the example free of an HTTP client dependency.
async fn post_raw(
    addr: std::net::SocketAddr,
    headers: &[(&str, String)],
    body: &str,
) -> std::io::Result<u16> {
    let mut stream = TcpStream::connect(addr).await?;
    let mut request = format!(
        "POST /webhooks/revolut HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).await?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await?;
    Ok(response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0))
}

async fn self_test(secret: SigningSecret, verifier: Verifier) -> bool {
    let dir = std::env::temp_dir().join(format!("receiver-axum-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let store = dir.join("inbox.db");
    let ok = match Inbox::open(store.to_str().unwrap_or("inbox.db")).await {
        Ok(inbox) => self_test_with(secret, verifier, inbox).await,
        Err(e) => {
            eprintln!("error: {e}");
            false
        }
    };
    let _ = std::fs::remove_dir_all(&dir);
    ok
}

async fn self_test_with(secret: SigningSecret, verifier: Verifier, inbox: Inbox) -> bool {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let addr = listener.local_addr().unwrap();
    let state = AppState {
        verifier,
        inbox: inbox.clone(),
    };
    tokio::spawn(async move { axum::serve(listener, app(state)).await });
    let processed = Arc::new(AtomicU32::new(0));
    let worker = {
        let (inbox, processed) = (inbox.clone(), processed.clone());
        tokio::spawn(async move {
            let handler = Process { processed };
            inbox
                .run(&handler, Duration::from_millis(20), std::future::pending())
                .await
        })
    };

    let body = demo_body();
    let ts = timestamp_ms(time::OffsetDateTime::now_utc());
    let headers = [
        (TIMESTAMP_HEADER, ts.to_string()),
        (
            SIGNATURE_HEADER,
            sign_delivery(&secret, ts, body.as_bytes()),
        ),
    ];
    let signed = post_raw(addr, &headers, &body).await;
    let tampered = post_raw(addr, &headers, &body.replace("completed", "reverted")).await;
    let retried = post_raw(addr, &headers, &body).await;
    // The worker processes the stored event (bounded wait).
    for _ in 0..250 {
        if inbox.status().await.is_ok_and(|s| s.done == 1) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    worker.abort();
    let runs = processed.load(Ordering::SeqCst);
    println!(
        "self-test: signed delivery -> {signed:?}, tampered body -> {tampered:?}, \
         the same delivery again -> {retried:?}; processed {runs} time(s)"
    );
    matches!((signed, tampered, retried), (Ok(200), Ok(401), Ok(200))) && runs == 1
}

#[tokio::main]
async fn main() {
    let once = std::env::args()
        .skip(1)
        .any(|a| a == "--once" || a == "--self-test");
    let secret = match std::env::var("REVOLUT_WEBHOOK_SECRET") {
        Ok(s) => SigningSecret::from(s),
        Err(_) => {
            eprintln!("REVOLUT_WEBHOOK_SECRET is not set: using a demo secret.");
            SigningSecret::from(DEMO_SECRET)
        }
    };
    let verifier = match Verifier::new(secret.clone()) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };

    if once {
        let ok = self_test(secret, verifier).await;
        println!("self-test {}", if ok { "passed" } else { "FAILED" });
        std::process::exit(if ok { 0 } else { 1 });
    }

    let store = std::env::var("REVOLUT_INBOX_STORE").unwrap_or_else(|_| "revolut-inbox.db".into());
    let inbox = match Inbox::open(&store).await {
        Ok(inbox) => inbox,
        Err(e) => {
            eprintln!("error: cannot open the inbox: {e}");
            std::process::exit(2);
        }
    };
    let addr = std::env::var("REVOLUT_WEBHOOK_ADDR").unwrap_or_else(|_| "127.0.0.1:8788".into());
    let listener = match TcpListener::bind(&addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on {addr}: {e}");
            std::process::exit(2);
        }
    };
    {
        let inbox = inbox.clone();
        tokio::spawn(async move {
            let handler = Process {
                processed: Arc::new(AtomicU32::new(0)),
            };
            if let Err(e) = inbox
                .run(&handler, Duration::from_millis(200), std::future::pending())
                .await
            {
                eprintln!("worker stopped: {e}");
            }
        });
    }
    let addr = listener.local_addr().unwrap();
    let body = demo_body();
    let ts = timestamp_ms(time::OffsetDateTime::now_utc());
    println!(
        "Listening on http://{addr}/webhooks/revolut, storing into {store}. A signed test delivery (valid for 5 minutes):\n"
    );
    println!(
        "curl -i -X POST http://{addr}/webhooks/revolut \\\n  -H '{TIMESTAMP_HEADER}: {ts}' \\\n  -H '{SIGNATURE_HEADER}: {}' \\\n  --data-binary '{body}'\n",
        sign_delivery(&secret, ts, body.as_bytes())
    );
    if let Err(e) = axum::serve(listener, app(AppState { verifier, inbox })).await {
        eprintln!("error: {e}");
    }
}
