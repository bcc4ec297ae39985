//! `listen`: a local receiver for development. It verifies each delivery with the
//! secrets given, prints one line about it, and with `--forward-to` passes it on to
//! the user's app unchanged and answers the sender with the app's status.
//!
//! Connections are served one at a time, each bounded in size and time: this is a
//! tool for one developer's loop, and one at a time keeps the printed lines in the
//! order the deliveries arrived.

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use revolut_webhooks::signature::{SIGNATURE_HEADER, TIMESTAMP_HEADER};
use revolut_webhooks::signature::{Verifier, VerifyError};
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::Outcome;
use crate::args::ListenArgs;
use crate::commands::{human_duration, verify_reason};
use crate::failure::{self, Failure};
use crate::output::Out;

/// The largest request head (request line and headers) read.
const MAX_HEAD_BYTES: usize = 16 * 1024;
/// The largest body read; Revolut's deliveries are a few kilobytes.
const MAX_BODY_BYTES: usize = 1024 * 1024;
/// The most of the app's answer passed back to the sender.
const MAX_ANSWER_BYTES: u64 = 64 * 1024;
/// Time for one read or write on the sender's connection.
const IO_TIMEOUT: Duration = Duration::from_secs(5);
/// Time for a whole request to arrive: a slow sender cannot hold the receiver.
const REQUEST_DEADLINE: Duration = Duration::from_secs(10);

/// One request as read off the connection.
struct Request {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The answer to the sender.
struct Answer {
    status: u16,
    content_type: String,
    body: Vec<u8>,
}

impl Answer {
    fn text(status: u16, text: &str) -> Answer {
        Answer {
            status,
            content_type: "text/plain; charset=utf-8".into(),
            body: format!("{text}\n").into_bytes(),
        }
    }
}

pub fn run(out: &mut Out, json: bool, args: &ListenArgs) -> Outcome {
    let secrets: Vec<&str> = args
        .secrets
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    if secrets.is_empty() {
        return Err(Failure::usage(
            "listen needs the webhook's signing secret: set REVOLUT_WEBHOOK_SECRET or pass \
             --secret wsk_... (repeat it during a rotation)",
        ));
    }
    let tolerance = Duration::from_secs(args.tolerance);
    let verifier = Verifier::from_secrets(secrets.iter().copied())
        .map_err(|e| Failure::usage(format!("--secret: {e}")))?
        .with_tolerance(tolerance);
    // One verifier per secret says which one matched; the age was checked already.
    let each: Vec<Verifier> = secrets
        .iter()
        .map(|s| Verifier::new(*s).map(|v| v.with_tolerance(Duration::MAX)))
        .collect::<Result<_, _>>()
        .map_err(|e| Failure::usage(format!("--secret: {e}")))?;

    let forward = match &args.forward_to {
        Some(url) => Some(Forward::new(url, args.timeout)?),
        None => None,
    };

    let listener =
        TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, args.port))).map_err(|e| {
            Failure::usage(format!(
                "cannot listen on 127.0.0.1:{}: {e} (is another program using the port? \
                 --port 0 picks a free one)",
                args.port
            ))
        })?;
    let addr = listener
        .local_addr()
        .map_err(|e| Failure::new(failure::API, format!("cannot read the bound address: {e}")))?;
    let url = format!("http://{addr}/");
    if json {
        out.json(&json!({ "listening": url, "forward_to": args.forward_to }))?;
    } else {
        out.line(format_args!("listening on {url}"))?;
        if let Some(to) = &args.forward_to {
            out.line(format_args!("forwarding to {to}"))?;
        }
        // The emulator delivers to a loopback https URL over plain http; Revolut
        // itself needs a public https URL (a tunnel) in front of this port.
        out.line(format_args!(
            "with the emulator, point a webhook here: `revolut-webhooks create https://{addr}/`; \
             Ctrl-C stops"
        ))?;
    }
    out.flush()?;

    let mut served: u64 = 0;
    for stream in listener.incoming() {
        let Ok(stream) = stream else {
            // A connection that failed before it was accepted is the sender's problem.
            continue;
        };
        serve(
            out,
            json,
            args,
            &verifier,
            &each,
            forward.as_ref(),
            stream,
            tolerance,
        )?;
        out.flush()?;
        served += 1;
        if args.max_deliveries.is_some_and(|max| served >= max) {
            break;
        }
    }
    Ok(failure::OK)
}

