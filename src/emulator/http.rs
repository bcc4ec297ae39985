// A deliberately small HTTP/1.1 server for the emulator.
//
// Why hand-written rather than a crate such as `tiny_http`: the emulator needs
// very little (requests with `Content-Length` or chunked bodies, keep-alive, a
// clean shutdown), and writing it on `std::net` keeps every limit explicit (head
// and body sizes, the time to send a head, connection count) and lets the accept
// loop stop promptly when the `Emulator` is dropped. What it does not do, on
// purpose: transfer codings other than chunked (501), TLS, HTTP/2, pipelining
// beyond reading requests one after another on a connection.
//
// Only tokenizing a request head is a crate's, `httparse` (already in the graph
// under ureq): it is the part most easily got subtly wrong, and the limits and
// refusals stay here, around it (see `head`).
//
// Body framing follows RFC 9112 section 6 strictly, because a lenient reading is
// exactly what lets two parsers disagree about where a request ends: a
// `Content-Length` is plain digits, given once; `Transfer-Encoding` must end in
// `chunked` and excludes `Content-Length`; HTTP/1.0 requests cannot use it.
//
// One thread per connection, but a connection may take only `head_timeout` to
// send a complete head (idle keep-alive connections included), and the cap on
// connections is far above what a few idle or slow clients can hold in that time,
// so they cannot lock everyone else out.
//
// Nothing here panics on input: every malformed request gets a 4xx or 5xx
// `{code, message}` answer and the connection is closed.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

mod chunked;
mod head;
mod message;
mod read;

use message::BODY_TIMEOUT;
pub(crate) use message::{
    DEFAULT_HEAD_TIMEOUT, Limits, MAX_BODY_BYTES, Request, Response, parse_pairs,
};
use read::read_request;

/// Most connections served at once; more are answered 503 and closed. Far above
/// what tests open: with the head deadline, only this many clients each sending a
/// byte every few seconds could keep others out.
const MAX_CONNECTIONS: usize = 1024;
/// Pause after a failed accept (out of file descriptors, say), so the loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(20);
/// How often a blocked read wakes up to check for shutdown.
const POLL: Duration = Duration::from_millis(200);

pub(crate) type Handler = Arc<dyn Fn(Request) -> Response + Send + Sync>;

/// A running server; dropping it does not stop it, `shutdown` does.
pub(crate) struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl Server {
    pub(super) fn bind(addr: SocketAddr, handler: Handler, limits: Limits) -> io::Result<Server> {
        let listener = TcpListener::bind(addr)?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let live = Arc::new(AtomicUsize::new(0));
        let accept = {
            let stop = stop.clone();
            std::thread::Builder::new()
                .name("revolut-emulator-accept".into())
                .spawn(move || accept_loop(listener, handler, stop, live, limits))?
        };
        Ok(Server {
            addr,
            stop,
            accept: Some(accept),
        })
    }

    pub(super) fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub(super) fn shutdown(&mut self) {
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
    limits: Limits,
) {
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(mut stream) = stream else {
            std::thread::sleep(ACCEPT_BACKOFF);
            continue;
        };
        if live.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
            live.fetch_sub(1, Ordering::SeqCst);
            let _ = write_response(
                &mut stream,
                &Response::refusal(503, "too many connections; try again shortly"),
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
                serve_connection(stream, &handler, &stop, limits);
            });
    }
}

struct Live(Arc<AtomicUsize>);

impl Drop for Live {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn serve_connection(mut stream: TcpStream, handler: &Handler, stop: &AtomicBool, limits: Limits) {
    let _ = stream.set_nodelay(true);
    if stream.set_read_timeout(Some(POLL)).is_err() {
        return;
    }
    let _ = stream.set_write_timeout(Some(BODY_TIMEOUT));
    let mut buffer = Vec::new();
    loop {
        match read_request(&mut stream, &mut buffer, stop, limits) {
            Ok(Some(request)) => {
                let keep_alive = wants_keep_alive(&request);
                let response = if request.method == "HEAD" {
                    Response::refusal(405, "HEAD is not supported")
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
        501 => "Not Implemented",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::message::MAX_HEAD_BYTES;
    use super::*;
    use crate::encoding::percent_decode;

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
        let limits = Limits {
            head_timeout: Duration::from_millis(500),
        };
        Server::bind("127.0.0.1:0".parse().unwrap(), handler, limits).unwrap()
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
            b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
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
