//! The sandbox simulation endpoints of the Business API 1.0: `POST /sandbox/topup`
//! creates a transaction, `POST /sandbox/transactions/{id}/{action}` moves a pending
//! one to its final state; each answers and names the event Revolut then delivers
//! (`TransactionCreated`, `TransactionStateChanged`) for the caller to deliver.

use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::super::event::Event;
use super::super::http::{Request, Response};
use super::super::state::{Refusal, target_state};
use super::super::times::{fmt_time, truncate_micros};
use super::answers::{error, field, json_object, method_not_allowed, no_endpoint};
use super::context::{Answer, Ctx};
use crate::models::EventType;

/// The largest top-up the spec allows.
const MAX_TOPUP: f64 = 10_000.0;
/// The states a top-up may be created in (the spec's enum).
const TOPUP_STATES: [&str; 4] = ["pending", "completed", "reverted", "failed"];

/// Routes a request under `/api/1.0/sandbox`; `rest` is the path after it.
pub(super) fn route(ctx: &Ctx<'_>, request: &Request, rest: &str) -> Answer {
    let segments: Vec<&str> = rest.split('/').skip(1).collect();
    let post = request.method == "POST";
    match segments.as_slice() {
        ["topup"] if post => topup(ctx, request),
        ["transactions", id, action] if post => transition(ctx, id, action),
        ["topup"] | ["transactions", _, _] => method_not_allowed("POST").into(),
        _ => no_endpoint(request).into(),
    }
}

fn invalid(message: impl Into<String>) -> Answer {
    error(400, 3000, message).into()
}

fn topup(ctx: &Ctx<'_>, request: &Request) -> Answer {
    let body = match json_object(request, 3000) {
        Ok(body) => body,
        Err(refusal) => return refusal.into(),
    };
    let account_id = match field(&body, "account_id").map(|v| v.as_str().map(Uuid::parse_str)) {
        None => return invalid("Required 'account_id' is missing"),
        Some(Some(Ok(id))) => id,
        Some(_) => return invalid("account_id must be a UUID"),
    };
    let amount = match field(&body, "amount").map(Value::as_f64) {
        None => return invalid("Required 'amount' is missing"),
        Some(Some(a)) if a > 0.0 && a <= MAX_TOPUP => a,
        Some(_) => return invalid("amount must be a number greater than 0 and at most 10000"),
    };
    let currency = match field(&body, "currency").map(Value::as_str) {
        None => return invalid("Required 'currency' is missing"),
        Some(Some(c)) if c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()) => c,
        Some(_) => return invalid("currency must be an ISO 4217 code in upper case, such as GBP"),
    };
    let reference = match field(&body, "reference").map(Value::as_str) {
        None => "Test Top-up",
        Some(Some(r)) => r,
        Some(None) => return invalid("reference must be a string"),
    };
    let state = match field(&body, "state").map(Value::as_str) {
        None => "completed",
        Some(Some(s)) if TOPUP_STATES.contains(&s) => s,
        Some(_) => {
            return invalid(format!("state must be one of {}", TOPUP_STATES.join(", ")));
        }
    };
    let now = truncate_micros(ctx.now());
    let id = Uuid::new_v4();
    ctx.lock().transactions.record(id, state, None, now);
    let mut data = Map::new();
    data.insert("id".into(), json!(id));
    data.insert("type".into(), json!("topup"));
    data.insert("state".into(), json!(state));
    data.insert("created_at".into(), json!(fmt_time(now)));
    data.insert("updated_at".into(), json!(fmt_time(now)));
    if state == "completed" {
        data.insert("completed_at".into(), json!(fmt_time(now)));
    }
    data.insert("reference".into(), json!(reference));
    data.insert(
        "legs".into(),
        json!([{
            "leg_id": Uuid::new_v4(),
            "account_id": account_id,
            "amount": amount,
            "currency": currency,
            "description": reference,
        }]),
    );
    let response = Response::json(200, &answer(id, state, now, state == "completed"));
    Answer {
        response,
        events: vec![Event::new(
            EventType::TransactionCreated,
            Value::Object(data),
        )],
    }
}

fn transition(ctx: &Ctx<'_>, id: &str, action: &str) -> Answer {
    let Some(new_state) = target_state(action) else {
        return invalid(format!(
            "Unknown action '{action}'; expected one of complete, revert, decline, fail"
        ));
    };
    let Ok(id) = Uuid::parse_str(id) else {
        return error(400, 2101, "Something went wrong").into();
    };
    let now = truncate_micros(ctx.now());
    let mut state = ctx.lock();
    let old_state = match state.transactions.transition(id, new_state, now) {
        Ok(old) => old,
        Err(Refusal::Unknown) => {
            return Response::refusal(404, format!("Transaction {id} not found")).into();
        }
        Err(Refusal::Final(current)) => {
            return Response::refusal(
                409,
                format!(
                    "Transaction {id} is {current}: only a pending transaction can change state, and a simulated state is final"
                ),
            )
            .into();
        }
    };
    let Some(transaction) = state.transactions.get(id).cloned() else {
        return Response::refusal(404, format!("Transaction {id} not found")).into();
    };
    drop(state);
    let mut data = Map::new();
    data.insert("id".into(), json!(id));
    if let Some(request_id) = &transaction.request_id {
        data.insert("request_id".into(), json!(request_id));
    }
    data.insert("old_state".into(), json!(old_state));
    data.insert("new_state".into(), json!(new_state));
    let mut body = answer(id, new_state, transaction.created_at, false);
    if let Some(completed) = transaction.completed_at {
        body["completed_at"] = json!(fmt_time(completed));
    }
    Answer {
        response: Response::json(200, &body),
        events: vec![Event::new(
            EventType::TransactionStateChanged,
            Value::Object(data),
        )],
    }
}

/// `{id, state, created_at[, completed_at]}`, as both endpoints answer.
fn answer(id: Uuid, state: &str, created_at: time::OffsetDateTime, completed: bool) -> Value {
    let mut body = json!({ "id": id, "state": state, "created_at": fmt_time(created_at) });
    if completed {
        body["completed_at"] = json!(fmt_time(created_at));
    }
    body
}
