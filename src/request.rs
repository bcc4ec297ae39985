//! The sans-IO core: every endpoint as a request to send and a parser for its response.
//!
//! Nothing here does I/O. The blocking and async clients are thin shells around
//! these functions; you can also drive them with any HTTP library you like
//! (semver covers this module like the rest of the crate: see
//! [the crate's stability notes](crate#stability)):
//!
//! ```
//! use revolut_webhooks::request::{self, HttpResponse};
//! use revolut_webhooks::Environment;
//!
//! let call = request::list_webhooks();
//! assert_eq!(call.request().method.as_str(), "GET");
//! assert_eq!(call.request().url(&Environment::Sandbox), "https://sandbox-b2b.revolut.com/api/2.0/webhooks");
//!
//! // ... send it with your own client, adding `Authorization: Bearer <token>` ...
//! let response = HttpResponse::new(200, br#"[{"id":"c6db947e-e9ce-41c2-b445-02e6eb741d21",
//!     "url":"https://www.example.com","events":["TransactionCreated"]}]"#.to_vec());
//! let hooks = call.parse(&response, time::OffsetDateTime::now_utc())?;
//! assert_eq!(hooks[0].url, "https://www.example.com");
//! # Ok::<(), revolut_webhooks::Error>(())
//! ```

use std::fmt;
use std::time::Duration;

use serde::de::DeserializeOwned;
use time::OffsetDateTime;

use crate::config::Environment;
use crate::error::{ApiError, DecodeError, Error, ValidationError, scrub};
use crate::models::{
    CreateWebhook, CreatedBefore, FailedEvent, FailedEventsQuery, SecretExpiration, UpdateWebhook,
    Webhook, WebhookId, WebhookWithSecret,
};

/// An HTTP method used by the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Method {
    /// The method's name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    /// Whether sending the request twice has the same effect as sending it once.
    ///
    /// The API's two POSTs (create a webhook, rotate a secret) are not: a repeat
    /// could create an eleventh webhook or a fourth key.
    pub fn is_idempotent(&self) -> bool {
        !matches!(self, Method::Post)
    }
}

/// A request body with its content type. `Debug` shows only its size, since
/// some bodies (token requests) hold secrets.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestBody {
    /// The `Content-Type` header value.
    pub content_type: &'static str,
    /// The bytes to send.
    pub bytes: Vec<u8>,
}

impl fmt::Debug for RequestBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "RequestBody({}, {} bytes)",
            self.content_type,
            self.bytes.len()
        )
    }
}

/// A request to send: method, path from the host root, query and body.
///
/// It holds no credentials: the sender adds `Authorization: Bearer <token>`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// The path from the host root, such as `/api/2.0/webhooks`.
    pub path: String,
    /// Query parameters, not yet encoded.
    pub query: Vec<(&'static str, String)>,
    /// The body, if the request has one.
    pub body: Option<RequestBody>,
}

impl HttpRequest {
    fn new(method: Method, path: String) -> Self {
        HttpRequest {
            method,
            path,
            query: Vec::new(),
            body: None,
        }
    }

    fn json(mut self, body: &impl serde::Serialize) -> Self {
        // Serializing our own request types cannot fail: they are plain strings and lists.
        let bytes = serde_json::to_vec(body).expect("request bodies always serialize");
        self.body = Some(RequestBody {
            content_type: "application/json",
            bytes,
        });
        self
    }

    /// The full URL in `environment`, with the query percent-encoded.
    pub fn url(&self, environment: &Environment) -> String {
        let mut url = format!("{}{}", environment.base_url(), self.path);
        for (i, (key, value)) in self.query.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.push_str(key);
            url.push('=');
            percent_encode_into(value, &mut url);
        }
        url
    }
}

fn percent_encode_into(value: &str, out: &mut String) {
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
}

