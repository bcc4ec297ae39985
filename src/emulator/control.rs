//! The non-Revolut endpoints under `/_emulator`, to drive a standalone emulator over
//! HTTP. Unlike the API's, they do I/O: emitting an event waits for the first
//! attempt of each delivery, to answer with how it went.

use std::sync::Arc;

use serde_json::json;
use uuid::Uuid;

use super::delivery::{self, Deliverer};
use super::event::Event;
use super::http::{Request, Response};
use super::report::{Attempt, AttemptResult, WebhookDelivery};
use super::state::Store;
use crate::models::EventType;

/// Answers a request under `/_emulator`; `rest` is the path after it.
pub(super) fn handle(
    store: &Store,
    deliverer: &Arc<Deliverer>,
    request: &Request,
    rest: &str,
) -> Response {
    match (request.method.as_str(), rest) {
        ("GET", "/health") => Response::json(200, &json!({ "status": "ok" })),
        ("POST", "/authorization-code") => {
            let now = store.now();
            let code = store.lock().tokens.issue_code(now);
            Response::json(201, &json!({ "code": code }))
        }
        ("POST", "/events") => {
            let body: serde_json::Value = match serde_json::from_slice(&request.body) {
                Ok(v) => v,
                Err(_) if request.body.is_empty() => json!({}),
                Err(e) => {
                    return Response::refusal(400, format!("bad JSON: {e}"));
                }
            };
            let Some(name) = body.get("event").and_then(|v| v.as_str()) else {
                return Response::refusal(
                    400,
                    "give the event type: {\"event\":\"TransactionCreated\"}, optionally with \"data\"",
                );
            };
            let event_type = EventType::from(name);
            let mut event = Event::sample(&event_type);
            if let Some(data) = body.get("data") {
                event = event.with_data(data.clone());
            }
            let only = match body.get("webhook") {
                None | Some(serde_json::Value::Null) => None,
                Some(id) => match only_webhook(store, id, &event_type) {
                    Ok(id) => Some(id),
                    Err(refusal) => return refusal,
                },
            };
            let delivery = delivery::emit(deliverer, &event, only);
            let deliveries: Vec<serde_json::Value> = delivery
                .first_attempts()
                .iter()
                .map(first_attempt_json)
                .collect();
            Response::json(
                202,
                &json!({
                    "event": name,
                    "webhooks": delivery.webhook_count(),
                    "body": delivery.body(),
                    "deliveries": deliveries,
                }),
            )
        }
        _ => Response::refusal(
            404,
            "emulator endpoints: GET /_emulator/health, POST /_emulator/events, POST /_emulator/authorization-code",
        ),
    }
}

/// The webhook a control request names in `"webhook"`: it must exist and be
/// subscribed to the event, as Revolut would deliver to no other.
fn only_webhook(
    store: &Store,
    id: &serde_json::Value,
    event_type: &EventType,
) -> Result<Uuid, Response> {
    let Some(id) = id.as_str().and_then(|s| Uuid::parse_str(s).ok()) else {
        return Err(Response::refusal(
            400,
            "\"webhook\" must be a webhook id (a UUID string)",
        ));
    };
    match store.lock().hook(id) {
        None => Err(Response::refusal(404, format!("no webhook {id}"))),
        Some(hook) if !hook.events.contains(event_type) => Err(Response::refusal(
            422,
            format!(
                "webhook {id} is not subscribed to {event_type}; add it to the webhook's events first"
            ),
        )),
        Some(_) => Ok(id),
    }
}

/// The control endpoint's account of a first attempt: where it went, what came
/// back, how fast, signed how many times, and whether retries follow.
fn first_attempt_json(delivery: &WebhookDelivery) -> serde_json::Value {
    let attempt = delivery.attempts.first();
    let (status, error) = match attempt.map(|a| &a.result) {
        Some(AttemptResult::Status(status)) => (Some(*status), None),
        Some(AttemptResult::Error(error)) => (None, Some(error.as_str())),
        None => (None, Some("not attempted: the webhook was deleted")),
    };
    let delivered = attempt.is_some_and(|a| a.result.is_success());
    json!({
        "webhook_id": delivery.webhook_id,
        "url": delivery.url,
        "delivered": delivered,
        "status": status,
        "error": error,
        "latency_ms": attempt.map(|a| a.latency.as_secs_f64() * 1000.0),
        "signatures": attempt.map_or(0, Attempt::signature_count),
        "retrying": attempt.is_some() && !delivered,
    })
}
