//! A fault-injecting HTTP/1.1 server for the tests, on `std::net` only.
//!
//! It binds 127.0.0.1:0, serves each connection on its own thread (keep-alive,
//! as a real API does), and answers every request with the next [`Reply`] of its
//! script, or with its handler's answer once the script is empty. It records
//! every request it reads and whether a complete answer was written.
//!
//! Dropping the server stops it: every loop checks a stop flag at least every
//! 50 ms, and `Drop` joins every thread it started, so no test leaks one.

use std::collections::VecDeque;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How often blocked reads wake up to check the stop flag.
const TICK: Duration = Duration::from_millis(20);

/// A request as the server read it.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// Header names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Which connection carried it (0, 1, … in accept order).
    pub connection: usize,
}

impl Request {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn body_str(&self) -> &str {
        std::str::from_utf8(&self.body).unwrap_or("<not utf-8>")
    }

    /// The value of one query parameter (no percent-decoding beyond `%3A` and `%2B`).
    pub(crate) fn query_param(&self, name: &str) -> Option<String> {
        self.query.as_deref()?.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            (k == name).then(|| v.replace("%3A", ":").replace("%2B", "+"))
        })
    }
}

/// What to do with one request.
#[derive(Debug, Clone)]
pub(crate) enum Reply {
    /// A complete response; the connection stays open for the next request.
    Full {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Close the connection without answering.
    Close,
    /// Answer in full (without `connection: close`), then close the connection,
    /// as a server does when an idle keep-alive connection times out.
    FullThenClose(Box<Reply>),
    /// Status line, headers and `sent` of a `declared`-byte body, then a TCP reset
    /// (SO_LINGER 0).
    Reset { declared: usize, sent: Vec<u8> },
    /// Status line, headers and `sent` of a `declared`-byte body, then an orderly
    /// close (FIN): a truncated body.
    Truncated { declared: usize, sent: Vec<u8> },
    /// Read the request and never answer (until the client goes or the server stops).
    Stall,
    /// Send the first `at_once` bytes of this response, then one byte every `every`.
    Dribble {
        every: Duration,
        at_once: usize,
        response: Vec<u8>,
    },
    /// A 200 with `len` bytes of garbage, with a Content-Length or chunked.
    Garbage { len: usize, chunked: bool },
}

impl Reply {
    pub(crate) fn status(status: u16, body: impl Into<Vec<u8>>) -> Reply {
        Reply::Full {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.into(),
        }
    }

    pub(crate) fn json(body: impl Into<Vec<u8>>) -> Reply {
        Reply::status(200, body)
    }

