//! One API call: its request, whether it may be repeated, and how its answer reads.

use std::fmt;

use time::OffsetDateTime;

use super::error_body::api_error_scrubbing;
use super::message::{HttpRequest, HttpResponse};
use crate::error::{DecodeError, Error};
use crate::http_types::{Method, Repeat};

/// What an endpoint is, whatever the ids in its path: its method, its path as the API
/// documents it (`/webhooks/{id}`), and whether it may be repeated. Each endpoint's
/// file under `endpoints/` states it once, and every call it builds carries it.
pub(crate) struct Endpoint {
    pub(crate) method: Method,
    /// The path under `/api/2.0`, with `{id}` where the webhook's id goes.
    pub(crate) template: &'static str,
    pub(crate) repeat: Repeat,
}

/// Where the API's version 2.0 lives on its host.
const API_ROOT: &str = "/api/2.0";

impl Endpoint {
    /// A call to this endpoint, `{id}` in its path filled with `id` (if it has one).
    pub(crate) fn call<T>(
        &self,
        id: Option<&dyn fmt::Display>,
        decode: fn(&[u8]) -> Result<T, serde_json::Error>,
    ) -> Call<T> {
        let path = match id {
            Some(id) => self.template.replace("{id}", &id.to_string()),
            None => self.template.to_owned(),
        };
        Call {
            request: HttpRequest::new(self.method, format!("{API_ROOT}{path}")),
            decode,
            template: self.template,
            repeat: self.repeat,
        }
    }
}

impl Endpoint {
    /// A call to this endpoint at `path`, a whole path from the host root: for the
    /// endpoints outside `/api/2.0` (the sandbox's, under `/api/1.0`).
    pub(crate) fn call_at<T>(
        &self,
        path: String,
        decode: fn(&[u8]) -> Result<T, serde_json::Error>,
    ) -> Call<T> {
        Call {
            request: HttpRequest::new(self.method, path),
            decode,
            template: self.template,
            repeat: self.repeat,
        }
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
    repeat: Repeat,
}

impl<T> fmt::Debug for Call<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("request", &self.request)
            .field("repeat", &self.repeat)
            .finish()
    }
}

impl<T> Call<T> {
    /// The request to send.
    pub fn request(&self) -> &HttpRequest {
        &self.request
    }

    /// The request to send, to add a body or a query to.
    pub(super) fn request_mut(&mut self) -> &mut HttpRequest {
        &mut self.request
    }

    /// Whether the call may be sent again when its outcome is unknown: what
    /// [`RetryPolicy::decide`](crate::RetryPolicy::decide) reads.
    pub fn repeat(&self) -> Repeat {
        self.repeat
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
    /// credential (see [`api_error`](super::api_error)).
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
    use crate::request::{delete_webhook, get_webhook, list_webhooks};
    use time::macros::datetime;

    const ID: &str = "c6db947e-e9ce-41c2-b445-02e6eb741d21";

    fn id() -> WebhookId {
        ID.parse().unwrap()
    }

    fn now() -> OffsetDateTime {
        datetime!(2026-11-25 12:00 UTC)
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
}
