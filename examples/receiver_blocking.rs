//! A small webhook receiver on `std::net` only: no HTTP crate, no crate feature.
//!
//! ```text
//! cargo run --example receiver_blocking --no-default-features            # serve on 127.0.0.1:8787
//! cargo run --example receiver_blocking --no-default-features -- --once  # self-test, exits 0 or 1
//! ```
//!
//! The signing secret comes from `REVOLUT_WEBHOOK_SECRET`; without it a demo secret is
//! used, so the example runs without any Revolut credentials. `REVOLUT_WEBHOOK_ADDR`
//! changes the address (default `127.0.0.1:8787`).
//!
//! Each request is verified over its raw body, then parsed. The receiver answers 200 at
//! once and hands the event to a worker thread (Revolut expects a quick 2xx and retries
//! otherwise); a bad request gets 400, a bad signature or stale timestamp 401.
//!
//! At start it prints a `curl` command with a freshly signed test delivery (valid for the
//! 5-minute tolerance). `--once` instead sends itself a signed delivery, a tampered one and
//! one without headers, checks the answers (200, 401, 400) and exits.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use revolut_webhooks::SigningSecret;
use revolut_webhooks::events::{EventData, WebhookEvent};
use revolut_webhooks::signature::{
    SIGNATURE_HEADER, TIMESTAMP_HEADER, sign_delivery, timestamp_ms,
};
use revolut_webhooks::signature::{Verifier, VerifyError};

const DEMO_SECRET: &str = "wsk_demoSecretForLocalTestingOnly0";
const MAX_HEADER_BYTES: usize = 16 * 1024;
const MAX_BODY_BYTES: usize = 1024 * 1024;

struct Request {
    method: String,
    timestamp: String,
    signature: String,
    body: Vec<u8>,
}

enum ReadError {
    /// Answer with this status and message.
    Reply(u16, &'static str),
    /// The connection broke; nothing to answer.
    Io,
}

fn read_request(stream: &mut TcpStream) -> Result<Request, ReadError> {
    let mut reader = BufReader::new(stream.take((MAX_HEADER_BYTES + MAX_BODY_BYTES) as u64));
    let mut line = String::new();
    let mut header_bytes = 0;
    let mut next_line = |reader: &mut BufReader<_>, line: &mut String| -> Result<(), ReadError> {
        line.clear();
        let n = reader
            .read_line(line)
            .map_err(|_| ReadError::Reply(400, "bad request"))?;
        header_bytes += n;
        if n == 0 {
            return Err(ReadError::Io);
        }
        if header_bytes > MAX_HEADER_BYTES {
            return Err(ReadError::Reply(431, "headers too large"));
        }
        Ok(())
    };

    next_line(&mut reader, &mut line)?;
    let method = line.split(' ').next().unwrap_or_default().to_owned();
    let (mut timestamp, mut signature) = (String::new(), Vec::new());
    let mut content_length = None;
    loop {
        next_line(&mut reader, &mut line)?;
        let header = line.trim_end_matches(['\r', '\n']);
        if header.is_empty() {
            break;
        }
        let Some((name, value)) = header.split_once(':') else {
            return Err(ReadError::Reply(400, "bad header"));
        };
        let value = value.trim();
        // Header names are case-insensitive.
        if name.eq_ignore_ascii_case(TIMESTAMP_HEADER) {
            timestamp = value.to_owned();
        } else if name.eq_ignore_ascii_case(SIGNATURE_HEADER) {
            signature.push(value.to_owned());
        } else if name.eq_ignore_ascii_case("content-length") {
            content_length = Some(
                value
                    .parse::<usize>()
                    .map_err(|_| ReadError::Reply(400, "bad length"))?,
            );
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(ReadError::Reply(411, "length required"));
        }
    }
    let length = content_length.unwrap_or(0);
    if length > MAX_BODY_BYTES {
        return Err(ReadError::Reply(413, "body too large"));
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).map_err(|_| ReadError::Io)?;
    Ok(Request {
        method,
        timestamp,
        signature: signature.join(","),
        body,
    })
}

fn reply(stream: &mut TcpStream, status: u16, message: &str) {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        405 => "Method Not Allowed",
        411 => "Length Required",
        413 => "Payload Too Large",
        _ => "Error",
    };
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{message}",
        message.len()
    );
    let _ = stream.write_all(response.as_bytes());
}

fn handle(mut stream: TcpStream, verifier: &Verifier, events: &mpsc::Sender<WebhookEvent>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let request = match read_request(&mut stream) {
        Ok(request) => request,
        Err(ReadError::Reply(status, message)) => return reply(&mut stream, status, message),
        Err(ReadError::Io) => return,
    };
    if request.method != "POST" {
        return reply(&mut stream, 405, "POST only");
    }
    match verifier
        .verify(&request.body, &request.timestamp, &request.signature)
        .and_then(|v| v.event())
    {
        Ok(event) => {
            // Acknowledge first, work later.
            reply(&mut stream, 200, "ok");
            let _ = events.send(event);
        }
        Err(error) => {
            eprintln!("rejected delivery: {error}");
            let status = error.status_code();
            let message = match error {
                VerifyError::InvalidEvent(_) => "invalid event",
                _ if status == 401 => "invalid signature",
                _ => "bad request",
            };
            reply(&mut stream, status, message);
        }
    }
}