#[allow(clippy::too_many_arguments)]
fn serve(
    out: &mut Out,
    json: bool,
    args: &ListenArgs,
    verifier: &Verifier,
    each: &[Verifier],
    forward: Option<&Forward>,
    mut stream: TcpStream,
    tolerance: Duration,
) -> Result<(), Failure> {
    let _ = stream.set_read_timeout(Some(IO_TIMEOUT));
    let _ = stream.set_write_timeout(Some(IO_TIMEOUT));
    let request = match read_request(&mut stream) {
        Ok(request) => request,
        Err(answer) => {
            let reason = String::from_utf8_lossy(&answer.body).trim().to_owned();
            let _ = write_answer(&mut stream, &answer);
            return report_refusal(out, json, answer.status, &reason);
        }
    };
    if request.method != "POST" {
        let answer = Answer::text(405, "revolut-webhooks listen takes POSTed deliveries only");
        let _ = write_answer(&mut stream, &answer);
        return report_refusal(
            out,
            json,
            405,
            &format!("{} {}: not a delivery", request.method, request.path),
        );
    }

    let received = OffsetDateTime::now_utc();
    let timestamp = request.header(TIMESTAMP_HEADER);
    let signature = request.header(SIGNATURE_HEADER);
    let verdict = verifier.verify(
        &request.body,
        timestamp.unwrap_or(""),
        signature.unwrap_or(""),
    );
    let verified = match &verdict {
        Ok(()) => {
            let index = each
                .iter()
                .position(|v| {
                    v.verify(
                        &request.body,
                        timestamp.unwrap_or(""),
                        signature.unwrap_or(""),
                    )
                    .is_ok()
                })
                .map_or(1, |i| i + 1);
            Ok(index)
        }
        Err(why) => Err(why_not(why, tolerance.as_secs())),
    };
    let age_ms = timestamp
        .and_then(|t| t.trim().parse::<i128>().ok())
        .map(|t| received.unix_timestamp_nanos() / 1_000_000 - t);

    let parsed: Option<Value> = serde_json::from_slice(&request.body).ok();
    let event = parsed
        .as_ref()
        .and_then(|v| v.get("event"))
        .and_then(Value::as_str)
        .unwrap_or("?")
        .to_owned();
    let data_id = parsed
        .as_ref()
        .and_then(|v| v.pointer("/data/id"))
        .and_then(Value::as_str)
        .unwrap_or("-")
        .to_owned();

    let (answer, forwarded) = match forward {
        Some(forward) => match forward.send(&request) {
            Ok(answer) => {
                let status = answer.status;
                (answer, Some(Ok(status)))
            }
            Err(why) => (
                Answer::text(502, &format!("could not reach the app: {why}")),
                Some(Err(why)),
            ),
        },
        // Without an app, the verdict is the answer: the sender sees a refusal.
        None => match &verified {
            Ok(_) => (Answer::text(200, "ok"), None),
            Err(why) => (Answer::text(401, why), None),
        },
    };
    let answered = write_answer(&mut stream, &answer)
        .err()
        .map(|e| format!("could not answer the sender: {e}"));

    let secret_count = each.len();
    if json {
        let mut line = json!({
            "event": event,
            "data_id": data_id,
            "verified": verified.is_ok(),
            "age_ms": age_ms.map(|a| a as i64),
            "status": answer.status,
        });
        match &verified {
            Ok(index) => line["secret"] = json!(index),
            Err(why) => line["reason"] = json!(why),
        }
        if let Some(Err(why)) = &forwarded {
            line["forward_error"] = json!(why);
        }
        if let Some(why) = &answered {
            line["answer_error"] = json!(why);
        }
        if args.print_body {
            line["body"] = parsed
                .clone()
                .unwrap_or_else(|| json!(String::from_utf8_lossy(&request.body)));
        }
        out.json(&line)?;
    } else {
        let verdict = match &verified {
            Ok(_) if secret_count == 1 => "verified".to_owned(),
            Ok(index) => format!("verified with secret {index} of {secret_count}"),
            Err(why) => format!("NOT VERIFIED: {why}"),
        };
        let age = match age_ms {
            Some(ms) if ms >= 0 => format!("age {}", human_duration(ms as u64)),
            Some(ms) => format!("{} ahead", human_duration(ms.unsigned_abs() as u64)),
            None => "age ?".to_owned(),
        };
        let status = match &forwarded {
            Some(Ok(status)) => format!("app answered {status}"),
            Some(Err(why)) => format!("app unreachable ({why}), answered 502"),
            None => format!("answered {}", answer.status),
        };
        // Padded to the longest known event type, so the ids line up.
        let mut line = format!("{event:<23}  {data_id}  {verdict}  {age}  {status}");
        if let Some(why) = &answered {
            line.push_str(&format!("  ({why})"));
        }
        out.line(line)?;
        if args.print_body {
            match &parsed {
                Some(value) => out.line(
                    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string()),
                )?,
                None => out.line(String::from_utf8_lossy(&request.body))?,
            }
        }
    }
    Ok(())
}

