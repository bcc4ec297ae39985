// The emulated API: routing, authentication and the webhook endpoints, with every
// documented rule (the token endpoint, the failed-events listing and the state are
// submodules).
//
// Pure request-in, response-out: the HTTP server calls `handle`, and nothing here
// does I/O, so every rule can also be unit-tested without sockets.

mod failed_events;
mod state;
mod token;

pub(crate) use state::{State, record_failure};

use std::str::FromStr;

use serde_json::{Value, json};
use uuid::Uuid;

use super::Shared;
use super::http::{Request, Response};
use crate::config::{self, Scheme, UrlRules};
use crate::models::{EventType, SecretExpiration};
use state::{Hook, new_secret};

/// Most webhooks per business.
pub(crate) const MAX_WEBHOOKS: usize = 10;
/// Most active signing keys per webhook.
pub(crate) const MAX_ACTIVE_KEYS: usize = 3;

const MSG_BAD_AUTH_HEADER: &str =
    "Invalid token. The authorization header must follow the 'Bearer <token>' format.";
const MSG_BAD_TOKEN: &str = "Access token is invalid or has expired. Please refresh your access token or generate a new one following the 'Get a new access token' guide in the Revolut API docs.";

fn error(status: u16, code: i64, message: impl Into<String>) -> Response {
    Response::json(status, &json!({ "message": message.into(), "code": code }))
}

fn not_found() -> Response {
    error(404, 3040, "Webhook not found")
}

fn bad_uuid() -> Response {
    error(400, 2101, "Something went wrong")
}

fn unauthorized(message: &str) -> Response {
    Response::json(
        401,
        &json!({ "error_id": Uuid::new_v4(), "code": 1000, "message": message }),
    )
}

pub(crate) fn handle(shared: &std::sync::Arc<Shared>, request: Request) -> Response {
    // Paths match exactly: `/webhooks/` or `/webhooks//id` are not paths of the API.
    let path = request.path.clone();
    if path == "/api/1.0/auth/token" {
        return match request.method.as_str() {
            "POST" => token::endpoint(shared, &request),
            _ => method_not_allowed("POST"),
        };
    }
    if let Some(rest) = path.strip_prefix("/api/2.0")
        && (rest == "/webhooks" || rest.starts_with("/webhooks/"))
    {
        if let Err(refusal) = authenticate(shared, &request) {
            return refusal;
        }
        return webhooks(shared, &request, &rest["/webhooks".len()..]);
    }
    if let Some(rest) = path.strip_prefix("/_emulator") {
        return super::control::handle(shared, &request, rest);
    }
    no_endpoint(&request)
}

/// 404 for a path the API does not have, in the API's `{code, message}` shape.
pub(crate) fn no_endpoint(request: &Request) -> Response {
    Response::refusal(
        404,
        format!(
            "The emulator has no endpoint {} {}",
            request.method, request.path
        ),
    )
}

fn method_not_allowed(allow: &str) -> Response {
    Response::refusal(405, format!("Method not allowed; use {allow}")).with_header("allow", allow)
}

fn authenticate(shared: &Shared, request: &Request) -> Result<(), Response> {
    let header = request.header("authorization").unwrap_or("");
    let token = match header.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            token.trim()
        }
        _ => return Err(unauthorized(MSG_BAD_AUTH_HEADER)),
    };
    let now = shared.now();
    let state = shared.lock();
    match state.tokens.get(token) {
        Some(None) => Ok(()),
        Some(Some(expiry)) if *expiry > now => Ok(()),
        _ => Err(unauthorized(MSG_BAD_TOKEN)),
    }
}