/// A response as received: status, the headers that matter, and the raw body.
///
/// `Debug` shows the body's size, never the body: success bodies carry signing
/// secrets, and error bodies may echo the request's token.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HttpResponse {
    /// The HTTP status.
    pub status: u16,
    /// The `Retry-After` header, if present.
    pub retry_after: Option<String>,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("retry_after", &self.retry_after)
            .field("body_bytes", &self.body.len())
            .finish()
    }
}

impl HttpResponse {
    /// A response with no `Retry-After` header.
    pub fn new(status: u16, body: Vec<u8>) -> Self {
        HttpResponse {
            status,
            retry_after: None,
            body,
        }
    }

    /// Sets the `Retry-After` header value.
    #[must_use]
    pub fn with_retry_after(mut self, value: impl Into<String>) -> Self {
        self.retry_after = Some(value.into());
        self
    }
}

/// One API call: the request to send and how to read its answer.
pub struct Call<T> {
    request: HttpRequest,
    decode: fn(&[u8]) -> Result<T, serde_json::Error>,
    /// The endpoint's path as the API documents it (`/webhooks/{id}`): what a trace
    /// may show, where the request's path holds the id.
    #[cfg_attr(
        not(all(feature = "tracing", any(feature = "blocking", feature = "async"))),
        allow(dead_code)
    )]
    template: &'static str,
}

impl<T> fmt::Debug for Call<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("request", &self.request)
            .finish()
    }
}

impl<T> Call<T> {
    /// The request to send.
    pub fn request(&self) -> &HttpRequest {
        &self.request
    }

    /// The endpoint's path template, such as `/webhooks/{id}`: no id in it.
    #[cfg_attr(
        not(all(feature = "tracing", any(feature = "blocking", feature = "async"))),
        allow(dead_code)
    )]
    pub(crate) fn template(&self) -> &'static str {
        self.template
    }

    /// Reads the response: the decoded value on a 2xx, the API error otherwise.
    /// `now` turns a `Retry-After` date into a wait.
    ///
    /// Error texts taken from the body are scrubbed of anything shaped like a
    /// credential (see [`api_error`]).
    pub fn parse(&self, response: &HttpResponse, now: OffsetDateTime) -> Result<T, Error> {
        self.parse_scrubbing(response, now, &[])
    }

    /// [`parse`](Self::parse), also scrubbing `secrets` (the token just sent) from
    /// the error texts, in case the server echoed them.
    #[cfg_attr(not(any(feature = "blocking", feature = "async")), allow(dead_code))]
    pub(crate) fn parse_scrubbing(
        &self,
        response: &HttpResponse,
        now: OffsetDateTime,
        secrets: &[&str],
    ) -> Result<T, Error> {
        if !(200..300).contains(&response.status) {
            return Err(api_error_scrubbing(response, now, secrets).into());
        }
        (self.decode)(&response.body).map_err(|e| {
            DecodeError::new(response.status, self.request.method, &self.request.path, &e).into()
        })
    }
}

fn json<T: DeserializeOwned>(body: &[u8]) -> Result<T, serde_json::Error> {
    // Checking UTF-8 once for the whole body lets serde_json skip the check for
    // every string and every raw payload: a page of 1,000 failed events decodes
    // about 1.2 times as fast. A body that is not UTF-8 goes to `from_slice`,
    // whose error says where the bad byte is.
    match std::str::from_utf8(body) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(body),
    }
}

fn nothing(_: &[u8]) -> Result<(), serde_json::Error> {
    Ok(())
}

const WEBHOOKS: &str = "/api/2.0/webhooks";

/// `GET /webhooks`: every webhook, without secrets.
pub fn list_webhooks() -> Call<Vec<Webhook>> {
    Call {
        request: HttpRequest::new(Method::Get, WEBHOOKS.to_owned()),
        decode: json,
        template: "/webhooks",
    }
}

/// `GET /webhooks/{id}`: one webhook, with its signing secret.
pub fn get_webhook(id: WebhookId) -> Call<WebhookWithSecret> {
    Call {
        request: HttpRequest::new(Method::Get, format!("{WEBHOOKS}/{id}")),
        decode: json,
        template: "/webhooks/{id}",
    }
}

