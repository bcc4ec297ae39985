//! A webhook receiver for async servers, on axum, with the crate's extractor.
//!
//! ```text
//! cargo run --example receiver_axum --no-default-features --features axum
//! cargo run --example receiver_axum --no-default-features --features axum -- --once
//! ```
//!
//! The handler takes [`VerifiedEvent`]: it reads the raw body (the signature covers the
//! exact bytes received, which `Json<T>` would not keep), verifies both headers and parses
//! the event, so the handler runs only for genuine deliveries; anything else gets the
//! status `VerifyError::status_code()` gives and a short reason. Taking
//! `Result<VerifiedEvent, WebhookRejection>` lets the handler log rejections too.
//! Verification is a microsecond-scale CPU task, fine to run inside the handler; the
//! event's processing is spawned so Revolut gets its 200 at once.
//!
//! The secret comes from `REVOLUT_WEBHOOK_SECRET` (a demo secret otherwise), the address
//! from `REVOLUT_WEBHOOK_ADDR` (default `127.0.0.1:8788`). `--once` serves on a free
//! loopback port, sends itself one signed delivery and one tampered one, and exits 0 when
//! they get 200 and 401.

use axum::Router;
use axum::routing::post;
use revolut_webhooks::SigningSecret;
use revolut_webhooks::axum::{VerifiedEvent, WebhookRejection};
use revolut_webhooks::events::{EventData, WebhookEvent};
use revolut_webhooks::signature::Verifier;
use revolut_webhooks::signature::{
    SIGNATURE_HEADER, TIMESTAMP_HEADER, sign_delivery, timestamp_ms,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const DEMO_SECRET: &str = "wsk_demoSecretForLocalTestingOnly0";

async fn webhook(
    delivery: Result<VerifiedEvent, WebhookRejection>,
) -> Result<&'static str, WebhookRejection> {
    match delivery {
        Ok(VerifiedEvent(event)) => {
            tokio::spawn(async move { process(event) });
            Ok("ok")
        }
        Err(rejection) => {
            eprintln!("rejected delivery: {rejection}");
            Err(rejection)
        }
    }
}

fn process(event: WebhookEvent) {
    match &event.data {
        EventData::TransactionStateChanged(c) => {
            println!("transaction {}: {} -> {}", c.id, c.old_state, c.new_state)
        }
        EventData::TransactionCreated(tx) => println!("transaction {} created", tx.id),
        _ => println!("{} event at {}", event.event, event.timestamp),
    }
}

fn app(verifier: Verifier) -> Router {
    Router::new()
        .route("/webhooks/revolut", post(webhook))
        .with_state(verifier)
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
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app(verifier)).await });

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
    println!("self-test: signed delivery -> {signed:?}, tampered body -> {tampered:?}");
    matches!((signed, tampered), (Ok(200), Ok(401)))
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

    let addr = std::env::var("REVOLUT_WEBHOOK_ADDR").unwrap_or_else(|_| "127.0.0.1:8788".into());
    let listener = match TcpListener::bind(&addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on {addr}: {e}");
            std::process::exit(2);
        }
    };
    let addr = listener.local_addr().unwrap();
    let body = demo_body();
    let ts = timestamp_ms(time::OffsetDateTime::now_utc());
    println!(
        "Listening on http://{addr}/webhooks/revolut. A signed test delivery (valid for 5 minutes):\n"
    );
    println!(
        "curl -i -X POST http://{addr}/webhooks/revolut \\\n  -H '{TIMESTAMP_HEADER}: {ts}' \\\n  -H '{SIGNATURE_HEADER}: {}' \\\n  --data-binary '{body}'\n",
        sign_delivery(&secret, ts, body.as_bytes())
    );
    if let Err(e) = axum::serve(listener, app(verifier)).await {
        eprintln!("error: {e}");
    }
}