    pub(crate) fn html(status: u16, body: &str) -> Reply {
        Reply::Full {
            status,
            headers: vec![("content-type".into(), "text/html".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    /// Adds a header to a [`Reply::Full`].
    pub(crate) fn header(mut self, name: &str, value: &str) -> Reply {
        if let Reply::Full { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }

    /// A short name for reports.
    pub(crate) fn kind(&self) -> String {
        match self {
            Reply::Full { status, .. } => format!("{status}"),
            Reply::Close => "close".into(),
            Reply::FullThenClose(inner) => inner.kind(),
            Reply::Reset { .. } => "reset".into(),
            Reply::Truncated { .. } => "truncated".into(),
            Reply::Stall => "stall".into(),
            Reply::Dribble { .. } => "dribble".into(),
            Reply::Garbage { .. } => "garbage".into(),
        }
    }
}

/// One request and what became of it.
#[derive(Debug, Clone)]
pub(crate) struct Exchange {
    pub request: Request,
    pub reply: String,
    /// The body of a [`Reply::Full`], if that was the answer.
    pub body: Option<Vec<u8>>,
    /// Whether a complete response was written and flushed.
    pub delivered: bool,
}

type Handler = dyn Fn(&Request) -> Reply + Send + Sync;

struct Shared {
    stop: AtomicBool,
    script: Mutex<VecDeque<Reply>>,
    handler: Box<Handler>,
    log: Mutex<Vec<Exchange>>,
    connections: Mutex<Vec<JoinHandle<()>>>,
}

pub(crate) struct Server {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl Server {
    /// A server that answers from its script, then with `handler`.
    pub(crate) fn start(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            script: Mutex::new(VecDeque::new()),
            handler: Box::new(handler),
            log: Mutex::new(Vec::new()),
            connections: Mutex::new(Vec::new()),
        });
        let accept_shared = shared.clone();
        let acceptor = std::thread::Builder::new()
            .name("fault-server-accept".into())
            .spawn(move || accept_loop(listener, accept_shared))
            .unwrap();
        Server {
            addr,
            shared,
            acceptor: Some(acceptor),
        }
    }

    /// A server that answers from its script, then always with `default`.
    pub(crate) fn with_default(default: Reply) -> Server {
        Server::start(move |_| default.clone())
    }

    /// A server whose whole life is `script`, then 404s.
    pub(crate) fn scripted(script: impl IntoIterator<Item = Reply>) -> Server {
        let server = Server::with_default(Reply::status(404, r#"{"code":3040,"message":"x"}"#));
        server.push(script);
        server
    }

    /// Queues replies for the next requests.
    pub(crate) fn push(&self, replies: impl IntoIterator<Item = Reply>) {
        self.shared.script.lock().unwrap().extend(replies);
    }

    pub(crate) fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub(crate) fn exchanges(&self) -> Vec<Exchange> {
        self.shared.log.lock().unwrap().clone()
    }

    pub(crate) fn requests(&self) -> Vec<Request> {
        self.exchanges().into_iter().map(|e| e.request).collect()
    }

    pub(crate) fn request_count(&self) -> usize {
        self.shared.log.lock().unwrap().len()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        let connections = std::mem::take(&mut *self.shared.connections.lock().unwrap());
        for connection in connections {
            let _ = connection.join();
        }
    }
}

/// A port nothing listens on: connecting to it is refused.
pub(crate) fn refused_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for (number, stream) in listener.incoming().enumerate() {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else { continue };
        let conn_shared = shared.clone();
        let handle = std::thread::Builder::new()
            .name(format!("fault-server-conn-{number}"))
            .spawn(move || {
                let _ = serve(stream, number, &conn_shared);
            })
            .unwrap();
        let mut connections = shared.connections.lock().unwrap();
        // Forget the threads that have ended, so a soak does not pile them up.
        connections.retain(|h| !h.is_finished());
        connections.push(handle);
    }
}

fn stopped(shared: &Shared) -> bool {
    shared.stop.load(Ordering::SeqCst)
}

fn serve(stream: TcpStream, number: usize, shared: &Shared) -> io::Result<()> {
    stream.set_read_timeout(Some(TICK))?;
    stream.set_write_timeout(Some(Duration::from_secs(2)))?;
    stream.set_nodelay(true)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    loop {
        let Some(request) = read_request(&mut reader, number, shared)? else {
            return Ok(());
        };
        let close_requested = request
            .header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"));
        let reply = shared.script.lock().unwrap().pop_front();
        let reply = reply.unwrap_or_else(|| (shared.handler)(&request));
        let index = {
            let mut log = shared.log.lock().unwrap();
            log.push(Exchange {
                request,
                reply: reply.kind(),
                body: match &reply {
                    Reply::Full { body, .. } => Some(body.clone()),
                    Reply::FullThenClose(inner) => match &**inner {
                        Reply::Full { body, .. } => Some(body.clone()),
                        _ => None,
                    },
                    _ => None,
                },
                delivered: false,
            });
            log.len() - 1
        };
        let (reply, close_after) = match reply {
            Reply::FullThenClose(inner) => (*inner, true),
            other => (other, false),
        };
        match reply {
            Reply::Full {
                status,
                headers,
                body,
            } => {
                let mut head = status_line(status);
                for (name, value) in &headers {
                    head.push_str(&format!("{name}: {value}\r\n"));
                }
                head.push_str(&format!("content-length: {}\r\n\r\n", body.len()));
                // Marked before the bytes go out, and unmarked if they do not: a client
                // that has read the reply must find it logged as delivered, however
                // late this thread runs again (a race the soak test met on a loaded machine).
                shared.log.lock().unwrap()[index].delivered = true;
                let sent = writer
                    .write_all(head.as_bytes())
                    .and_then(|()| writer.write_all(&body))
                    .and_then(|()| writer.flush());
                if let Err(e) = sent {
                    shared.log.lock().unwrap()[index].delivered = false;
                    return Err(e);
                }
                if close_requested || close_after {
                    let _ = writer.shutdown(Shutdown::Both);
                    return Ok(());
                }
            }
            Reply::FullThenClose(_) => unreachable!("unwrapped above"),
            Reply::Close => {
                let _ = writer.shutdown(Shutdown::Both);
                return Ok(());
            }
            Reply::Reset { declared, sent } => {
                write_partial(&mut writer, declared, &sent)?;
                // Let the client read what was sent, then reset the connection.
                std::thread::sleep(Duration::from_millis(10));
                socket2::SockRef::from(&writer).set_linger(Some(Duration::ZERO))?;
                return Ok(());
            }
            Reply::Truncated { declared, sent } => {
                write_partial(&mut writer, declared, &sent)?;
                let _ = writer.shutdown(Shutdown::Write);
                return drain_until_closed(&mut reader, shared);
            }
            Reply::Stall => return drain_until_closed(&mut reader, shared),
            Reply::Dribble {
                every,
                at_once,
                response,
            } => {
                let at_once = at_once.min(response.len());
                writer.write_all(&response[..at_once])?;
                writer.flush()?;
                for &byte in &response[at_once..] {
                    if stopped(shared) {
                        return Ok(());
                    }
                    writer.write_all(&[byte])?;
                    writer.flush()?;
                    std::thread::sleep(every);
                }
                return Ok(());
            }
            Reply::Garbage { len, chunked } => {
                let mut head = status_line(200);
                head.push_str("content-type: application/json\r\n");
                if chunked {
                    head.push_str("transfer-encoding: chunked\r\n\r\n");
                } else {
                    head.push_str(&format!("content-length: {len}\r\n\r\n"));
                }
                writer.write_all(head.as_bytes())?;
                let chunk = vec![b'#'; 64 * 1024];
                let mut left = len;
                while left > 0 {
                    if stopped(shared) {
                        return Ok(());
                    }
                    let n = left.min(chunk.len());
                    if chunked {
                        writer.write_all(format!("{n:x}\r\n").as_bytes())?;
                        writer.write_all(&chunk[..n])?;
                        writer.write_all(b"\r\n")?;
                    } else {
                        writer.write_all(&chunk[..n])?;
                    }
                    left -= n;
                }
                if chunked {
                    writer.write_all(b"0\r\n\r\n")?;
                }
                writer.flush()?;
                shared.log.lock().unwrap()[index].delivered = true;
            }
        }
    }
}

fn status_line(status: u16) -> String {
    let reason = match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    };
    format!("HTTP/1.1 {status} {reason}\r\n")
}

fn write_partial(writer: &mut TcpStream, declared: usize, sent: &[u8]) -> io::Result<()> {
    let head = format!(
        "{}content-type: application/json\r\ncontent-length: {declared}\r\n\r\n",
        status_line(200)
    );
    writer.write_all(head.as_bytes())?;
    writer.write_all(sent)?;
    writer.flush()
}

/// Holds a connection open, answering nothing, until the client closes it or the
/// server stops.
fn drain_until_closed(reader: &mut BufReader<TcpStream>, shared: &Shared) -> io::Result<()> {
    let mut sink = [0u8; 1024];
    while !stopped(shared) {
        match reader.read(&mut sink) {
            Ok(0) => return Ok(()),
            Ok(_) => {}
            Err(e) if is_tick(&e) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn is_tick(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// Reads one line, waking every tick to check the stop flag. `None` at a clean end.
fn read_line(reader: &mut BufReader<TcpStream>, shared: &Shared) -> io::Result<Option<String>> {
    let mut line = Vec::new();
    loop {
        if stopped(shared) {
            return Ok(None);
        }
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => return Ok(None),
            Ok(_) if line.ends_with(b"\n") => {
                let text = String::from_utf8_lossy(&line);
                return Ok(Some(text.trim_end_matches(['\r', '\n']).to_owned()));
            }
            Ok(_) => {}
            Err(e) if is_tick(&e) => {}
            Err(e) => return Err(e),
        }
    }
}

fn read_exact(
    reader: &mut BufReader<TcpStream>,
    len: usize,
    shared: &Shared,
) -> io::Result<Vec<u8>> {
    let mut body = vec![0u8; len];
    let mut filled = 0;
    while filled < len {
        if stopped(shared) {
            return Err(io::ErrorKind::Interrupted.into());
        }
        match reader.read(&mut body[filled..]) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => filled += n,
            Err(e) if is_tick(&e) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(body)
}

fn read_request(
    reader: &mut BufReader<TcpStream>,
    connection: usize,
    shared: &Shared,
) -> io::Result<Option<Request>> {
    let Some(first) = read_line(reader, shared)? else {
        return Ok(None);
    };
    let mut parts = first.split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return Ok(None);
    };
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
        None => (target.to_owned(), None),
    };
    let mut headers = Vec::new();
    loop {
        let Some(line) = read_line(reader, shared)? else {
            return Ok(None);
        };
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    let mut request = Request {
        method: method.to_owned(),
        path,
        query,
        headers,
        body: Vec::new(),
        connection,
    };
    if request
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        loop {
            let Some(size) = read_line(reader, shared)? else {
                return Ok(None);
            };
            let size = usize::from_str_radix(size.split(';').next().unwrap_or("").trim(), 16)
                .map_err(|_| io::Error::from(io::ErrorKind::InvalidData))?;
            let chunk = read_exact(reader, size + 2, shared)?;
            if size == 0 {
                break;
            }
            request.body.extend_from_slice(&chunk[..size]);
        }
    } else if let Some(len) = request.header("content-length") {
        let len: usize = len
            .parse()
            .map_err(|_| io::Error::from(io::ErrorKind::InvalidData))?;
        request.body = read_exact(reader, len, shared)?;
    }
    Ok(Some(request))
}

/// Waits (bounded) until `condition` holds; for assertions on server threads.
#[allow(dead_code)]
pub(crate) fn eventually(within: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    condition()
}
