// The emulated API: state, routing and every documented rule.
//
// Pure request-in, response-out: the HTTP server calls `handle`, and nothing here
// does I/O, so every rule can also be unit-tested without sockets.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;

use serde_json::value::RawValue;
use serde_json::{Value, json};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::http::{Request, Response, parse_pairs};
use super::{Shared, fmt_time, random_string, truncate_micros};
use crate::config::{self, Scheme, UrlRules};
use crate::models::{EventType, FAILED_EVENTS_WINDOW, MAX_PAGE_SIZE, SecretExpiration};

/// Most webhooks per business.
pub(crate) const MAX_WEBHOOKS: usize = 10;
/// Most active signing keys per webhook.
pub(crate) const MAX_ACTIVE_KEYS: usize = 3;
/// Lifetime of an access token from the token endpoint.
pub(crate) const TOKEN_LIFETIME: time::Duration = time::Duration::minutes(40);
/// The only client assertion type the token endpoint accepts.
pub(crate) const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

const MSG_BAD_AUTH_HEADER: &str =
    "Invalid token. The authorization header must follow the 'Bearer <token>' format.";
const MSG_BAD_TOKEN: &str = "Access token is invalid or has expired. Please refresh your access token or generate a new one following the 'Get a new access token' guide in the Revolut API docs.";

#[derive(Debug, Default)]
pub(crate) struct State {
    pub webhooks: Vec<Hook>,
    /// Access token -> expiry (`None`: never expires).
    pub tokens: HashMap<String, Option<OffsetDateTime>>,
    pub refresh_tokens: HashSet<String>,
    pub codes: HashSet<String>,
    pub failed: Vec<FailedRecord>,
}

#[derive(Debug, Clone)]
pub(crate) struct Hook {
    pub id: Uuid,
    pub url: String,
    pub events: Vec<EventType>,
    pub secret: String,
    /// Secrets replaced by a rotation with an expiration period, and when they expire.
    pub previous: Vec<(String, OffsetDateTime)>,
}

impl Hook {
    /// Every secret valid at `now`, the current one first.
    pub fn active_secrets(&self, now: OffsetDateTime) -> Vec<String> {
        std::iter::once(self.secret.clone())
            .chain(
                self.previous
                    .iter()
                    .filter(|(_, until)| *until > now)
                    .map(|(s, _)| s.clone()),
            )
            .collect()
    }

    fn basic(&self) -> Value {
        json!({ "id": self.id, "url": self.url, "events": self.events })
    }

    fn with_secret(&self) -> Value {
        json!({ "id": self.id, "url": self.url, "events": self.events, "signing_secret": self.secret })
    }
}

#[derive(Debug, Clone)]
pub(crate) struct FailedRecord {
    pub id: Uuid,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub webhook_id: Uuid,
    pub webhook_url: String,
    /// The exact delivered body.
    pub payload: Box<RawValue>,
    pub last_sent_date: OffsetDateTime,
}

impl State {
    pub fn hook(&self, id: Uuid) -> Option<&Hook> {
        self.webhooks.iter().find(|h| h.id == id)
    }

    pub fn issue_token(&mut self, now: OffsetDateTime) -> String {
        let token = format!("oa_emu_{}", random_string(40));
        self.tokens
            .insert(token.clone(), Some(now + TOKEN_LIFETIME));
        token
    }
}

pub(crate) fn new_secret() -> String {
    format!("wsk_{}", random_string(32))
}

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

fn oauth_error(status: u16, error: &str, description: &str) -> Response {
    Response::json(
        status,
        &json!({ "error": error, "error_description": description }),
    )
}

