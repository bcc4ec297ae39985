//! An error answer, whatever its body's shape, read into an [`ApiError`].

use time::OffsetDateTime;

use super::message::HttpResponse;
use crate::error::{ApiError, scrub};
use crate::retry::parse_retry_after;

/// Turns an error response into an [`ApiError`], whatever the body's shape.
///
/// The texts taken from the body (`message`, `error_id`, `body_snippet`) are
/// scrubbed of anything shaped like a credential, in case a server or a proxy
/// echoed the request: `Bearer <…>`, `wsk_…`, `oa_prod_…`/`oa_sand_…` tokens
/// and JWTs become `<redacted>`.
pub fn api_error(response: &HttpResponse, now: OffsetDateTime) -> ApiError {
    api_error_scrubbing(response, now, &[])
}

/// [`api_error`], also scrubbing `secrets`.
pub(crate) fn api_error_scrubbing(
    response: &HttpResponse,
    now: OffsetDateTime,
    secrets: &[&str],
) -> ApiError {
    let clean = |text: &str| scrub(text, secrets);
    let retry_after = response
        .retry_after
        .as_deref()
        .and_then(|v| parse_retry_after(v, now));
    let mut error = ApiError {
        status: response.status,
        code: None,
        error_id: None,
        message: String::new(),
        retry_after,
        body_snippet: None,
        attempts: 1,
        unconfirmed: None,
    };
    match serde_json::from_slice::<serde_json::Value>(&response.body) {
        Ok(serde_json::Value::Object(body)) => {
            error.code = body.get("code").and_then(integer);
            error.error_id = body.get("error_id").and_then(|v| match v {
                serde_json::Value::String(s) => Some(clean(s)),
                serde_json::Value::Number(n) => Some(n.to_string()),
                _ => None,
            });
            error.message = match body.get("message") {
                Some(serde_json::Value::String(s)) => clean(s),
                Some(other) if !other.is_null() => clean(&other.to_string()),
                _ => status_text(response.status).to_owned(),
            };
        }
        _ => {
            error.message = if response.body.is_empty() {
                status_text(response.status).to_owned()
            } else {
                format!(
                    "{} (the body is not a JSON error)",
                    status_text(response.status)
                )
            };
            // Scrubbed, then cut: a cut must not leave half a secret. The snippet
            // reads well under the first 64 KiB, so that much is scrubbed.
            let head = &response.body[..response.body.len().min(64 * 1024)];
            error.body_snippet = snippet(clean(&String::from_utf8_lossy(head)).as_bytes());
        }
    }
    error
}

