//! The seven webhook endpoints of `api/2.0`, with every documented rule.

use std::str::FromStr;

use serde_json::Value;
use uuid::Uuid;

use super::super::http::{Request, Response};
use super::super::random::new_secret;
use super::super::state::Hook;
use super::super::times::plus;
use super::answers::{
    bad_uuid, error, field, json_object, method_not_allowed, no_endpoint, not_found,
};
use super::context::Ctx;
use super::failed_events;
use crate::config::{self, Scheme, UrlRules};
use crate::models::{EventType, SecretExpiration};

/// Most webhooks per business.
pub(crate) const MAX_WEBHOOKS: usize = 10;
/// Most active signing keys per webhook.
pub(crate) const MAX_ACTIVE_KEYS: usize = 3;

/// Routes a request under `/api/2.0/webhooks`; `rest` is the path after it.
pub(super) fn route(ctx: &Ctx<'_>, request: &Request, rest: &str) -> Response {
    // `rest` is empty or starts with `/`; an empty segment (a trailing or doubled
    // slash) matches no route below.
    let segments: Vec<&str> = rest.split('/').skip(1).collect();
    if segments.iter().any(|s| s.is_empty()) {
        return no_endpoint(request);
    }
    let method = request.method.as_str();
    match segments.as_slice() {
        [] => match method {
            "GET" => list(ctx),
            "POST" => create(ctx, request),
            _ => method_not_allowed("GET, POST"),
        },
        [id] => {
            let Ok(id) = Uuid::parse_str(id) else {
                return bad_uuid();
            };
            match method {
                "GET" => get(ctx, id),
                "PATCH" => update(ctx, request, id),
                "DELETE" => delete(ctx, id),
                _ => method_not_allowed("GET, PATCH, DELETE"),
            }
        }
        [id, action] if *action == "rotate-signing-secret" || *action == "failed-events" => {
            let Ok(id) = Uuid::parse_str(id) else {
                return bad_uuid();
            };
            match (*action, method) {
                ("rotate-signing-secret", "POST") => rotate(ctx, request, id),
                ("failed-events", "GET") => failed_events::list(ctx, request, id),
                ("rotate-signing-secret", _) => method_not_allowed("POST"),
                _ => method_not_allowed("GET"),
            }
        }
        _ => no_endpoint(request),
    }
}

fn list(ctx: &Ctx<'_>) -> Response {
    let state = ctx.lock();
    let hooks: Vec<Value> = state.webhooks.iter().map(Hook::basic).collect();
    Response::json(200, &Value::Array(hooks))
}

fn get(ctx: &Ctx<'_>, id: Uuid) -> Response {
    match ctx.lock().hook(id) {
        Some(hook) => Response::json(200, &hook.with_secret()),
        None => not_found(),
    }
}

fn check_url(ctx: &Ctx<'_>, url: &Value) -> Result<String, Response> {
    let refuse = |why: &str| error(400, 3000, why);
    let url = url.as_str().ok_or_else(|| refuse("url must be a string"))?;
    if url.len() > 2048 {
        return Err(refuse("url must be a valid URL"));
    }
    let checked = config::check_url(url, "url", UrlRules::Webhook)
        .map_err(|e| refuse(&format!("url must be a valid URL: {}", e.reason)))?;
    match checked.scheme {
        Scheme::Https => Ok(url.to_owned()),
        Scheme::Http if ctx.config.allow_loopback_http && checked.host.is_loopback() => {
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

fn create(ctx: &Ctx<'_>, request: &Request) -> Response {
    let body = match json_object(request, 3000) {
        Ok(body) => body,
        Err(refusal) => return refusal,
    };
    let Some(url) = field(&body, "url") else {
        return error(400, 3000, "Required 'url' is missing");
    };
    let url = match check_url(ctx, url) {
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
    let mut state = ctx.lock();
    if state.webhooks.len() >= MAX_WEBHOOKS {
        return error(
            422,
            3352,
            format!(
                "Owner [ownerId={},ownerType=BUSINESS] already has {MAX_WEBHOOKS} webhooks. Only {MAX_WEBHOOKS} are allowed.",
                ctx.config.business_id
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

fn update(ctx: &Ctx<'_>, request: &Request, id: Uuid) -> Response {
    if ctx.lock().hook(id).is_none() {
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
    let url = match url.map(|u| check_url(ctx, u)).transpose() {
        Ok(url) => url,
        Err(refusal) => return refusal,
    };
    let events = match events.map(check_events).transpose() {
        Ok(events) => events,
        Err(refusal) => return refusal,
    };
    let mut state = ctx.lock();
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

fn delete(ctx: &Ctx<'_>, id: Uuid) -> Response {
    let mut state = ctx.lock();
    let before = state.webhooks.len();
    state.webhooks.retain(|h| h.id != id);
    if state.webhooks.len() == before {
        return not_found();
    }
    state.failed.retain(|f| f.webhook_id != id);
    Response::empty(204)
}

fn rotate(ctx: &Ctx<'_>, request: &Request, id: Uuid) -> Response {
    if ctx.lock().hook(id).is_none() {
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
    let now = ctx.now();
    let mut state = ctx.lock();
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
        let period = i64::try_from(expiration.as_secs()).unwrap_or(i64::MAX);
        let until = plus(now, time::Duration::seconds(period));
        hook.previous.push((old, until));
    }
    Response::json(200, &hook.with_secret())
}