fn process(event: WebhookEvent) {
    match &event.data {
        EventData::TransactionCreated(tx) => {
            println!(
                "[{}] transaction {} created: {} ({} legs)",
                event.timestamp,
                tx.id,
                tx.state,
                tx.legs.len()
            )
        }
        EventData::TransactionStateChanged(c) => {
            println!(
                "[{}] transaction {}: {} -> {}",
                event.timestamp, c.id, c.old_state, c.new_state
            )
        }
        EventData::PayoutLinkStateChanged(c) => {
            println!(
                "[{}] payout link {}: {} -> {}",
                event.timestamp, c.id, c.old_state, c.new_state
            )
        }
        _ => println!("[{}] {} event", event.timestamp, event.event),
    }
}

fn serve(listener: TcpListener, verifier: Arc<Verifier>, max_requests: Option<usize>) {
    let (events, inbox) = mpsc::channel();
    thread::spawn(move || inbox.into_iter().for_each(process));
    for stream in listener.incoming().take(max_requests.unwrap_or(usize::MAX)) {
        let Ok(stream) = stream else { continue };
        let (verifier, events) = (verifier.clone(), events.clone());
        thread::spawn(move || handle(stream, &verifier, &events));
    }
}

fn demo_body() -> String {
    let now = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    format!(
        r#"{{"data":{{"id":"645a7696-22f3-aa47-9c74-cbae0449cc46","new_state":"completed","old_state":"pending","request_id":"demo-1"}},"event":"TransactionStateChanged","timestamp":"{now}"}}"#
    )
}

fn post(addr: SocketAddr, headers: &[(&str, &str)], body: &str) -> std::io::Result<u16> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut request = format!(
        "POST /webhooks/revolut HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes())?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Ok(status)
}

fn self_test(secret: &SigningSecret, verifier: Arc<Verifier>) -> bool {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let addr = listener.local_addr().unwrap();
    let server = thread::spawn(move || serve(listener, verifier, Some(3)));

    let body = demo_body();
    let ts = timestamp_ms(time::OffsetDateTime::now_utc());
    let signature = sign_delivery(secret, ts, body.as_bytes());
    let ts = ts.to_string();
    let signed = [
        (TIMESTAMP_HEADER, ts.as_str()),
        (SIGNATURE_HEADER, signature.as_str()),
    ];
    let tampered = body.replace("completed", "reverted");

    let mut ok = true;
    for (what, headers, body, expected) in [
        ("signed delivery", &signed[..], body.as_str(), 200),
        ("tampered body", &signed[..], tampered.as_str(), 401),
        ("no signature headers", &[][..], body.as_str(), 400),
    ] {
        match post(addr, headers, body) {
            Ok(status) if status == expected => println!("self-test: {what}: {status} as expected"),
            Ok(status) => {
                println!("self-test: {what}: got {status}, expected {expected}");
                ok = false;
            }
            Err(e) => {
                println!("self-test: {what}: request failed: {e}");
                ok = false;
            }
        }
    }
    server.join().unwrap();
    // Give the worker a moment to print the accepted event.
    thread::sleep(Duration::from_millis(50));
    ok
}

fn main() {
    let once = std::env::args()
        .skip(1)
        .any(|a| a == "--once" || a == "--self-test");
    let secret = match std::env::var("REVOLUT_WEBHOOK_SECRET") {
        Ok(s) => SigningSecret::from(s),
        Err(_) => {
            eprintln!("REVOLUT_WEBHOOK_SECRET is not set: using a demo secret.");
            SigningSecret::from(DEMO_SECRET)
        }
    };
    let verifier = match Verifier::new(secret.clone()) {
        Ok(v) => Arc::new(v),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };

    if once {
        let ok = self_test(&secret, verifier);
        println!("self-test {}", if ok { "passed" } else { "FAILED" });
        std::process::exit(if ok { 0 } else { 1 });
    }

    let addr = std::env::var("REVOLUT_WEBHOOK_ADDR").unwrap_or_else(|_| "127.0.0.1:8787".into());
    let listener = match TcpListener::bind(&addr) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on {addr}: {e}");
            std::process::exit(2);
        }
    };
    let addr = listener.local_addr().unwrap();
    let body = demo_body();
    let ts = timestamp_ms(time::OffsetDateTime::now_utc());
    println!(
        "Listening on http://{addr}/ (Ctrl-C to stop). Send a signed test delivery (valid for 5 minutes):\n"
    );
    println!(
        "curl -i -X POST http://{addr}/webhooks/revolut \\\n  -H '{TIMESTAMP_HEADER}: {ts}' \\\n  -H '{SIGNATURE_HEADER}: {}' \\\n  -H 'Content-Type: application/json' \\\n  --data-binary '{body}'\n",
        sign_delivery(&secret, ts, body.as_bytes())
    );
    serve(listener, verifier, None);
}
