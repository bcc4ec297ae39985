// The emulated Revolut API: routing, authentication and the shared shapes of its
// answers (the webhook endpoints, the token endpoint and the failed-events listing
// are submodules).
//
// Pure request-in, response-out: `handle` reads and changes the state and returns
// the answer; nothing here touches a socket or a thread, so every rule can also be
// unit-tested without them. The emulator's own `/_emulator` routes, which do, are
// in `control`, and `routes` sends each request to one or the other.

mod failed_events;
mod sandbox;
mod token;
mod webhooks;

use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

use super::event::Event;
use super::http::{Request, Response};
use super::state::{Limit, State, Store};

/// The API's settings, from the builder.
#[derive(Debug)]
pub(crate) struct Config {
    pub allow_loopback_http: bool,
    pub business_id: Uuid,
    pub client_id: Option<String>,
    /// The per-business rate limit; `None`: off.
    pub rate_limit: Option<Limit>,
    /// Whether a refresh revokes the access tokens issued before it.
    pub refresh_revokes: bool,
}

/// The API's answer to a request, and the events it makes Revolut deliver (the
/// caller delivers them: this module does no I/O).
pub(crate) struct Answer {
    pub response: Response,
    pub events: Vec<Event>,
}

impl From<Response> for Answer {
    fn from(response: Response) -> Answer {
        Answer {
            response,
            events: Vec::new(),
        }
    }
}

/// What every endpoint reads: the state, its clock and the settings.
pub(crate) struct Ctx<'a> {
    pub store: &'a Store,
    pub config: &'a Config,
}

impl Ctx<'_> {
    fn now(&self) -> OffsetDateTime {
        self.store.now()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.store.lock()
    }
}

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

/// Answers a request to the API; `None` for a path that is not the API's.
pub(crate) fn handle(ctx: &Ctx<'_>, request: &Request) -> Option<Answer> {
    // Paths match exactly: `/webhooks/` or `/webhooks//id` are not paths of the API.
    let path = request.path.as_str();
    if path == "/api/1.0/auth/token" {
        return Some(
            match request.method.as_str() {
                "POST" => token::endpoint(ctx, request),
                _ => method_not_allowed("POST"),
            }
            .into(),
        );
    }
    if let Some(rest) = path.strip_prefix("/api/2.0")
        && (rest == "/webhooks" || rest.starts_with("/webhooks/"))
    {
        if let Err(refusal) = admit(ctx, request) {
            return Some(refusal.into());
        }
        return Some(webhooks::route(ctx, request, &rest["/webhooks".len()..]).into());
    }
    if let Some(rest) = path.strip_prefix("/api/1.0/sandbox")
        && (rest == "/topup" || rest.starts_with("/transactions/"))
    {
        if let Err(refusal) = admit(ctx, request) {
            return Some(refusal.into());
        }
        return Some(sandbox::route(ctx, request, rest));
    }
    None
}

/// Authenticates a request and counts it against the rate limit.
fn admit(ctx: &Ctx<'_>, request: &Request) -> Result<(), Response> {
    authenticate(ctx, request)?;
    let Some(limit) = ctx.config.rate_limit else {
        return Ok(());
    };
    let now = ctx.now();
    ctx.lock().rate.admit(limit, now).map_err(|seconds| {
        Response::json(
            429,
            &json!({
                "error_id": Uuid::new_v4(),
                "code": 3162,
                "message": format!("Request rate limit has been reached. Try again after {seconds} seconds."),
            }),
        )
        .with_header("retry-after", seconds.to_string())
    })
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

fn authenticate(ctx: &Ctx<'_>, request: &Request) -> Result<(), Response> {
    let header = request.header("authorization").unwrap_or("");
    let token = match header.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            token.trim()
        }
        _ => return Err(unauthorized(MSG_BAD_AUTH_HEADER)),
    };
    let now = ctx.now();
    if ctx.lock().tokens.is_valid(token, now) {
        Ok(())
    } else {
        Err(unauthorized(MSG_BAD_TOKEN))
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
