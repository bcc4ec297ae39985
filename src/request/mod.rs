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

use time::OffsetDateTime;

use crate::config::Environment;
use crate::encoding::percent_encode_into;
use crate::error::{DecodeError, Error};

// One function per endpoint, and how an error answer becomes an `ApiError`.
mod endpoints;
mod error_body;
// The sandbox's simulations (`/api/1.0/sandbox/…`).
mod sandbox;

pub(crate) use endpoints::failed_events_page;
pub use endpoints::{
    create_webhook, delete_webhook, failed_events, get_webhook, list_webhooks,
    rotate_signing_secret, update_webhook,
};
pub use error_body::api_error;
pub(crate) use error_body::api_error_scrubbing;
#[cfg(any(feature = "blocking", feature = "async"))]
pub(crate) use sandbox::SANDBOX_PREFIX;
pub use sandbox::{
    MAX_TOPUP_AMOUNT, SandboxAction, SandboxTopup, SimulatedTransaction, TopupState, sandbox_topup,
    sandbox_transaction,
};
// Part of this module's API since before the parser moved beside the retry policy.
pub use crate::retry::parse_retry_after;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::WebhookId;
    use time::macros::datetime;

    const ID: &str = "c6db947e-e9ce-41c2-b445-02e6eb741d21";

    fn id() -> WebhookId {
        ID.parse().unwrap()
    }

    fn now() -> OffsetDateTime {
        datetime!(2026-11-25 12:00 UTC)
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
    fn call_debug_shows_the_request_only() {
        let shown = format!("{:?}", list_webhooks());
        assert!(shown.starts_with("Call { request: HttpRequest"), "{shown}");
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