fn webhooks(shared: &Shared, request: &Request, rest: &str) -> Response {
    // `rest` is empty or starts with `/`; an empty segment (a trailing or doubled
    // slash) matches no route below.
    let segments: Vec<&str> = rest.split('/').skip(1).collect();
    if segments.iter().any(|s| s.is_empty()) {
        return no_endpoint(request);
    }
    let method = request.method.as_str();
    match segments.as_slice() {
        [] => match method {
            "GET" => list(shared),
            "POST" => create(shared, request),
            _ => method_not_allowed("GET, POST"),
        },
        [id] => {
            let Ok(id) = Uuid::parse_str(id) else {
                return bad_uuid();
            };
            match method {
                "GET" => get(shared, id),
                "PATCH" => update(shared, request, id),
                "DELETE" => delete(shared, id),
                _ => method_not_allowed("GET, PATCH, DELETE"),
            }
        }
        [id, action] if *action == "rotate-signing-secret" || *action == "failed-events" => {
            let Ok(id) = Uuid::parse_str(id) else {
                return bad_uuid();
            };
            match (*action, method) {
                ("rotate-signing-secret", "POST") => rotate(shared, request, id),
                ("failed-events", "GET") => failed_events::list(shared, request, id),
                ("rotate-signing-secret", _) => method_not_allowed("POST"),
                _ => method_not_allowed("GET"),
            }
        }
        _ => no_endpoint(request),
    }
}

fn list(shared: &Shared) -> Response {
    let state = shared.lock();
    let hooks: Vec<Value> = state.webhooks.iter().map(Hook::basic).collect();
    Response::json(200, &Value::Array(hooks))
}

fn get(shared: &Shared, id: Uuid) -> Response {
    match shared.lock().hook(id) {
        Some(hook) => Response::json(200, &hook.with_secret()),
        None => not_found(),
    }
}

/// The JSON object of a create, update or rotate body, or the 400 (with `code`)
/// refusing it.
fn json_object(request: &Request, code: i64) -> Result<serde_json::Map<String, Value>, Response> {
    if request.body.iter().all(u8::is_ascii_whitespace) {
        return Err(error(400, code, "Required request body is missing"));
    }
    // The spec declares only `application/json` request bodies.
    let media_type = request
        .header("content-type")
        .and_then(|v| v.split(';').next())
        .map(str::trim);
    if !media_type.is_some_and(|t| t.eq_ignore_ascii_case("application/json")) {
        return Err(error(400, code, "Content-Type must be application/json"));
    }
    match serde_json::from_slice::<Value>(&request.body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(error(400, code, "The request body must be a JSON object")),
        Err(e) => Err(error(
            400,
            code,
            format!("Malformed JSON request body: {e}"),
        )),
    }
}

/// `None` when absent or null.
fn field<'a>(body: &'a serde_json::Map<String, Value>, name: &str) -> Option<&'a Value> {
    body.get(name).filter(|v| !v.is_null())
}

fn check_url(shared: &Shared, url: &Value) -> Result<String, Response> {
    let refuse = |why: &str| error(400, 3000, why);
    let url = url.as_str().ok_or_else(|| refuse("url must be a string"))?;
    if url.len() > 2048 {
        return Err(refuse("url must be a valid URL"));
    }
    let checked = config::check_url(url, "url", UrlRules::Webhook)
        .map_err(|e| refuse(&format!("url must be a valid URL: {}", e.reason)))?;
    match checked.scheme {
        Scheme::Https => Ok(url.to_owned()),
        Scheme::Http if shared.config.allow_loopback_http && checked.host.is_loopback() => {
            Ok(url.to_owned())
        }
        _ => Err(refuse("url must use the https protocol")),
    }
}

fn check_events(events: &Value) -> Result<Vec<EventType>, Response> {
    let refuse = |why: String| error(400, 3000, why);
    let list = events
        .as_array()
        .ok_or_else(|| refuse("events must be an array of event types".into()))?;
    if list.is_empty() {
        return Err(refuse("events must not be empty".into()));
    }
    let mut out: Vec<EventType> = Vec::new();
    for item in list {
        let name = item
            .as_str()
            .ok_or_else(|| refuse("events must be an array of event types".into()))?;
        let event = EventType::from(name);
        if event.is_unknown() {
            let known: Vec<&str> = EventType::ALL.iter().map(EventType::as_str).collect();
            return Err(refuse(format!(
                "Unknown event type '{name}'; expected one of {}",
                known.join(", ")
            )));
        }
        if !out.contains(&event) {
            out.push(event);
        }
    }
    Ok(out)
}