fn integer(v: &serde_json::Value) -> Option<i64> {
    match v {
        serde_json::Value::Number(n) => n.as_i64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The first 200 characters of a body, whitespace collapsed, for error messages.
fn snippet(body: &[u8]) -> Option<String> {
    const MAX_CHARS: usize = 200;
    let text = String::from_utf8_lossy(&body[..body.len().min(4 * MAX_CHARS)]);
    let mut out = String::new();
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
        if out.chars().count() >= MAX_CHARS {
            break;
        }
    }
    if out.chars().count() > MAX_CHARS {
        out = out.chars().take(MAX_CHARS).collect();
    }
    (!out.is_empty()).then_some(out)
}

fn status_text(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        413 => "Payload Too Large",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        s if (300..400).contains(&s) => "Unexpected redirect",
        s if (400..500).contains(&s) => "Client error",
        s if (500..600).contains(&s) => "Server error",
        _ => "Unexpected status",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use time::macros::datetime;

    fn now() -> OffsetDateTime {
        datetime!(2026-11-25 12:00 UTC)
    }

    #[test]
    fn maps_every_error_shape() {
        let e = api_error(
            &HttpResponse::new(
                404,
                br#"{"message":"Webhook not found","code":3040}"#.to_vec(),
            ),
            now(),
        );
        assert_eq!(
            (e.status, e.code, e.message.as_str()),
            (404, Some(3040), "Webhook not found")
        );
        assert!(e.is_not_found());
        assert_eq!(e.body_snippet, None);

        let e = api_error(
            &HttpResponse::new(
                429,
                br#"{"error_id":"06153eec-c5cd-4db8-8898-7ae96b9d89ab","code":3162,"message":"Request rate limit has been reached. Try again later."}"#.to_vec(),
            )
            .with_retry_after("30"),
            now(),
        );
        assert_eq!(e.code, Some(3162));
        assert_eq!(
            e.error_id.as_deref(),
            Some("06153eec-c5cd-4db8-8898-7ae96b9d89ab")
        );
        assert_eq!(e.retry_after, Some(Duration::from_secs(30)));

        let e = api_error(
            &HttpResponse::new(401, br#"{"status":401,"message":"nope"}"#.to_vec()),
            now(),
        );
        assert_eq!((e.code, e.message.as_str()), (None, "nope"));

        let e = api_error(
            &HttpResponse::new(400, br#"{"code":"3000","message":{"x":1}}"#.to_vec()),
            now(),
        );
        assert_eq!(e.code, Some(3000));
        assert_eq!(e.message, r#"{"x":1}"#);

        let e = api_error(&HttpResponse::new(500, br#"{"code":null}"#.to_vec()), now());
        assert_eq!(
            (e.code, e.message.as_str()),
            (None, "Internal Server Error")
        );

        let html =
            b"<html>\n<head><title>502 Bad Gateway</title></head>\n<body>nginx</body></html>";
        let e = api_error(&HttpResponse::new(502, html.to_vec()), now());
        assert_eq!(e.message, "Bad Gateway (the body is not a JSON error)");
        assert_eq!(
            e.body_snippet.as_deref(),
            Some("<html> <head><title>502 Bad Gateway</title></head> <body>nginx</body></html>")
        );

        let e = api_error(&HttpResponse::new(503, vec![]), now());
        assert_eq!(
            (e.message.as_str(), e.body_snippet.clone()),
            ("Service Unavailable", None)
        );

        let e = api_error(
            &HttpResponse::new(418, b"\"just a string\"".to_vec()),
            now(),
        );
        assert_eq!(e.message, "Client error (the body is not a JSON error)");
        assert_eq!(e.body_snippet.as_deref(), Some("\"just a string\""));
    }

    #[test]
    fn status_texts() {
        for (status, text) in [
            (400, "Bad Request"),
            (401, "Unauthorized"),
            (403, "Forbidden"),
            (404, "Not Found"),
            (405, "Method Not Allowed"),
            (409, "Conflict"),
            (413, "Payload Too Large"),
            (422, "Unprocessable Entity"),
            (429, "Too Many Requests"),
            (500, "Internal Server Error"),
            (502, "Bad Gateway"),
            (503, "Service Unavailable"),
            (504, "Gateway Timeout"),
            (302, "Unexpected redirect"),
            (418, "Client error"),
            (599, "Server error"),
            (600, "Unexpected status"),
            (100, "Unexpected status"),
        ] {
            assert_eq!(status_text(status), text, "{status}");
        }
    }

    #[test]
    fn error_fields_of_odd_types() {
        let e = api_error(
            &HttpResponse::new(
                400,
                br#"{"error_id":12345,"message":null,"code":7}"#.to_vec(),
            ),
            now(),
        );
        assert_eq!(e.error_id.as_deref(), Some("12345"));
        assert_eq!(e.message, "Bad Request");
        let e = api_error(
            &HttpResponse::new(400, br#"{"error_id":[1]}"#.to_vec()),
            now(),
        );
        assert_eq!(e.error_id, None);
    }

    #[test]
    fn snippets_are_short() {
        let long = "x".repeat(10_000);
        assert_eq!(snippet(long.as_bytes()).unwrap().chars().count(), 200);
        let words = "ab ".repeat(1000);
        assert!(snippet(words.as_bytes()).unwrap().chars().count() <= 200);
        // Multi-byte characters: 200 characters, not 200 bytes.
        let euros = "\u{20ac}".repeat(300);
        assert_eq!(snippet(euros.as_bytes()).unwrap().chars().count(), 200);
        assert_eq!(snippet(b"  \n "), None);
        assert_eq!(snippet(&[0xff, b'a']).as_deref(), Some("\u{fffd}a"));
    }

    #[test]
    fn api_errors_scrub_credentials_and_what_was_sent() {
        let body = br#"{"code":9,"message":"got Bearer oa_sand_LEAK and SENT-token-1 and wsk_LEAK","error_id":"SENT-token-1"}"#;
        let e = api_error_scrubbing(
            &HttpResponse::new(400, body.to_vec()),
            now(),
            &["SENT-token-1"],
        );
        assert_eq!(
            e.message,
            "got Bearer <redacted> and <redacted> and <redacted>"
        );
        assert_eq!(e.error_id.as_deref(), Some("<redacted>"));
        // Without the secret, what is shaped like a credential still goes.
        let e = api_error(&HttpResponse::new(400, body.to_vec()), now());
        assert_eq!(
            e.message,
            "got Bearer <redacted> and SENT-token-1 and <redacted>"
        );
        // A secret at the snippet's cut is removed before the cut, not half of it.
        let html = format!("<p>{}SENT-token-1</p>", "y".repeat(190));
        let e = api_error_scrubbing(
            &HttpResponse::new(502, html.into_bytes()),
            now(),
            &["SENT-token-1"],
        );
        let snippet = e.body_snippet.unwrap();
        assert!(!snippet.contains("SENT"), "{snippet}");
        assert!(snippet.ends_with("y<redact"), "{snippet}");
    }
}