/// `POST /webhooks`: creates a webhook; the answer carries its signing secret.
pub fn create_webhook(webhook: &CreateWebhook) -> Call<WebhookWithSecret> {
    Call {
        request: HttpRequest::new(Method::Post, WEBHOOKS.to_owned()).json(webhook),
        decode: json,
        template: "/webhooks",
    }
}

/// `PATCH /webhooks/{id}`: changes the URL, the events, or both.
pub fn update_webhook(id: WebhookId, update: &UpdateWebhook) -> Call<Webhook> {
    Call {
        request: HttpRequest::new(Method::Patch, format!("{WEBHOOKS}/{id}")).json(update),
        decode: json,
        template: "/webhooks/{id}",
    }
}

/// `DELETE /webhooks/{id}`.
pub fn delete_webhook(id: WebhookId) -> Call<()> {
    Call {
        request: HttpRequest::new(Method::Delete, format!("{WEBHOOKS}/{id}")),
        decode: nothing,
        template: "/webhooks/{id}",
    }
}

/// `POST /webhooks/{id}/rotate-signing-secret`: a new secret; the old one stays
/// valid for `expiration` (immediately invalid when `None`).
///
/// The API requires a body, so `None` sends `{}`.
pub fn rotate_signing_secret(
    id: WebhookId,
    expiration: Option<SecretExpiration>,
) -> Call<WebhookWithSecret> {
    #[derive(serde::Serialize)]
    struct Rotate {
        #[serde(skip_serializing_if = "Option::is_none")]
        expiration_period: Option<SecretExpiration>,
    }
    let body = Rotate {
        expiration_period: expiration,
    };
    Call {
        request: HttpRequest::new(
            Method::Post,
            format!("{WEBHOOKS}/{id}/rotate-signing-secret"),
        )
        .json(&body),
        decode: json,
        template: "/webhooks/{id}/rotate-signing-secret",
    }
}

/// `GET /webhooks/{id}/failed-events`: one page, newest first. The 21-day window
/// of `created_before` is checked against `now`.
pub fn failed_events(
    id: WebhookId,
    query: &FailedEventsQuery,
    now: OffsetDateTime,
) -> Result<Call<Vec<FailedEvent>>, ValidationError> {
    query.validate_at(now)?;
    Ok(failed_events_page(id, query.limit, query.created_before))
}

/// A page request without the client-side window check, for the pagination cursor
/// (the server stays the authority on its window).
pub(crate) fn failed_events_page(
    id: WebhookId,
    limit: Option<u32>,
    created_before: Option<CreatedBefore>,
) -> Call<Vec<FailedEvent>> {
    let mut request = HttpRequest::new(Method::Get, format!("{WEBHOOKS}/{id}/failed-events"));
    if let Some(limit) = limit {
        request.query.push(("limit", limit.to_string()));
    }
    if let Some(bound) = created_before {
        request.query.push(("created_before", bound.to_string()));
    }
    Call {
        request,
        decode: json,
        template: "/webhooks/{id}/failed-events",
    }
}

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

