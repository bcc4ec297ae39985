//! Reading one request off a connection: its head within the head deadline, then its
//! body as its framing says.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use super::chunked::Chunked;
use super::head::parse_head;
use super::message::{BODY_TIMEOUT, Limits, MAX_BODY_BYTES, MAX_HEAD_BYTES, Request, Response};

/// Reads one request. `Ok(None)`: the peer closed or stayed idle, or we are stopping.
/// `Err(response)`: the request is refused with that response.
pub(super) fn read_request(
    stream: &mut TcpStream,
    buffer: &mut Vec<u8>,
    stop: &AtomicBool,
    limits: Limits,
) -> Result<Option<Request>, Response> {
    // The deadline holds however the bytes trickle in: a client sending one byte
    // at a time never leaves `fill` waiting, so it is checked on every turn.
    let head_deadline = super::super::times::after(limits.head_timeout);
    let head_end = loop {
        if let Some(end) = find_head_end(buffer) {
            break end;
        }
        if buffer.len() > MAX_HEAD_BYTES {
            return Err(Response::refusal(431, "request head too large"));
        }
        match fill(stream, buffer) {
            Fill::Data => {}
            Fill::Closed => return Ok(None),
            Fill::Waiting if stop.load(Ordering::SeqCst) => return Ok(None),
            Fill::Waiting => {}
        }
        if Instant::now() >= head_deadline && find_head_end(buffer).is_none() {
            return if buffer.is_empty() {
                Ok(None)
            } else {
                Err(Response::refusal(
                    408,
                    "the request head took too long to arrive",
                ))
            };
        }
    };
    if head_end > MAX_HEAD_BYTES {
        return Err(Response::refusal(431, "request head too large"));
    }
    // Parsed only once complete: a head still arriving is judged by its size and its
    // deadline alone, never refused for a line cut short.
    let mut request = parse_head(&buffer[..head_end + 4])?;
    let framing = framing(&request)?;
    buffer.drain(..head_end + 4);
    let expects_body = match framing {
        Framing::Length(n) => n > 0 && buffer.len() < n,
        Framing::Chunked => buffer.is_empty(),
    };
    if expects_body
        && request
            .header("expect")
            .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"))
    {
        stream
            .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
            .map_err(|_| Response::refusal(400, "write failed"))?;
    }
    let body_deadline = super::super::times::after(BODY_TIMEOUT);
    let mut chunked = Chunked::default();
    loop {
        let done = match framing {
            Framing::Length(n) => (buffer.len() >= n).then_some(n),
            Framing::Chunked => chunked.advance(buffer)?,
        };
        if let Some(consumed) = done {
            request.body = match framing {
                Framing::Length(n) => buffer[..n].to_vec(),
                Framing::Chunked => std::mem::take(&mut chunked.body),
            };
            buffer.drain(..consumed);
            return Ok(Some(request));
        }
        if Instant::now() >= body_deadline {
            return Err(Response::refusal(
                408,
                "the request body took too long to arrive",
            ));
        }
        match fill(stream, buffer) {
            Fill::Data => {}
            Fill::Closed => return Ok(None),
            Fill::Waiting if stop.load(Ordering::SeqCst) => return Ok(None),
            Fill::Waiting => {}
        }
    }
}

/// How a request's body is delimited (RFC 9112 section 6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    Length(usize),
    Chunked,
}

fn framing(request: &Request) -> Result<Framing, Response> {
    let bad = |why: &str| Response::refusal(400, why);
    let codings: Vec<String> = request
        .all("transfer-encoding")
        .flat_map(|v| v.split(','))
        .map(|c| c.trim().to_ascii_lowercase())
        .filter(|c| !c.is_empty())
        .collect();
    let lengths: Vec<&str> = request.all("content-length").collect();
    let has_encoding = request.all("transfer-encoding").next().is_some();
    if has_encoding {
        if request.http10 {
            return Err(bad("HTTP/1.0 requests cannot use Transfer-Encoding"));
        }
        if !lengths.is_empty() {
            return Err(bad("send Content-Length or Transfer-Encoding, not both"));
        }
        if codings.last().map(String::as_str) != Some("chunked") {
            return Err(bad("Transfer-Encoding must end with chunked"));
        }
        if codings.len() > 1 {
            return Err(Response::refusal(
                501,
                "only the chunked transfer coding is supported",
            ));
        }
        return Ok(Framing::Chunked);
    }
    let length = match lengths.as_slice() {
        [] => return Ok(Framing::Length(0)),
        [one] => *one,
        _ => return Err(bad("more than one Content-Length")),
    };
    if length.is_empty() || !length.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad(
            "Content-Length must be a number of bytes, plain digits",
        ));
    }
    // Every digit checked above, so the only failure left is overflow: too large.
    let too_large = || Response::refusal(413, "request body too large");
    let length: usize = length.parse().map_err(|_| too_large())?;
    if length > MAX_BODY_BYTES {
        return Err(too_large());
    }
    Ok(Framing::Length(length))
}

enum Fill {
    Data,
    Closed,
    Waiting,
}

fn fill(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Fill {
    let mut chunk = [0u8; 8192];
    match stream.read(&mut chunk) {
        Ok(0) => Fill::Closed,
        Ok(n) => {
            buffer.extend_from_slice(&chunk[..n]);
            Fill::Data
        }
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
            ) =>
        {
            Fill::Waiting
        }
        Err(_) => Fill::Closed,
    }
}

fn find_head_end(buffer: &[u8]) -> Option<usize> {
    buffer.windows(4).position(|w| w == b"\r\n\r\n")
}
