//! What goes over the wire: a request (method, path, query, body) and a response as received.

use std::fmt;

use crate::config::Environment;
use crate::encoding::percent_encode_into;
use crate::http_types::Method;

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
    pub(crate) fn new(method: Method, path: String) -> Self {
        HttpRequest {
            method,
            path,
            query: Vec::new(),
            body: None,
        }
    }

    /// Sets a JSON body.
    pub(super) fn set_json(&mut self, body: &impl serde::Serialize) {
        // Serializing our own request types cannot fail: they are plain strings and lists.
        let bytes = serde_json::to_vec(body).expect("request bodies always serialize");
        self.body = Some(RequestBody {
            content_type: "application/json",
            bytes,
        });
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

#[cfg(test)]
mod tests {
    use super::*;

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
