//! The shapes the API answers in: its errors (`{code, message}`, 401's with an
//! `error_id`), and the JSON bodies it reads.

use serde_json::{Value, json};
use uuid::Uuid;

use super::super::http::{Request, Response};

pub(super) fn error(status: u16, code: i64, message: impl Into<String>) -> Response {
    Response::json(status, &json!({ "message": message.into(), "code": code }))
}

pub(super) fn not_found() -> Response {
    error(404, 3040, "Webhook not found")
}

pub(super) fn bad_uuid() -> Response {
    error(400, 2101, "Something went wrong")
}

pub(super) fn unauthorized(message: &str) -> Response {
    Response::json(
        401,
        &json!({ "error_id": Uuid::new_v4(), "code": 1000, "message": message }),
    )
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

pub(super) fn method_not_allowed(allow: &str) -> Response {
    Response::refusal(405, format!("Method not allowed; use {allow}")).with_header("allow", allow)
}

/// The JSON object of a create, update or rotate body, or the 400 (with `code`)
/// refusing it.
pub(super) fn json_object(
    request: &Request,
    code: i64,
) -> Result<serde_json::Map<String, Value>, Response> {
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
pub(super) fn field<'a>(body: &'a serde_json::Map<String, Value>, name: &str) -> Option<&'a Value> {
    body.get(name).filter(|v| !v.is_null())
}