/// Why a delivery did not verify, in `verify`'s words and without its flag hints.
fn why_not(why: &VerifyError, tolerance_secs: u64) -> String {
    match why {
        VerifyError::TimestampTooOld { .. } | VerifyError::TimestampInFuture { .. } => {
            verify_reason(why, tolerance_secs)
                .replace(" (--tolerance, or --ignore-age for a capture this old)", "")
        }
        VerifyError::NoMatch => {
            "no signature matches the secret(s) given: is it this webhook's secret?".to_owned()
        }
        other => other.to_string(),
    }
}

fn report_refusal(out: &mut Out, json: bool, status: u16, reason: &str) -> Result<(), Failure> {
    if json {
        out.json(&json!({ "refused": status, "reason": reason }))
    } else {
        out.line(format_args!("refused ({status}): {reason}"))
    }
}

/// Reads one request: the head up to `MAX_HEAD_BYTES`, a body of `Content-Length`
/// up to `MAX_BODY_BYTES`, all within `REQUEST_DEADLINE`. Anything else is the
/// answer to send back.
fn read_request(stream: &mut TcpStream) -> Result<Request, Answer> {
    let started = Instant::now();
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(end) = find(&buf, b"\r\n\r\n") {
            break end;
        }
        if buf.len() > MAX_HEAD_BYTES {
            return Err(Answer::text(431, "request head too large"));
        }
        if started.elapsed() > REQUEST_DEADLINE {
            return Err(Answer::text(408, "request took too long to arrive"));
        }
        match stream.read(&mut chunk) {
            Ok(0) => {
                return Err(Answer::text(
                    400,
                    "connection closed before the request ended",
                ));
            }
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) => return Err(Answer::text(408, &format!("cannot read the request: {e}"))),
        }
    };
    let head = std::str::from_utf8(&buf[..head_end])
        .map_err(|_| Answer::text(400, "request head is not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or("").split(' ');
    let (Some(method), Some(path), Some(version)) = (first.next(), first.next(), first.next())
    else {
        return Err(Answer::text(400, "malformed request line"));
    };
    if !version.starts_with("HTTP/1.") {
        return Err(Answer::text(505, "HTTP/1.x only"));
    }
    let mut headers = Vec::new();
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            return Err(Answer::text(400, "malformed header line"));
        };
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    let request_head = Request {
        method: method.to_owned(),
        path: path.to_owned(),
        headers,
        body: Vec::new(),
    };
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
        if started.elapsed() > REQUEST_DEADLINE {
            return Err(Answer::text(408, "request took too long to arrive"));
        }
        match stream.read(&mut chunk) {
            Ok(0) => return Err(Answer::text(400, "connection closed before the body ended")),
            Ok(n) => body.extend_from_slice(&chunk[..n]),
            Err(e) => return Err(Answer::text(408, &format!("cannot read the body: {e}"))),
        }
    }
    body.truncate(length);
    Ok(Request {
        body,
        ..request_head
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn write_answer(stream: &mut TcpStream, answer: &Answer) -> io::Result<()> {
    let reason = match answer.status {
        200 => "OK",
        401 => "Unauthorized",
        502 => "Bad Gateway",
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

/// The user's app, reached with the blocking client's HTTP library.
struct Forward {
    url: String,
    agent: ureq::Agent,
}

impl Forward {
    fn new(url: &str, timeout_secs: u64) -> Result<Forward, Failure> {
        let url = url.trim();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(Failure::usage(format!(
                "--forward-to {url:?}: expected an http:// or https:// URL"
            )));
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .timeout_global(Some(Duration::from_secs(timeout_secs)))
            .user_agent(concat!("revolut-webhooks-cli/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Ok(Forward {
            url: url.to_owned(),
            agent,
        })
    }

    /// POSTs the body byte for byte with the Revolut headers as they came; the
    /// app's status, content type and (bounded) body come back.
    fn send(&self, request: &Request) -> Result<Answer, String> {
        let mut post = self.agent.post(&self.url);
        for name in ["content-type", TIMESTAMP_HEADER, SIGNATURE_HEADER] {
            if let Some(value) = request.header(name) {
                post = post.header(name, value);
            }
        }
        let mut response = post.send(&request.body[..]).map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("text/plain")
            .to_owned();
        let mut body = Vec::new();
        // The status is what matters; an answer body cut short is still passed on.
        let _ = response
            .body_mut()
            .as_reader()
            .take(MAX_ANSWER_BYTES)
            .read_to_end(&mut body);
        Ok(Answer {
            status,
            content_type,
            body,
        })
    }
}