fn create(shared: &Shared, request: &Request) -> Response {
    let body = match json_object(request, 3000) {
        Ok(body) => body,
        Err(refusal) => return refusal,
    };
    let Some(url) = field(&body, "url") else {
        return error(400, 3000, "Required 'url' is missing");
    };
    let url = match check_url(shared, url) {
        Ok(url) => url,
        Err(refusal) => return refusal,
    };
    let events = match field(&body, "events") {
        Some(events) => match check_events(events) {
            Ok(events) => events,
            Err(refusal) => return refusal,
        },
        None => vec![
            EventType::TransactionCreated,
            EventType::TransactionStateChanged,
        ],
    };
    let mut state = shared.lock();
    if state.webhooks.len() >= MAX_WEBHOOKS {
        return error(
            422,
            3352,
            format!(
                "Owner [ownerId={},ownerType=BUSINESS] already has {MAX_WEBHOOKS} webhooks. Only {MAX_WEBHOOKS} are allowed.",
                shared.config.business_id
            ),
        );
    }
    let hook = Hook {
        id: Uuid::new_v4(),
        url,
        events,
        secret: new_secret(),
        previous: Vec::new(),
    };
    let response = Response::json(201, &hook.with_secret());
    state.webhooks.push(hook);
    response
}

fn update(shared: &Shared, request: &Request, id: Uuid) -> Response {
    if shared.lock().hook(id).is_none() {
        return not_found();
    }
    let body = match json_object(request, 3000) {
        Ok(body) => body,
        Err(refusal) => return refusal,
    };
    let (url, events) = (field(&body, "url"), field(&body, "events"));
    if url.is_none() && events.is_none() {
        return error(400, 3000, "url or events must be provided");
    }
    let url = match url.map(|u| check_url(shared, u)).transpose() {
        Ok(url) => url,
        Err(refusal) => return refusal,
    };
    let events = match events.map(check_events).transpose() {
        Ok(events) => events,
        Err(refusal) => return refusal,
    };
    let mut state = shared.lock();
    let Some(hook) = state.webhooks.iter_mut().find(|h| h.id == id) else {
        return not_found();
    };
    if let Some(url) = url {
        hook.url = url;
    }
    if let Some(events) = events {
        hook.events = events;
    }
    Response::json(200, &hook.basic())
}

fn delete(shared: &Shared, id: Uuid) -> Response {
    let mut state = shared.lock();
    let before = state.webhooks.len();
    state.webhooks.retain(|h| h.id != id);
    if state.webhooks.len() == before {
        return not_found();
    }
    state.failed.retain(|f| f.webhook_id != id);
    Response::empty(204)
}

fn rotate(shared: &Shared, request: &Request, id: Uuid) -> Response {
    if shared.lock().hook(id).is_none() {
        return not_found();
    }
    let body = match json_object(request, 2101) {
        Ok(body) => body,
        Err(refusal) => return refusal,
    };
    let expiration = match field(&body, "expiration_period") {
        None => SecretExpiration::IMMEDIATE,
        Some(Value::String(text)) => match SecretExpiration::from_str(text) {
            Ok(period) => period,
            Err(e) => {
                return error(
                    400,
                    2101,
                    format!("Invalid expiration_period: {}", e.reason),
                );
            }
        },
        Some(_) => {
            return error(
                400,
                2101,
                "Invalid expiration_period: expected an ISO 8601 duration such as PT5H30M",
            );
        }
    };
    let now = shared.now();
    let mut state = shared.lock();
    let Some(hook) = state.webhooks.iter_mut().find(|h| h.id == id) else {
        return not_found();
    };
    hook.previous.retain(|(_, until)| *until > now);
    let keeps_current = expiration.as_secs() > 0;
    let active_after = hook.previous.len() + usize::from(keeps_current) + 1;
    if active_after > MAX_ACTIVE_KEYS {
        return error(
            422,
            3355,
            format!("Webhook {id} can't have more than {MAX_ACTIVE_KEYS} active signing keys"),
        );
    }
    let old = std::mem::replace(&mut hook.secret, new_secret());
    if keeps_current {
        let until = now + time::Duration::seconds(expiration.as_secs() as i64);
        hook.previous.push((old, until));
    }
    Response::json(200, &hook.with_secret())
}
