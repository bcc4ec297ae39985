//! The axum extractor answers 413 from a declared `Content-Length` over its limit at
//! once, without waiting for a body that may never come.

use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{Request, StatusCode};
use axum::routing::post;
use revolut_webhooks::axum::VerifiedEvent;
use revolut_webhooks::signature::Verifier;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;

const SECRET: &str = "wsk_axumDeclaredLengthSecret00000";

/// Longer than any answer can take when nothing waits for the body.
const PROMPT: Duration = Duration::from_secs(5);

fn app() -> Router {
    Router::new()
        .route(
            "/hook",
            post(|VerifiedEvent(_): VerifiedEvent| async { "ok" }),
        )
        .route(
            "/small",
            post(|VerifiedEvent(_): VerifiedEvent<64>| async { "ok" }),
        )
        .with_state(Verifier::new(SECRET).unwrap())
}

/// A body that never sends a byte, nor ends.
fn never() -> Body {
    Body::from_stream(futures_util::stream::pending::<Result<Bytes, Infallible>>())
}

async fn status(path: &str, length: &str, body: Body) -> StatusCode {
    let request = Request::post(path)
        .header("content-length", length)
        .body(body)
        .unwrap();
    tokio::time::timeout(PROMPT, app().oneshot(request))
        .await
        .expect("the extractor waited for the body")
        .unwrap()
        .status()
}

#[tokio::test]
async fn a_declared_length_over_the_limit_is_413_before_any_byte() {
    assert_eq!(
        status("/hook", "10000000000", never()).await,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    assert_eq!(
        status("/small", "65", never()).await,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    // Beyond u64 is over any limit too.
    assert_eq!(
        status("/small", "99999999999999999999999", never()).await,
        StatusCode::PAYLOAD_TOO_LARGE
    );
}

#[tokio::test]
async fn a_declared_length_at_the_limit_is_read() {
    // 64 bytes on a 64-byte route: read, then refused for its missing headers.
    let sent = status("/small", "64", Body::from(vec![b'x'; 64])).await;
    assert_eq!(sent, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn over_a_socket_the_answer_comes_while_the_body_never_does() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app()).await });
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(
            b"POST /hook HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n\
              content-length: 10000000000\r\n\r\n",
        )
        .await
        .unwrap();
    let mut head = Vec::new();
    let read = tokio::time::timeout(PROMPT, async {
        let mut buf = [0u8; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = stream.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            head.extend_from_slice(&buf[..n]);
        }
    })
    .await;
    assert!(read.is_ok(), "no answer while the body was awaited");
    let head = String::from_utf8_lossy(&head);
    assert!(head.starts_with("HTTP/1.1 413 "), "{head}");
    server.abort();
}