pub(crate) fn handle(shared: &std::sync::Arc<Shared>, request: Request) -> Response {
    // Paths match exactly: `/webhooks/` or `/webhooks//id` are not paths of the API.
    let path = request.path.clone();
    if path == "/api/1.0/auth/token" {
        return match request.method.as_str() {
            "POST" => token_endpoint(shared, &request),
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
        return super::control(shared, &request, rest);
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
                ("failed-events", "GET") => failed_events(shared, request, id),
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

/// `created_before` as an instant: an RFC 3339 date-time, or a date (its midnight UTC).
pub(crate) fn parse_created_before(text: &str) -> Option<OffsetDateTime> {
    use time::format_description::well_known::Rfc3339;
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(t);
    }
    let mut parts = text.split('-');
    let (Some(y), Some(m), Some(d), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let month = time::Month::try_from(m.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?)
        .ok()
        .map(|d| d.midnight().assume_utc())
}

fn failed_events(shared: &Shared, request: &Request, id: Uuid) -> Response {
    if shared.lock().hook(id).is_none() {
        return not_found();
    }
    let Some(query) = parse_pairs(&request.query, false) else {
        return error(400, 2101, "Something went wrong");
    };
    for (i, (name, _)) in query.iter().enumerate() {
        if query[..i].iter().any(|(earlier, _)| earlier == name) {
            return error(400, 2101, format!("{name} must be given at most once"));
        }
    }
    let param = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let limit = match param("limit") {
        None => 100,
        // Plain digits only: `u32::from_str` would also take `+5`.
        Some(text) => match text
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| text.parse::<u32>().ok())
            .flatten()
        {
            Some(n) if (1..=MAX_PAGE_SIZE).contains(&n) => n as usize,
            _ => return error(400, 2101, "limit must be between 1 and 1000"),
        },
    };
    let now = shared.now();
    let oldest = now - FAILED_EVENTS_WINDOW;
    let before = match param("created_before") {
        None => None,
        Some(text) => match parse_created_before(text) {
            Some(t) if t < oldest => {
                return error(
                    400,
                    2101,
                    format!(
                        "created_before must be after {}, but is: {}",
                        fmt_time(oldest),
                        fmt_time(t)
                    ),
                );
            }
            Some(t) => Some(t),
            None => {
                return error(
                    400,
                    2101,
                    format!("created_before must be an ISO 8601 date or date-time, but is: {text}"),
                );
            }
        },
    };
    let state = shared.lock();
    let mut events: Vec<&FailedRecord> = state
        .failed
        .iter()
        .filter(|f| f.webhook_id == id && f.created_at >= oldest)
        .filter(|f| match before {
            Some(bound) => f.created_at < bound,
            // Without a bound the default is "now"; including `now` itself keeps an
            // event recorded at a stopped test clock visible.
            None => f.created_at <= now,
        })
        .collect();
    // Newest first; the insertion order breaks ties, newest insertion first.
    events.reverse();
    events.sort_by_key(|f| std::cmp::Reverse(f.created_at));
    events.truncate(limit);
    let items: Vec<FailedOut<'_>> = events
        .iter()
        .map(|f| FailedOut {
            id: f.id,
            created_at: fmt_time(f.created_at),
            updated_at: fmt_time(f.updated_at),
            webhook_id: f.webhook_id,
            webhook_url: &f.webhook_url,
            payload: &f.payload,
            last_sent_date: fmt_time(f.last_sent_date),
        })
        .collect();
    match serde_json::to_vec(&items) {
        Ok(body) => Response::new(200, "application/json", body),
        Err(_) => error(500, 5000, "could not encode failed events"),
    }
}

/// A failed event as the API returns it; the payload is the delivered bytes, verbatim.
#[derive(serde::Serialize)]
struct FailedOut<'a> {
    id: Uuid,
    created_at: String,
    updated_at: String,
    webhook_id: Uuid,
    webhook_url: &'a str,
    payload: &'a RawValue,
    last_sent_date: String,
}

fn token_endpoint(shared: &Shared, request: &Request) -> Response {
    let content_type = request.header("content-type").unwrap_or("");
    if !content_type
        .to_ascii_lowercase()
        .starts_with("application/x-www-form-urlencoded")
    {
        return oauth_error(
            400,
            "invalid_request",
            "the body must be application/x-www-form-urlencoded",
        );
    }
    let Some(form) = std::str::from_utf8(&request.body)
        .ok()
        .and_then(|body| parse_pairs(body, true))
    else {
        return oauth_error(400, "invalid_request", "the form body could not be decoded");
    };
    let param = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    match param("client_assertion_type") {
        Some(JWT_BEARER) => {}
        Some(_) => {
            return oauth_error(
                401,
                "invalid_client",
                "client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            );
        }
        None => return oauth_error(401, "invalid_client", "client_assertion_type is missing"),
    }
    if param("client_assertion").is_none() {
        return oauth_error(401, "invalid_client", "client_assertion is missing");
    }
    if let (Some(expected), Some(given)) = (&shared.config.client_id, param("client_id"))
        && expected != given
    {
        return oauth_error(401, "invalid_client", "unknown client_id");
    }
    let now = shared.now();
    let mut state = shared.lock();
    match param("grant_type") {
        Some("authorization_code") => {
            let Some(code) = param("code") else {
                return oauth_error(400, "invalid_request", "code is missing");
            };
            if !state.codes.remove(code) {
                return oauth_error(
                    400,
                    "invalid_grant",
                    "the authorization code is invalid or was already used",
                );
            }
            let access = state.issue_token(now);
            let refresh = format!("oa_emu_refresh_{}", random_string(40));
            state.refresh_tokens.insert(refresh.clone());
            Response::json(
                200,
                &json!({
                    "access_token": access,
                    "token_type": "bearer",
                    "expires_in": TOKEN_LIFETIME.whole_seconds(),
                    "refresh_token": refresh,
                }),
            )
        }
        Some("refresh_token") => {
            let known = param("refresh_token").is_some_and(|t| state.refresh_tokens.contains(t));
            if !known {
                return oauth_error(400, "invalid_grant", "the refresh token is invalid");
            }
            let access = state.issue_token(now);
            Response::json(
                200,
                &json!({
                    "access_token": access,
                    "token_type": "bearer",
                    "expires_in": TOKEN_LIFETIME.whole_seconds(),
                }),
            )
        }
        Some(_) => oauth_error(
            400,
            "unsupported_grant_type",
            "grant_type must be authorization_code or refresh_token",
        ),
        None => oauth_error(400, "invalid_request", "grant_type is missing"),
    }
}

/// Records a final delivery failure.
pub(crate) fn record_failure(
    shared: &Shared,
    webhook_id: Uuid,
    webhook_url: &str,
    payload: &str,
    created_at: OffsetDateTime,
    last_sent: OffsetDateTime,
) -> Option<Uuid> {
    let mut state = shared.lock();
    // A webhook deleted while its event was retried has no failed events to show.
    state.hook(webhook_id)?;
    let payload = RawValue::from_string(payload.to_owned()).ok()?;
    let id = Uuid::new_v4();
    state.failed.push(FailedRecord {
        id,
        created_at: truncate_micros(created_at),
        updated_at: truncate_micros(last_sent),
        webhook_id,
        webhook_url: webhook_url.to_owned(),
        payload,
        last_sent_date: truncate_micros(last_sent),
    });
    Some(id)
}
