// A deliberately small HTTP/1.1 server for the emulator.
//
// Why hand-written rather than a crate such as `tiny_http`: the emulator needs
// very little (requests with `Content-Length` bodies, keep-alive, a clean
// shutdown), and writing it on `std::net` adds no dependency to the crate, keeps
// every limit explicit (head and body sizes, idle time, connection count) and lets
// the accept loop stop promptly when the `Emulator` is dropped. What it does not
// do, on purpose: chunked request bodies (answered with 411), TLS, HTTP/2,
// pipelining beyond reading requests one after another on a connection.
//
// Nothing here panics on input: every malformed request gets a 4xx and the
// connection is closed.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Largest request head (request line and headers) accepted.
pub(crate) const MAX_HEAD_BYTES: usize = 16 * 1024;
/// Largest request body accepted.
pub(crate) const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Most connections served at once; more are answered 503 and closed.
const MAX_CONNECTIONS: usize = 128;
/// How long a keep-alive connection may stay idle.
const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a client may take to send one whole request once it started.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How often a blocked read wakes up to check for shutdown.
const POLL: Duration = Duration::from_millis(200);

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
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
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
    pub fn new(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Self {
        Response {
            status,
            headers: vec![("content-type", content_type.to_owned())],
            body: body.into(),
        }
    }

    pub fn json(status: u16, value: &serde_json::Value) -> Self {
        Response::new(status, "application/json", value.to_string())
    }

    pub fn empty(status: u16) -> Self {
        Response {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    fn text(status: u16, message: &str) -> Self {
        Response::new(status, "text/plain; charset=utf-8", message)
    }
}

pub(crate) type Handler = Arc<dyn Fn(Request) -> Response + Send + Sync>;

/// A running server; dropping it does not stop it, `shutdown` does.
pub(crate) struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl Server {
    pub fn bind(addr: SocketAddr, handler: Handler) -> io::Result<Server> {
        let listener = TcpListener::bind(addr)?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let live = Arc::new(AtomicUsize::new(0));
        let accept = {
            let stop = stop.clone();
            std::thread::Builder::new()
                .name("revolut-emulator-accept".into())
                .spawn(move || accept_loop(listener, handler, stop, live))?
        };
        Ok(Server {
            addr,
            stop,
            accept: Some(accept),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn shutdown(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop, which blocks in accept().
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(handle) = self.accept.take() {
            let _ = handle.join();
        }
    }
}

fn accept_loop(
    listener: TcpListener,
    handler: Handler,
    stop: Arc<AtomicBool>,
    live: Arc<AtomicUsize>,
) {
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(mut stream) = stream else { continue };
        if live.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
            live.fetch_sub(1, Ordering::SeqCst);
            let _ = write_response(
                &mut stream,
                &Response::text(503, "too many connections"),
                false,
            );
            continue;
        }
        let (handler, stop) = (handler.clone(), stop.clone());
        // Decrements the count when the connection ends, or when the thread could
        // not be started (the closure is then dropped with the guard).
        let guard = Live(live.clone());
        let _ = std::thread::Builder::new()
            .name("revolut-emulator-conn".into())
            .spawn(move || {
                let _guard = guard;
                serve_connection(stream, &handler, &stop);
            });
    }
}

struct Live(Arc<AtomicUsize>);

impl Drop for Live {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn serve_connection(mut stream: TcpStream, handler: &Handler, stop: &AtomicBool) {
    let _ = stream.set_nodelay(true);
    if stream.set_read_timeout(Some(POLL)).is_err() {
        return;
    }
    let _ = stream.set_write_timeout(Some(REQUEST_TIMEOUT));
    let mut buffer = Vec::new();
    loop {
        match read_request(&mut stream, &mut buffer, stop) {
            Ok(Some(request)) => {
                let keep_alive = wants_keep_alive(&request);
                let response = if request.method == "HEAD" {
                    Response::text(405, "HEAD is not supported")
                } else {
                    handler(request)
                };
                if write_response(&mut stream, &response, keep_alive).is_err() || !keep_alive {
                    return;
                }
            }
            Ok(None) => return,
            Err(refusal) => {
                let _ = write_response(&mut stream, &refusal, false);
                linger(&mut stream);
                return;
            }
        }
    }
}

/// Closes gently after a refusal: stops writing, then reads and discards what the
/// client is still sending (bounded), so that closing with unread data does not
/// reset the connection before the client has read the refusal.
fn linger(stream: &mut TcpStream) {
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let deadline = Instant::now() + Duration::from_secs(1);
    let mut discarded = 0usize;
    let mut chunk = [0u8; 8192];
    while Instant::now() < deadline && discarded < 4 * MAX_BODY_BYTES {
        match stream.read(&mut chunk) {
            Ok(0) => return,
            Ok(n) => discarded += n,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return,
        }
    }
}

fn wants_keep_alive(request: &Request) -> bool {
    let connection = request
        .header("connection")
        .unwrap_or("")
        .to_ascii_lowercase();
    !connection.split(',').any(|t| t.trim() == "close")
}

/// Reads one request. `Ok(None)`: the peer closed or went idle, or we are stopping.
/// `Err(response)`: the request is refused with that response.
fn read_request(
    stream: &mut TcpStream,
    buffer: &mut Vec<u8>,
    stop: &AtomicBool,
) -> Result<Option<Request>, Response> {
    let idle_since = Instant::now();
    let mut started: Option<Instant> = (!buffer.is_empty()).then(Instant::now);
    let head_end = loop {
        if let Some(end) = find_head_end(buffer) {
            break end;
        }
        if buffer.len() > MAX_HEAD_BYTES {
            return Err(Response::text(431, "request head too large"));
        }
        match fill(stream, buffer) {
            Fill::Data => {
                started.get_or_insert_with(Instant::now);
            }
            Fill::Closed => return Ok(None),
            Fill::Waiting => {
                if stop.load(Ordering::SeqCst) {
                    return Ok(None);
                }
                match started {
                    Some(t) if t.elapsed() > REQUEST_TIMEOUT => {
                        return Err(Response::text(408, "request timeout"));
                    }
                    None if idle_since.elapsed() > IDLE_TIMEOUT => return Ok(None),
                    _ => {}
                }
            }
        }
    };
    if head_end > MAX_HEAD_BYTES {
        return Err(Response::text(431, "request head too large"));
    }
    let head = std::str::from_utf8(&buffer[..head_end])
        .map_err(|_| Response::text(400, "the request head is not UTF-8"))?;
    let mut request = parse_head(head)?;
    let rest_start = head_end + 4;
    if request.header("transfer-encoding").is_some() {
        return Err(Response::text(
            411,
            "chunked request bodies are not supported; send Content-Length",
        ));
    }
    let length = match request.header("content-length") {
        None => 0,
        Some(v) => v
            .trim()
            .parse::<usize>()
            .map_err(|_| Response::text(400, "bad Content-Length"))?,
    };
    if length > MAX_BODY_BYTES {
        return Err(Response::text(413, "request body too large"));
    }
    if length > 0
        && request
            .header("expect")
            .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"))
        && buffer.len() < rest_start + length
    {
        stream
            .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
            .map_err(|_| Response::text(400, "write failed"))?;
    }
    let started = started.unwrap_or_else(Instant::now);
    while buffer.len() < rest_start + length {
        match fill(stream, buffer) {
            Fill::Data => {}
            Fill::Closed => return Ok(None),
            Fill::Waiting => {
                if stop.load(Ordering::SeqCst) {
                    return Ok(None);
                }
                if started.elapsed() > REQUEST_TIMEOUT {
                    return Err(Response::text(408, "request timeout"));
                }
            }
        }
    }
    request.body = buffer[rest_start..rest_start + length].to_vec();
    buffer.drain(..rest_start + length);
    Ok(Some(request))
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

pub(crate) fn parse_head(head: &str) -> Result<Request, Response> {
    let bad = |why: &str| Response::text(400, why);
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or("");
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("malformed request line"));
    };
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(bad("malformed method"));
    }
    if version != "HTTP/1.1" && version != "HTTP/1.0" {
        return Err(Response::text(
            505,
            "only HTTP/1.0 and HTTP/1.1 are supported",
        ));
    }
    if !target.starts_with('/') {
        return Err(bad("the request target must be a path"));
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut headers = Vec::new();
    for line in lines {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| bad("malformed header line"))?;
        if name.is_empty()
            || name
                .bytes()
                .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
        {
            return Err(bad("malformed header name"));
        }
        headers.push((name.to_ascii_lowercase(), value.trim().to_owned()));
    }
    if version == "HTTP/1.0" && !headers.iter().any(|(n, _)| n == "connection") {
        headers.push(("connection".into(), "close".into()));
    }
    let lengths = headers
        .iter()
        .filter(|(n, _)| n == "content-length")
        .count();
    if lengths > 1 {
        return Err(bad("more than one Content-Length"));
    }
    Ok(Request {
        method: method.to_owned(),
        path: path.to_owned(),
        query: query.to_owned(),
        headers,
        body: Vec::new(),
    })
}

fn write_response(stream: &mut TcpStream, response: &Response, keep_alive: bool) -> io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason(response.status)
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    // 204 and 304 carry no body and no Content-Length.
    if !matches!(response.status, 204 | 304) {
        head.push_str(&format!("content-length: {}\r\n", response.body.len()));
    }
    head.push_str(if keep_alive {
        "connection: keep-alive\r\n\r\n"
    } else {
        "connection: close\r\n\r\n"
    });
    let mut bytes = head.into_bytes();
    if !matches!(response.status, 204 | 304) {
        bytes.extend_from_slice(&response.body);
    }
    stream.write_all(&bytes)?;
    stream.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Entity",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

/// Decodes `%XX` escapes (and `+` as a space when `plus_is_space`); `None` on a bad escape
/// or invalid UTF-8.
pub(crate) fn percent_decode(s: &str, plus_is_space: bool) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let hex = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn server() -> Server {
        let handler: Handler = Arc::new(|req: Request| {
            Response::new(
                200,
                "text/plain",
                format!(
                    "{} {} {} {}",
                    req.method,
                    req.path,
                    req.query,
                    req.body.len()
                ),
            )
        });
        Server::bind("127.0.0.1:0".parse().unwrap(), handler).unwrap()
    }

    fn exchange(addr: SocketAddr, raw: &[u8]) -> String {
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s.write_all(raw).unwrap();
        let _ = s.shutdown(std::net::Shutdown::Write);
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        out
    }

    #[test]
    fn serves_keep_alive_requests_in_sequence() {
        let mut srv = server();
        let out = exchange(
            srv.addr(),
            b"GET /a?x=1 HTTP/1.1\r\nHost: h\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc",
        );
        assert!(out.contains("GET /a x=1 0"), "{out}");
        assert!(out.contains("POST /b  3"), "{out}");
        assert_eq!(out.matches("HTTP/1.1 200 OK").count(), 2);
        srv.shutdown();
    }

    #[test]
    fn garbage_gets_4xx_and_the_server_survives() {
        let mut srv = server();
        let cases: [&[u8]; 9] = [
            b"\x00\xff\xfe garbage\r\n\r\n",
            b"GET\r\n\r\n",
            b"GET / HTTP/9.9\r\n\r\n",
            b"get / HTTP/1.1\r\n\r\n",
            b"GET http://x/ HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1\r\nno colon\r\n\r\n",
            b"POST / HTTP/1.1\r\nContent-Length: nope\r\n\r\n",
            b"POST / HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n",
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        ];
        for raw in cases {
            let out = exchange(srv.addr(), raw);
            let status: u16 = out
                .get(9..12)
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(|| panic!("{raw:?} -> {out:?}"));
            assert!((400..600).contains(&status), "{raw:?} -> {out}");
        }
        let huge = format!(
            "GET / HTTP/1.1\r\nX: {}\r\n\r\n",
            "a".repeat(MAX_HEAD_BYTES)
        );
        assert!(exchange(srv.addr(), huge.as_bytes()).starts_with("HTTP/1.1 431"));
        // A client that closes mid-request gets nothing and breaks nothing.
        let _ = exchange(
            srv.addr(),
            b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nab",
        );
        assert!(exchange(srv.addr(), b"GET /ok HTTP/1.1\r\n\r\n").contains("GET /ok"));
        srv.shutdown();
    }

    #[test]
    fn expect_continue_is_answered() {
        let mut srv = server();
        let mut s = TcpStream::connect(srv.addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s.write_all(b"POST /x HTTP/1.1\r\nContent-Length: 2\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut first = [0u8; 25];
        s.read_exact(&mut first).unwrap();
        assert_eq!(&first, b"HTTP/1.1 100 Continue\r\n\r\n");
        s.write_all(b"hi").unwrap();
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        assert!(out.contains("POST /x  2"), "{out}");
        srv.shutdown();
    }

    #[test]
    fn decoding() {
        assert_eq!(
            percent_decode("2026-01-01T00%3A00%3A00%2B01%3A00", false).unwrap(),
            "2026-01-01T00:00:00+01:00"
        );
        assert_eq!(percent_decode("a+b", true).unwrap(), "a b");
        assert_eq!(percent_decode("a+b", false).unwrap(), "a+b");
        assert!(percent_decode("%zz", false).is_none());
        assert!(percent_decode("%4", false).is_none());
        assert!(percent_decode("%ff", false).is_none());
        assert_eq!(
            parse_pairs("a=1&b=&c&&d=x%20y", false).unwrap(),
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "".into()),
                ("c".into(), "".into()),
                ("d".into(), "x y".into())
            ]
        );
    }
}
