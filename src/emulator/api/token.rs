//! The token endpoint of `api/1.0`: authorization codes and refresh tokens for access
//! tokens.

use serde_json::json;

use super::super::http::{Request, Response, parse_pairs};
use super::context::Ctx;
/// The only client assertion type the token endpoint accepts.
pub(crate) const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

fn oauth_error(status: u16, error: &str, description: &str) -> Response {
    Response::json(
        status,
        &json!({ "error": error, "error_description": description }),
    )
}

pub(super) fn endpoint(ctx: &Ctx<'_>, request: &Request) -> Response {
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
    if let (Some(expected), Some(given)) = (&ctx.config.client_id, param("client_id"))
        && expected != given
    {
        return oauth_error(401, "invalid_client", "unknown client_id");
    }
    let now = ctx.now();
    let mut state = ctx.lock();
    match param("grant_type") {
        Some("authorization_code") => {
            let Some(code) = param("code") else {
                return oauth_error(400, "invalid_request", "code is missing");
            };
            if !state.tokens.take_code(code, now) {
                return oauth_error(
                    400,
                    "invalid_grant",
                    "the authorization code is invalid or was already used",
                );
            }
            let access = state.tokens.issue_access(now);
            let refresh = state.tokens.issue_refresh();
            Response::json(
                200,
                &json!({
                    "access_token": access,
                    "token_type": "bearer",
                    "expires_in": state.tokens.lifetime().whole_seconds(),
                    "refresh_token": refresh,
                }),
            )
        }
        Some("refresh_token") => {
            let known = param("refresh_token").is_some_and(|t| state.tokens.knows_refresh(t));
            if !known {
                return oauth_error(400, "invalid_grant", "the refresh token is invalid");
            }
            // As Revolut's, by reports of production integrations: a refresh ends
            // the access tokens issued before it.
            if ctx.config.refresh_revokes {
                state.tokens.revoke_issued();
            }
            let access = state.tokens.issue_access(now);
            Response::json(
                200,
                &json!({
                    "access_token": access,
                    "token_type": "bearer",
                    "expires_in": state.tokens.lifetime().whole_seconds(),
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
