//! The sender's side of `listen`'s connections: one request read off a socket within
//! bounds on size and on time (one deadline for the whole request, however slowly
//! its bytes come), and one answer written back.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// The largest request head (request line and headers) read.
const MAX_HEAD_BYTES: usize = 16 * 1024;
/// The largest body read; Revolut's deliveries are a few kilobytes.
const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Time for writing the answer to the sender.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

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

/// The answer to the sender.
pub(super) struct Answer {
    pub(super) status: u16,
    pub(super) content_type: String,
    pub(super) body: Vec<u8>,
}

impl Answer {
    pub(super) fn text(status: u16, text: &str) -> Answer {
        Answer {
            status,
            content_type: "text/plain; charset=utf-8".into(),
            body: format!("{text}\n").into_bytes(),
        }
    }
}

/// The connection, read only until `deadline`: each read waits at most what is
/// left of it, so a sender that trickles a byte at a time is cut off there too.
struct Deadlined<'a> {
    stream: &'a mut TcpStream,
    deadline: Instant,
}

impl Deadlined<'_> {
    /// Some bytes, or the answer that ends the request: 408 past the deadline, 400
    /// when the sender closed early.
    fn read(&mut self, chunk: &mut [u8], what: &str) -> Result<usize, Answer> {
        let late = || Answer::text(408, "request took too long to arrive");
        let left = self
            .deadline
            .checked_duration_since(Instant::now())
            .filter(|left| !left.is_zero())
            .ok_or_else(late)?;
        self.stream
            .set_read_timeout(Some(left))
            .map_err(|_| late())?;
        match self.stream.read(chunk) {
            Ok(0) => Err(Answer::text(
                400,
                &format!("connection closed before the {what} ended"),
            )),
            Ok(n) => Ok(n),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                Err(late())
            }
            Err(e) => Err(Answer::text(400, &format!("cannot read the {what}: {e}"))),
        }
    }
}

/// Reads one request: the head up to `MAX_HEAD_BYTES`, a body of `Content-Length`
/// up to `MAX_BODY_BYTES`, all before `deadline`. Anything else is the answer to
/// send back.
pub(super) fn read_request(stream: &mut TcpStream, deadline: Instant) -> Result<Request, Answer> {
    let mut conn = Deadlined { stream, deadline };
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(end) = find(&buf, b"\r\n\r\n") {
            break end;
        }
        if buf.len() > MAX_HEAD_BYTES {
            return Err(Answer::text(431, "request head too large"));
        }
        let n = conn.read(&mut chunk, "request head")?;
        buf.extend_from_slice(&chunk[..n]);
    };
    let request_head = parse_head(&buf[..head_end + 4])?;
    if request_head.header("transfer-encoding").is_some() {
        return Err(Answer::text(
            501,
            "chunked bodies are not supported: send Content-Length",
        ));
    }
    let length = match request_head.header("content-length") {
        None => 0,
        Some(v) => v
            .parse::<usize>()
            .map_err(|_| Answer::text(400, "malformed Content-Length"))?,
    };
    if length > MAX_BODY_BYTES {
        return Err(Answer::text(413, "body too large (at most 1 MiB)"));
    }
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let n = conn.read(&mut chunk, "body")?;
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(length);
    Ok(Request {
        body,
        ..request_head
    })
}

/// The request line and headers, tokenized by httparse (as the emulator's are).
fn parse_head(head: &[u8]) -> Result<Request, Answer> {
    // A slot per line is more than the head can fill: its size is the only bound.
    let lines = head.windows(2).filter(|w| w == b"\r\n").count();
    let mut slots = vec![httparse::EMPTY_HEADER; lines];
    let mut parsed = httparse::Request::new(&mut slots);
    match parsed.parse(head) {
        Ok(httparse::Status::Complete(_)) => {}
        Err(httparse::Error::Version) => return Err(Answer::text(505, "HTTP/1.x only")),
        Err(httparse::Error::HeaderName | httparse::Error::HeaderValue) => {
            return Err(Answer::text(400, "malformed header line"));
        }
        _ => return Err(Answer::text(400, "malformed request line")),
    }
    let mut headers = Vec::with_capacity(parsed.headers.len());
    for header in parsed.headers.iter() {
        // A value that is not UTF-8 is kept, lossily: it is only ever printed, escaped.
        let value = String::from_utf8_lossy(header.value);
        headers.push((header.name.to_owned(), value.trim().to_owned()));
    }
    Ok(Request {
        method: parsed.method.unwrap_or_default().to_owned(),
        path: parsed.path.unwrap_or_default().to_owned(),
        headers,
        body: Vec::new(),
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

pub(super) fn write_answer(stream: &mut TcpStream, answer: &Answer) -> io::Result<()> {
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let reason = match answer.status {
        200 => "OK",
        401 => "Unauthorized",
        408 => "Request Timeout",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "",
    };
    let head = format!(
        "HTTP/1.1 {} {reason}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        answer.status,
        answer.content_type.replace(['\r', '\n'], ""),
        answer.body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(&answer.body)?;
    stream.flush()
}
