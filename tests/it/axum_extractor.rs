//! The axum extractor, driven with tower's `oneshot`: every way a delivery can be refused,
//! and the genuine one reaching the handler.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::FromRef;
use axum::http::{Request, StatusCode};
use axum::routing::post;
use revolut_webhooks::axum::{VerifiedEvent, WebhookRejection};
use revolut_webhooks::events::EventData;
use revolut_webhooks::signature::Verifier;
use revolut_webhooks::signature::{
    SIGNATURE_HEADER, TIMESTAMP_HEADER, VerifyError, sign_delivery, timestamp_ms,
};
use revolut_webhooks::{ManualClock, SigningSecret};
use time::macros::datetime;
use tower::ServiceExt;

const SECRET: &str = "wsk_axumExtractorTestSecret000000";
const OLD_SECRET: &str = "wsk_axumExtractorOldSecret0000000";
const BODY: &str = r#"{"data":{"id":"645a7696-22f3-aa47-9c74-cbae0449cc46","new_state":"completed","old_state":"pending","request_id":"app_charges-1"},"event":"TransactionStateChanged","timestamp":"2023-05-09T16:36:38.028960Z"}"#;

fn now() -> time::OffsetDateTime {
    datetime!(2026-12-01 12:00 UTC)
}

fn verifier() -> Verifier {
    Verifier::new(SECRET)
        .unwrap()
        .with_clock(Arc::new(ManualClock::new(now())))
}

async fn handler(VerifiedEvent(event): VerifiedEvent) -> String {
    match event.data {
        EventData::TransactionStateChanged(change) => format!("state {}", change.new_state),
        other => format!("other {other:?}"),
    }
}

fn app(verifier: Verifier) -> Router {
    Router::new()
        .route("/hook", post(handler))
        .route(
            "/small",
            post(|VerifiedEvent(_): VerifiedEvent<64>| async { "small ok" }),
        )
        .route(
            "/logged",
            post(
                |result: Result<VerifiedEvent, WebhookRejection>| async move {
                    match result {
                        Ok(_) => "verified".to_owned(),
                        Err(rejection) => format!(
                            "{} {}",
                            rejection.status().as_u16(),
                            matches!(rejection.error(), Some(VerifyError::NoMatch))
                        ),
                    }
                },
            ),
        )
        .with_state(verifier)
}

struct Sent {
    status: StatusCode,
    content_type: String,
    text: String,
}

async fn send(router: Router, path: &str, headers: &[(&str, String)], body: Body) -> Sent {
    let mut request = Request::post(path);
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let response = router.oneshot(request.body(body).unwrap()).await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let text = String::from_utf8(
        to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap()
            .to_vec(),
    )
    .unwrap();
    Sent {
        status,
        content_type,
        text,
    }
}

fn signed(secret: &str, at: time::OffsetDateTime, body: &str) -> Vec<(&'static str, String)> {
    let ts = timestamp_ms(at);
    vec![
        (TIMESTAMP_HEADER, ts.to_string()),
        (
            SIGNATURE_HEADER,
            sign_delivery(&SigningSecret::from(secret), ts, body.as_bytes()),
        ),
    ]
}

#[tokio::test]
async fn a_genuine_delivery_reaches_the_handler_parsed() {
    let sent = send(
        app(verifier()),
        "/hook",
        &signed(SECRET, now(), BODY),
        Body::from(BODY),
    )
    .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);
    assert_eq!(sent.text, "state completed");
}

#[tokio::test]
async fn during_a_rotation_either_secret_verifies() {
    let rotating = Verifier::from_secrets([SECRET, OLD_SECRET])
        .unwrap()
        .with_clock(Arc::new(ManualClock::new(now())));
    let sent = send(
        app(rotating),
        "/hook",
        &signed(OLD_SECRET, now(), BODY),
        Body::from(BODY),
    )
    .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);
}

