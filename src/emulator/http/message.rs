//! What the server reads and writes: a parsed request, a response, and the limits
//! on both. The leaf of the server: the parsers and the connection loop use it, it
//! uses neither.

use std::time::Duration;

use crate::encoding::percent_decode;

/// Largest request head (request line and headers) accepted.
pub(crate) const MAX_HEAD_BYTES: usize = 16 * 1024;
/// Largest request body accepted.
pub(crate) const MAX_BODY_BYTES: usize = 1024 * 1024;
/// The default time a connection has to send a complete request head.
pub(crate) const DEFAULT_HEAD_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a client may take to send a body once its head is in.
pub(super) const BODY_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest chunk-size line (size and extensions) of a chunked body.
pub(super) const MAX_CHUNK_LINE: usize = 1024;

/// A parsed request.
#[derive(Debug, Clone, Default)]
pub(crate) struct Request {
    pub method: String,
    /// The path without the query, percent-decoding not applied.
    pub path: String,
    /// The raw query string, without `?`.
    pub query: String,
    /// Header names lowercased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// An HTTP/1.0 request, which cannot use `Transfer-Encoding`.
    pub http10: bool,
}

impl Request {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a header, in order.
    pub(super) fn all(&self, name: &'static str) -> impl Iterator<Item = &str> {
        self.headers
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A response to write.
#[derive(Debug, Clone)]
pub(crate) struct Response {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub(crate) fn new(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Self {
        Response {
            status,
            headers: vec![("content-type", content_type.to_owned())],
            body: body.into(),
        }
    }

    pub(crate) fn json(status: u16, value: &serde_json::Value) -> Self {
        Response::new(status, "application/json", value.to_string())
    }

    pub(crate) fn empty(status: u16) -> Self {
        Response {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub(crate) fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// An error the emulator itself defines (Revolut documents none for it): the
    /// API's `{code, message}` shape, with the status as the code.
    pub(crate) fn refusal(status: u16, message: impl Into<String>) -> Self {
        Response::json(
            status,
            &serde_json::json!({ "code": status, "message": message.into() }),
        )
    }
}

/// The server's limits that tests may change.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// How long a connection may take to send a complete request head, counted
    /// from when the server starts waiting for it.
    pub head_timeout: Duration,
}

/// Splits `a=1&b=2` into decoded pairs; `None` if any part fails to decode.
pub(crate) fn parse_pairs(s: &str, plus_is_space: bool) -> Option<Vec<(String, String)>> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            Some((
                percent_decode(k, plus_is_space)?,
                percent_decode(v, plus_is_space)?,
            ))
        })
        .collect()
}
