//! The sender's side of the relay's connections, on tokio and httparse: one request per
//! connection, its head and body bounded in size, the whole of it bounded in time by the
//! caller; one answer written back.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The largest request head (request line and headers).
const MAX_HEAD_BYTES: usize = 16 * 1024;
/// The most headers a request may have.
const MAX_HEADERS: usize = 64;
/// Time to write the answer: a sender that does not read it is dropped.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// After an early refusal: how much of the rest of the request is read and dropped, and
/// for how long at most.
const DRAIN_BYTES: usize = 2 * 1024 * 1024;
const DRAIN_TIME: Duration = Duration::from_millis(500);

/// One request as read off the connection.
pub(super) struct Request {
    pub(super) method: String,
    pub(super) path: String,
    pub(super) headers: Vec<(String, String)>,
    pub(super) body: Vec<u8>,
}

impl Request {
    pub(super) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A request refused before it was read whole: the status and why.
#[derive(Debug)]
pub(super) struct Refusal {
    pub(super) status: u16,
    pub(super) reason: String,
}

fn refuse(status: u16, reason: impl Into<String>) -> Refusal {
    Refusal {
        status,
        reason: reason.into(),
    }
}

/// Reads one request: a head of at most `MAX_HEAD_BYTES`, then a body of
/// `Content-Length` bytes, at most `max_body` (413 beyond it, without reading it).
/// The caller bounds the whole in time.
pub(super) async fn read_request(
    stream: &mut TcpStream,
    max_body: usize,
) -> Result<Request, Refusal> {
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 8192];
    let (head_len, method, path, headers) = loop {
        let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut parsed = httparse::Request::new(&mut slots);
        match parsed.parse(&buf) {
            Ok(httparse::Status::Complete(len)) => {
                let headers = parsed
                    .headers
                    .iter()
                    .map(|h| {
                        (
                            h.name.to_owned(),
                            String::from_utf8_lossy(h.value).trim().to_owned(),
                        )
                    })
                    .collect::<Vec<_>>();
                break (
                    len,
                    parsed.method.unwrap_or("").to_owned(),
                    parsed.path.unwrap_or("").to_owned(),
                    headers,
                );
            }
            Ok(httparse::Status::Partial) => {}
            Err(httparse::Error::TooManyHeaders) => {
                return Err(refuse(431, "too many headers"));
            }
            Err(e) => return Err(refuse(400, format!("malformed request: {e}"))),
        }
        if buf.len() > MAX_HEAD_BYTES {
            return Err(refuse(431, "request head too large"));
        }
        match stream.read(&mut chunk).await {
            Ok(0) => return Err(refuse(400, "connection closed before the request ended")),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) => return Err(refuse(400, format!("cannot read the request: {e}"))),
        }
    };
    let request = Request {
        method,
        path,
        headers,
        body: Vec::new(),
    };
    if request.header("transfer-encoding").is_some() {
        return Err(refuse(
            411,
            "chunked bodies are not supported: send Content-Length",
        ));
    }
    let length = match request.header("content-length") {
        None => 0,
        Some(v) => v
            .parse::<usize>()
            .map_err(|_| refuse(400, "malformed Content-Length"))?,
    };
    if length > max_body {
        return Err(refuse(
            413,
            format!("body of {length} bytes, more than the relay's limit of {max_body}"),
        ));
    }
    let mut body = buf.split_off(head_len.min(buf.len()));
    while body.len() < length {
        match stream.read(&mut chunk).await {
            Ok(0) => return Err(refuse(400, "connection closed before the body ended")),
            Ok(n) => body.extend_from_slice(&chunk[..n]),
            Err(e) => return Err(refuse(400, format!("cannot read the body: {e}"))),
        }
    }
    body.truncate(length);
    Ok(Request { body, ..request })
}

/// Writes a plain-text answer and closes the connection, within `WRITE_TIMEOUT`.
/// `unread`: the request was not read whole (refused early), so what the sender is
/// still writing is read and dropped for a moment, lest a reset lose the answer.
pub(super) async fn write_answer(stream: &mut TcpStream, status: u16, text: &str, unread: bool) {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "",
    };
    let body = format!("{}\n", text.replace(['\r', '\n'], " "));
    let mut answer = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    if status == 503 {
        answer.push_str("Retry-After: 5\r\n");
    }
    answer.push_str("\r\n");
    answer.push_str(&body);
    let write = async {
        stream.write_all(answer.as_bytes()).await?;
        stream.flush().await?;
        stream.shutdown().await?;
        Ok::<(), std::io::Error>(())
    };
    if tokio::time::timeout(WRITE_TIMEOUT, write).await.is_err() || !unread {
        return;
    }
    let drain = async {
        let mut sink = [0u8; 8192];
        let mut drained = 0usize;
        while drained < DRAIN_BYTES {
            match stream.read(&mut sink).await {
                Ok(0) | Err(_) => break,
                Ok(n) => drained += n,
            }
        }
    };
    let _ = tokio::time::timeout(DRAIN_TIME, drain).await;
}