#[tokio::test]
async fn every_rejection_has_its_status_and_a_short_plain_reason() {
    let good = signed(SECRET, now(), BODY);
    let ts = good[0].clone();
    let sig = good[1].clone();
    let other = signed("wsk_notTheSecret00000000000000000", now(), BODY);
    let not_json = "not json at all";
    type Case = (
        &'static str,
        Vec<(&'static str, String)>,
        String,
        StatusCode,
        &'static str,
    );
    let cases: Vec<Case> = vec![
        (
            "no timestamp",
            vec![sig.clone()],
            BODY.into(),
            StatusCode::BAD_REQUEST,
            "missing Revolut-Request-Timestamp header",
        ),
        (
            "no signature",
            vec![ts.clone()],
            BODY.into(),
            StatusCode::BAD_REQUEST,
            "missing Revolut-Signature header",
        ),
        (
            "timestamp not a number",
            vec![(TIMESTAMP_HEADER, "yesterday".into()), sig.clone()],
            BODY.into(),
            StatusCode::BAD_REQUEST,
            "malformed Revolut-Request-Timestamp header",
        ),
        (
            "too old",
            signed(SECRET, now() - time::Duration::minutes(6), BODY),
            BODY.into(),
            StatusCode::UNAUTHORIZED,
            "timestamp too old",
        ),
        (
            "in the future",
            signed(SECRET, now() + time::Duration::minutes(6), BODY),
            BODY.into(),
            StatusCode::UNAUTHORIZED,
            "timestamp in the future",
        ),
        (
            "no v1",
            vec![ts.clone(), (SIGNATURE_HEADER, "v2=abcd".into())],
            BODY.into(),
            StatusCode::BAD_REQUEST,
            "no v1 signature",
        ),
        (
            "malformed signature",
            vec![ts.clone(), (SIGNATURE_HEADER, "v1=zz".into())],
            BODY.into(),
            StatusCode::BAD_REQUEST,
            "malformed Revolut-Signature header",
        ),
        (
            "wrong secret",
            other,
            BODY.into(),
            StatusCode::UNAUTHORIZED,
            "invalid signature",
        ),
        (
            "tampered body",
            good.clone(),
            BODY.replace("completed", "declined"),
            StatusCode::UNAUTHORIZED,
            "invalid signature",
        ),
        (
            "signed but not an event",
            signed(SECRET, now(), not_json),
            not_json.into(),
            StatusCode::BAD_REQUEST,
            "invalid event",
        ),
    ];
    for (what, headers, body, status, reason) in cases {
        let sent = send(app(verifier()), "/hook", &headers, Body::from(body)).await;
        assert_eq!(sent.status, status, "{what}: {}", sent.text);
        assert_eq!(sent.text, reason, "{what}");
        assert_eq!(sent.content_type, "text/plain; charset=utf-8", "{what}");
        assert!(
            !sent.text.contains(SECRET) && !sent.text.contains("v1="),
            "{what}"
        );
    }
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_unread() {
    let headers = signed(SECRET, now(), BODY);
    // BODY is longer than the route's 64-byte limit.
    let sent = send(app(verifier()), "/small", &headers, Body::from(BODY)).await;
    assert_eq!(sent.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(sent.text, "body too large");
    // Streamed without a Content-Length, too.
    let chunks: Vec<Result<String, std::io::Error>> =
        vec![Ok(BODY[..40].to_owned()), Ok(BODY[40..].to_owned())];
    let stream = Body::from_stream(futures_util::stream::iter(chunks));
    let sent = send(app(verifier()), "/small", &headers, stream).await;
    assert_eq!(sent.status, StatusCode::PAYLOAD_TOO_LARGE);
    // A large body under the default limit still verifies.
    let sent = send(app(verifier()), "/hook", &headers, Body::from(BODY)).await;
    assert_eq!(sent.status, StatusCode::OK);
}

#[tokio::test]
async fn a_body_that_fails_mid_stream_is_400() {
    let headers = signed(SECRET, now(), BODY);
    let chunks: Vec<Result<String, std::io::Error>> = vec![
        Ok(BODY[..40].to_owned()),
        Err(std::io::Error::other("connection reset")),
    ];
    let stream = Body::from_stream(futures_util::stream::iter(chunks));
    let sent = send(app(verifier()), "/hook", &headers, stream).await;
    assert_eq!(sent.status, StatusCode::BAD_REQUEST);
    assert_eq!(sent.text, "could not read the body");
}

#[tokio::test]
async fn a_handler_can_see_the_rejection_to_log_it() {
    let sent = send(
        app(verifier()),
        "/logged",
        &signed("wsk_notTheSecret00000000000000000", now(), BODY),
        Body::from(BODY),
    )
    .await;
    assert_eq!(sent.text, "401 true");
}

#[tokio::test]
async fn the_verifier_can_come_from_a_larger_state() {
    #[derive(Clone)]
    struct AppState {
        verifier: Verifier,
        name: &'static str,
    }
    impl FromRef<AppState> for Verifier {
        fn from_ref(state: &AppState) -> Verifier {
            state.verifier.clone()
        }
    }
    let state = AppState {
        verifier: verifier(),
        name: "shop",
    };
    assert_eq!(state.name, "shop");
    let router = Router::new()
        .route("/hook", post(handler))
        .with_state(state);
    let sent = send(
        router,
        "/hook",
        &signed(SECRET, now(), BODY),
        Body::from(BODY),
    )
    .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);
}