/// Reads `Retry-After`: delay-seconds, or an HTTP date in any of the three forms
/// HTTP allows (IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`, the obsolete RFC 850
/// `Sunday, 06-Nov-94 08:49:37 GMT` and asctime `Sun Nov  6 08:49:37 1994`),
/// turned into a wait from `now`. A date in the past means no wait; anything else
/// is ignored (`None`), as HTTP asks.
pub fn parse_retry_after(value: &str, now: OffsetDateTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // All digits, so the only failure is overflow: a wait longer than any cap.
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    // Through Unix seconds, not `From<SystemTime>`, which panics out of its range.
    let secs = at.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
    let at = OffsetDateTime::from_unix_timestamp(i64::try_from(secs).ok()?).ok()?;
    let wait = at - now;
    Some(if wait.is_positive() {
        wait.unsigned_abs()
    } else {
        Duration::ZERO
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::EventType;
    use time::macros::datetime;

    const ID: &str = "c6db947e-e9ce-41c2-b445-02e6eb741d21";

    fn id() -> WebhookId {
        ID.parse().unwrap()
    }

    fn now() -> OffsetDateTime {
        datetime!(2026-11-25 12:00 UTC)
    }

    fn body(call: &HttpRequest) -> &str {
        std::str::from_utf8(&call.body.as_ref().unwrap().bytes).unwrap()
    }

    #[test]
    fn every_path_template_is_its_path_without_the_id() {
        let create = CreateWebhook::new("https://example.com/hook").unwrap();
        let update = UpdateWebhook::with_url("https://example.com/other").unwrap();
        let templates = [
            (
                list_webhooks().request().path.clone(),
                list_webhooks().template(),
            ),
            (
                get_webhook(id()).request().path.clone(),
                get_webhook(id()).template(),
            ),
            (
                create_webhook(&create).request().path.clone(),
                create_webhook(&create).template(),
            ),
            (
                update_webhook(id(), &update).request().path.clone(),
                update_webhook(id(), &update).template(),
            ),
            (
                delete_webhook(id()).request().path.clone(),
                delete_webhook(id()).template(),
            ),
            (
                rotate_signing_secret(id(), None).request().path.clone(),
                rotate_signing_secret(id(), None).template(),
            ),
            (
                failed_events_page(id(), Some(5), None)
                    .request()
                    .path
                    .clone(),
                failed_events_page(id(), Some(5), None).template(),
            ),
        ];
        for (path, template) in templates {
            assert!(!template.contains(ID));
            assert_eq!(path.replace(ID, "{id}"), format!("/api/2.0{template}"));
        }
    }

    #[test]
    fn every_endpoint_builds_its_request() {
        let env = Environment::Production;
        let list = list_webhooks();
        assert_eq!(list.request().method, Method::Get);
        assert_eq!(
            list.request().url(&env),
            "https://b2b.revolut.com/api/2.0/webhooks"
        );
        assert!(list.request().body.is_none());

        let get = get_webhook(id());
        assert_eq!(get.request().method, Method::Get);
        assert_eq!(get.request().path, format!("/api/2.0/webhooks/{ID}"));

        let create = create_webhook(
            &CreateWebhook::new("https://www.example.com")
                .unwrap()
                .with_events([EventType::TransactionCreated, EventType::PayoutLinkCreated])
                .unwrap(),
        );
        assert_eq!(create.request().method, Method::Post);
        assert_eq!(create.request().path, "/api/2.0/webhooks");
        assert_eq!(
            body(create.request()),
            r#"{"url":"https://www.example.com","events":["TransactionCreated","PayoutLinkCreated"]}"#
        );
        assert_eq!(
            create.request().body.as_ref().unwrap().content_type,
            "application/json"
        );

        let update = update_webhook(
            id(),
            &UpdateWebhook::with_url("https://www.example.com/").unwrap(),
        );
        assert_eq!(update.request().method, Method::Patch);
        assert_eq!(update.request().path, format!("/api/2.0/webhooks/{ID}"));
        assert_eq!(
            body(update.request()),
            r#"{"url":"https://www.example.com/"}"#
        );

        let delete = delete_webhook(id());
        assert_eq!(delete.request().method, Method::Delete);
        assert_eq!(delete.request().path, format!("/api/2.0/webhooks/{ID}"));

        let rotate = rotate_signing_secret(id(), None);
        assert_eq!(rotate.request().method, Method::Post);
        assert_eq!(
            rotate.request().path,
            format!("/api/2.0/webhooks/{ID}/rotate-signing-secret")
        );
        assert_eq!(body(rotate.request()), "{}");
        let rotate = rotate_signing_secret(id(), Some("PT5H30M".parse().unwrap()));
        assert_eq!(body(rotate.request()), r#"{"expiration_period":"PT5H30M"}"#);

        let page = failed_events(
            id(),
            &FailedEventsQuery::new()
                .with_limit(50)
                .unwrap()
                .with_created_before(datetime!(2026-11-20 10:00:00.5 +01:00)),
            now(),
        )
        .unwrap();
        assert_eq!(
            page.request().url(&env),
            format!(
                "https://b2b.revolut.com/api/2.0/webhooks/{ID}/failed-events?limit=50&created_before=2026-11-20T09%3A00%3A00.500000Z"
            )
        );
        let plain = failed_events(id(), &FailedEventsQuery::new(), now()).unwrap();
        assert!(plain.request().query.is_empty());
    }

    #[test]
    fn validation_happens_before_a_request_exists() {
        let old = FailedEventsQuery::new().with_created_before(now() - time::Duration::days(22));
        assert_eq!(
            failed_events(id(), &old, now()).unwrap_err().field,
            "created_before"
        );
    }

    #[test]
    fn idempotency_by_method() {
        assert!(Method::Get.is_idempotent());
        assert!(Method::Patch.is_idempotent());
        assert!(Method::Delete.is_idempotent());
        assert!(!Method::Post.is_idempotent());
        assert_eq!(Method::Patch.as_str(), "PATCH");
        assert_eq!(Method::Delete.as_str(), "DELETE");
        assert_eq!(Method::Post.as_str(), "POST");
    }

    #[test]
    fn parses_success_and_decode_errors() {
        let call = get_webhook(id());
        let ok = HttpResponse::new(
            200,
            format!(r#"{{"id":"{ID}","url":"https://www.example.com","events":["TransactionCreated","PayoutLinkCreated"],"signing_secret":"wsk_4jETWMz1g1b37gCONjNp84t2KSSIT7dK"}}"#).into_bytes(),
        );
        let hook = call.parse(&ok, now()).unwrap();
        assert_eq!(
            hook.signing_secret.expose_secret(),
            "wsk_4jETWMz1g1b37gCONjNp84t2KSSIT7dK"
        );

        let bad = HttpResponse::new(200, br#"{"id":"not-a-uuid"}"#.to_vec());
        match call.parse(&bad, now()).unwrap_err() {
            Error::Decode(e) => {
                assert_eq!(e.status, 200);
                assert_eq!(e.method, Method::Get);
                assert_eq!(e.path, format!("/api/2.0/webhooks/{ID}"));
            }
            other => panic!("{other:?}"),
        }
        // A body that is not UTF-8 is a decode error, with serde_json's position.
        let not_utf8 = HttpResponse::new(200, b"{\"id\":\"\xff\"}".to_vec());
        match call.parse(&not_utf8, now()).unwrap_err() {
            Error::Decode(e) => assert!(e.to_string().contains("column"), "{e}"),
            other => panic!("{other:?}"),
        }
        // 204 with no body is success for delete.
        delete_webhook(id())
            .parse(&HttpResponse::new(204, vec![]), now())
            .unwrap();
        // A 3xx is not success.
        assert!(
            delete_webhook(id())
                .parse(&HttpResponse::new(301, vec![]), now())
                .is_err()
        );
        assert!(
            delete_webhook(id())
                .parse(&HttpResponse::new(199, vec![]), now())
                .is_err()
        );
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
    fn call_debug_shows_the_request_only() {
        let shown = format!("{:?}", list_webhooks());
        assert!(shown.starts_with("Call { request: HttpRequest"), "{shown}");
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
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("0", now()), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after(" 120 ", now()),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("99999999999999999999999", now()),
            Some(Duration::from_secs(u64::MAX))
        );
        assert_eq!(
            parse_retry_after("Wed, 25 Nov 2026 12:01:30 GMT", now()),
            Some(Duration::from_secs(90))
        );
        assert_eq!(
            parse_retry_after("Wed, 25 Nov 2026 11:00:00 GMT", now()),
            Some(Duration::ZERO)
        );
        for bad in [
            "",
            "-1",
            "1.5",
            "soon",
            "Wed, 25 Nov 2026 12:01:30 UTC",
            "Wed 25 Nov 2026 12:01:30 GMT",
            "Wed, 31 Feb 2026 12:01:30 GMT",
            "Wed, 25 Foo 2026 12:01:30 GMT",
            "Wed, 25 Nov 2026 12:01 GMT",
            "Wed, 25 Nov 2026 12:01:30:00 GMT",
            "Wed, 25 Nov 2026 25:01:30 GMT",
            "Wed, 25 Nov 2026 12:01:30 GMT extra",
        ] {
            assert_eq!(parse_retry_after(bad, now()), None, "{bad:?}");
        }
        for (month, n) in [
            ("Jan", 1),
            ("Feb", 2),
            ("Mar", 3),
            ("Apr", 4),
            ("May", 5),
            ("Jun", 6),
            ("Jul", 7),
            ("Aug", 8),
            ("Sep", 9),
            ("Oct", 10),
            ("Nov", 11),
            ("Dec", 12),
        ] {
            let start = datetime!(2024-01-01 00:00 UTC);
            let at = format!("01 {month} 2024 00:00:00 GMT");
            // The weekday is not checked against the date by every parser: any is fine here.
            let wait = ["Mon", "Thu", "Fri", "Sat", "Sun", "Tue", "Wed"]
                .iter()
                .find_map(|day| parse_retry_after(&format!("{day}, {at}"), start))
                .unwrap_or_else(|| panic!("{at}"));
            let expected =
                time::Date::from_calendar_date(2024, time::Month::try_from(n).unwrap(), 1)
                    .unwrap()
                    .midnight()
                    .assume_utc()
                    - start;
            assert_eq!(wait, expected.unsigned_abs(), "{month}");
        }
    }

    #[test]
    fn retry_after_in_every_http_date_form() {
        let now = datetime!(1994-11-06 08:48:37 UTC);
        let minute = Some(Duration::from_secs(60));
        // RFC 9110 section 5.6.7: IMF-fixdate, then the two obsolete forms.
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now),
            minute
        );
        assert_eq!(
            parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", now),
            minute
        );
        assert_eq!(parse_retry_after("Sun Nov  6 08:49:37 1994", now), minute);
        assert_eq!(
            parse_retry_after("  Sun Nov  6 08:49:37 1994  ", now),
            minute
        );
        // In the past: no wait, in each form.
        let later = datetime!(2026-11-25 12:00 UTC);
        for past in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            assert_eq!(
                parse_retry_after(past, later),
                Some(Duration::ZERO),
                "{past}"
            );
        }
        // Far in the future: a long wait, no overflow.
        assert!(
            parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", later)
                .is_some_and(|w| w > Duration::from_secs(200_000_000_000))
        );
        for bad in [
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sunday, 06-Nov-94 08:49:37 UTC",
            "Sun Nov 06 08:49:37 1994 GMT",
            "Sun, 06 Nov 1994 08:49:37 GMT\u{0}",
            "Sun, 06 Nov 10000 08:49:37 GMT",
            "Sun, 06 Nov 1969 08:49:37 GMT",
            "Sun, 06 Nov -1994 08:49:37 GMT",
            "\u{1F600}\u{1F600}\u{1F600}\u{1F600}\u{1F600}\u{1F600}\u{1F600}x",
            "18446744073709551616.5",
            "+5",
        ] {
            assert_eq!(parse_retry_after(bad, later), None, "{bad:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn retry_after_never_panics(value in "\\PC{0,40}", secs in proptest::num::i64::ANY) {
            let now = OffsetDateTime::from_unix_timestamp(secs.rem_euclid(253_402_300_799))
                .unwrap_or(OffsetDateTime::UNIX_EPOCH);
            let _ = parse_retry_after(&value, now);
            let _ = parse_retry_after(&value, OffsetDateTime::UNIX_EPOCH);
        }

        #[test]
        fn retry_after_dates_round_trip(secs in 0i64..253_402_300_799, offset in 0i64..100_000) {
            let at = OffsetDateTime::from_unix_timestamp(secs).unwrap();
            let system = std::time::UNIX_EPOCH + Duration::from_secs(secs as u64);
            let now = OffsetDateTime::from_unix_timestamp((secs - offset).max(0)).unwrap();
            let expected = (at - now).unsigned_abs();
            proptest::prop_assert_eq!(
                parse_retry_after(&httpdate::fmt_http_date(system), now),
                Some(expected)
            );
        }
    }

    #[test]
    fn query_values_are_percent_encoded() {
        let mut out = String::new();
        percent_encode_into("a b+c:d/é~._-", &mut out);
        assert_eq!(out, "a%20b%2Bc%3Ad%2F%C3%A9~._-");
    }

    #[test]
    fn response_debug_shows_no_body() {
        let response =
            HttpResponse::new(200, br#"{"signing_secret":"wsk_RESPONSE-secret"}"#.to_vec())
                .with_retry_after("5");
        let shown = format!("{response:?} {response:#?}");
        assert!(
            !shown.contains("wsk_") && !shown.contains("RESPONSE"),
            "{shown}"
        );
        assert_eq!(
            format!("{response:?}"),
            r#"HttpResponse { status: 200, retry_after: Some("5"), body_bytes: 40 }"#
        );
    }

    #[test]
    fn decode_errors_quote_no_value_from_the_body() {
        let get = get_webhook(id());
        let decode = |body: &str| match get
            .parse(&HttpResponse::new(200, body.as_bytes().to_vec()), now())
            .unwrap_err()
        {
            Error::Decode(e) => e,
            other => panic!("{other:?}"),
        };
        let ok_start = format!(r#"{{"id":"{ID}","url":"https://x.com","#);
        for (body, reason) in [
            (
                format!(r#"{ok_start}"events":"wsk_BODY-secret"}}"#),
                "invalid type: string, expected a sequence",
            ),
            (
                format!(r#"{ok_start}"events":[],"signing_secret":["wsk_BODY-secret"]}}"#),
                "invalid type: sequence, expected a string",
            ),
            (
                r#"{"id":"wsk_BODY-secret"}"#.to_owned(),
                "UUID parsing failed",
            ),
            (
                r#"{"id":7,"wsk_BODY-secret":1}"#.to_owned(),
                "invalid type: integer, expected",
            ),
            (
                format!(r#"{ok_start}"events":[]"#),
                "EOF while parsing an object",
            ),
            (r#"wsk_BODY-secret"#.to_owned(), "expected value"),
        ] {
            let e = decode(&body);
            let shown = format!("{e} {e:?} {e:#?}");
            assert!(!shown.contains("BODY-secret"), "{shown}");
            assert!(e.reason.starts_with(reason), "{body}: {}", e.reason);
            assert!(e.line >= 1 && e.column >= 1, "{e:?}");
            assert!(std::error::Error::source(&e).is_none());
        }
        let e = decode(&format!("{ok_start}\n\"events\": 5}}"));
        assert_eq!((e.line, e.category), (2, serde_json::error::Category::Data));
        assert!(e.to_string().ends_with("at line 2, column 11"), "{e}");
        // An unknown variant keeps what was expected, not what came.
        let hooks = list_webhooks()
            .parse(
                &HttpResponse::new(
                    200,
                    format!(r#"[{{"id":"{ID}","url":"https://x.com","events":[7]}}]"#).into_bytes(),
                ),
                now(),
            )
            .unwrap_err();
        assert!(!hooks.to_string().contains("`7`"), "{hooks}");
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

    #[test]
    fn request_body_debug_hides_content() {
        let b = RequestBody {
            content_type: "application/x-www-form-urlencoded",
            bytes: b"refresh_token=secret".to_vec(),
        };
        assert_eq!(
            format!("{b:?}"),
            "RequestBody(application/x-www-form-urlencoded, 20 bytes)"
        );
    }
}
