// The emulated Revolut API: routing, authentication and the shared shapes of its
// answers (the webhook endpoints, the token endpoint and the failed-events listing
// are submodules).
//
// Each endpoint's module imports only `context` and `answers` (and the state), never
// this router, so no import goes in a circle.
//
// Pure request-in, response-out: `handle` reads and changes the state and returns
// the answer; nothing here touches a socket or a thread, so every rule can also be
// unit-tested without them. The emulator's own `/_emulator` routes, which do, are
// in `control`, and `routes` sends each request to one or the other.

mod answers;
mod context;
mod failed_events;
mod sandbox;
mod token;
mod webhooks;

use serde_json::json;
use uuid::Uuid;

use super::http::{Request, Response};
pub(crate) use answers::no_endpoint;
use answers::{method_not_allowed, unauthorized};
pub(crate) use context::{Answer, Config, Ctx};

const MSG_BAD_AUTH_HEADER: &str =
    "Invalid token. The authorization header must follow the 'Bearer <token>' format.";
const MSG_BAD_TOKEN: &str = "Access token is invalid or has expired. Please refresh your access token or generate a new one following the 'Get a new access token' guide in the Revolut API docs.";

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
