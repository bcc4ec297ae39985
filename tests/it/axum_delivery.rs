//! `VerifiedDelivery`: the extractor that keeps the raw body and the key, driven with
//! tower's `oneshot`.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use axum::routing::post;
use revolut_webhooks::axum::VerifiedDelivery;
use revolut_webhooks::events::DeliveryKey;
use revolut_webhooks::signature::{SIGNATURE_HEADER, TIMESTAMP_HEADER, Verifier};
use revolut_webhooks::signature::{sign_delivery, timestamp_ms};
use revolut_webhooks::{ManualClock, SigningSecret};
use time::macros::datetime;
use tower::ServiceExt;

const SECRET: &str = "wsk_axumDeliveryTestSecret0000000";
// Spaced out and reordered: the key is the event's, the body is kept as sent.
const BODY: &str = r#"{ "event": "TransactionStateChanged", "timestamp": "2023-05-09T16:36:38.028960Z",
  "data": {"old_state":"pending","new_state":"completed","id":"645a7696-22f3-aa47-9c74-cbae0449cc46"} }"#;

fn app() -> Router {
    let verifier = Verifier::new(SECRET)
        .unwrap()
        .with_clock(Arc::new(ManualClock::new(datetime!(2026-12-01 12:00 UTC))));
    Router::new()
        .route(
            "/hook",
            post(|d: VerifiedDelivery| async move {
                format!(
                    "{}|{}|{}",
                    d.key,
                    d.event.event,
                    String::from_utf8(d.body.to_vec()).unwrap()
                )
            }),
        )
        .route(
            "/small",
            post(|_: VerifiedDelivery<64>| async { "small ok" }),
        )
        .with_state(verifier)
}

async fn send(path: &str, body: &str, signed_body: &str) -> (StatusCode, String) {
    let ts = timestamp_ms(datetime!(2026-12-01 12:00 UTC));
    let signature = sign_delivery(&SigningSecret::from(SECRET), ts, signed_body.as_bytes());
    let request = Request::post(path)
        .header(TIMESTAMP_HEADER, ts.to_string())
        .header(SIGNATURE_HEADER, signature)
        .body(Body::from(body.to_owned()))
        .unwrap();
    let response = app().oneshot(request).await.unwrap();
    let status = response.status();
    let text = to_bytes(response.into_body(), 1 << 20).await.unwrap();
    (status, String::from_utf8(text.to_vec()).unwrap())
}

#[tokio::test]
async fn a_genuine_delivery_arrives_with_its_raw_body_and_key() {
    let (status, text) = send("/hook", BODY, BODY).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let key = DeliveryKey::from_body(BODY.as_bytes()).unwrap();
    assert_eq!(text, format!("{key}|TransactionStateChanged|{BODY}"));
}

#[tokio::test]
async fn tampered_and_oversized_deliveries_are_refused() {
    let tampered = BODY.replace("completed", "reverted");
    assert_eq!(
        send("/hook", &tampered, BODY).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        send("/small", BODY, BODY).await.0,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    assert_eq!(send("/hook", "{}", "{}").await.0, StatusCode::BAD_REQUEST);
}
