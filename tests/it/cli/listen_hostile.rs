//! `listen` under hostile input: what a sender wrote is printed escaped and an
//! unsigned request cannot print a line that looks verified; slow and idle
//! connections do not hold up a genuine delivery, and a request past its deadline
//! is closed with 408; any timestamp header gives an age or `?`, never a panic.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use revolut_webhooks::SigningSecret;
use revolut_webhooks::signature::{sign_delivery, timestamp_ms};
use serde_json::Value;
use time::OffsetDateTime;

use super::listen::{Listen, delivery, send_raw};

const SECRET: &str = "wsk_hostileListenTestSecret012345";

/// A delivery signed with `SECRET` now, its data id `id`.
fn genuine(id: &str) -> Vec<u8> {
    let body = format!(
        r#"{{"event":"TransactionCreated","timestamp":"2026-01-05T10:00:00Z","data":{{"id":"{id}"}}}}"#
    );
    let ts = timestamp_ms(OffsetDateTime::now_utc());
    let signature = sign_delivery(&SigningSecret::from(SECRET), ts, body.as_bytes());
    delivery(body.as_bytes(), &ts.to_string(), &signature)
}

/// An unsigned POST of `body`, with a timestamp header of `timestamp`.
fn unsigned(body: &[u8], timestamp: &str) -> Vec<u8> {
    delivery(body, timestamp, "v1=00")
}

/// The lines `listen` printed up to and including the one that mentions `id`
/// (at most 60 lines).
fn lines_until(listen: &mut Listen, id: &str) -> Vec<String> {
    let mut lines = Vec::new();
    while lines.len() < 60 {
        let line = listen.line();
        let done = line.contains(id);
        lines.push(line);
        if done {
            return lines;
        }
    }
    panic!("no line mentions {id}: {lines:#?}");
}

/// No control character (C0, DEL, C1) and no bidi or zero-width character.
fn assert_inert(line: &str) {
    let bad = |c: char| {
        c.is_control()
            || matches!(c, '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    assert!(
        !line.chars().any(bad),
        "a raw control character reached stdout: {line:?}"
    );
}

/// Requests whose fields try to forge a verified line, or to drive the terminal.
fn forgeries() -> Vec<Vec<u8>> {
    let forged = "TransactionCreated       evt-1  verified  age 1 ms  answered 200";
    let json_body = format!(
        r#"{{"event":"x\r\n{forged}\u001b[2K","data":{{"id":"\u001b[1A\u001b[2K\r{forged}\u009b31m\u202e"}}}}"#
    );
    let mut raw_body = b"not json\r\n".to_vec();
    raw_body.extend_from_slice(forged.as_bytes());
    raw_body.extend_from_slice(b"\x1b[2K\x07\x7f\xc2\x9b\xe2\x80\xae\r\n");
    vec![
        unsigned(json_body.as_bytes(), "1"),
        unsigned(&raw_body, "1"),
        // A signed-looking body sent unsigned, with a request line that is not a POST.
        b"GET /\xc2\x9b31mverified HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
    ]
}

#[test]
fn an_unsigned_request_prints_no_line_that_looks_verified_and_no_raw_control_character() {
    let mut listen = Listen::start(&["--secret", SECRET, "--print-body"]);
    for request in forgeries() {
        let (status, _) = send_raw(listen.port(), &request);
        assert!(status == 401 || status == 405, "{status}");
    }
    let (status, _) = send_raw(listen.port(), &genuine("genuine-1"));
    assert_eq!(status, 200);
    let lines = lines_until(&mut listen, "genuine-1");
    let (last, before) = lines.split_last().unwrap();
    for line in before {
        assert_inert(line);
        if line.starts_with("listening on") || line.starts_with("with the emulator") {
            continue;
        }
        // A delivery's own line says UNVERIFIED first; the body is indented below it.
        assert!(
            line.starts_with("UNVERIFIED  ")
                || line.starts_with("refused (405): ")
                || line.starts_with("    "),
            "a line an unsigned request printed: {line:?}\nall: {lines:#?}"
        );
    }
    assert_eq!(
        before
            .iter()
            .filter(|l| l.starts_with("UNVERIFIED"))
            .count(),
        2,
        "{lines:#?}"
    );
    assert!(
        before
            .iter()
            .any(|l| l.contains(r"\r\nTransactionCreated") && l.contains(r"\u{1b}[2K")),
        "the fields are shown, escaped: {lines:#?}"
    );
    assert!(
        last.starts_with("TransactionCreated ") && last.contains("  verified  "),
        "{last}"
    );
    assert_inert(last);
}

#[test]
fn json_lines_keep_the_senders_text_exact_and_inert() {
    let mut listen = Listen::start(&["--secret", SECRET, "--print-body", "-o", "json"]);
    for request in forgeries() {
        send_raw(listen.port(), &request);
    }
    send_raw(listen.port(), &genuine("genuine-2"));
    let lines = lines_until(&mut listen, "genuine-2");
    let mut unverified = 0;
    for line in &lines {
        assert_inert(line);
        let value: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{line:?}: {e}"));
        if value["verified"] == Value::Bool(false) {
            unverified += 1;
            assert!(value["reason"].is_string(), "{value}");
        }
        if value["data_id"] == "genuine-2" {
            assert_eq!(value["verified"], true);
        }
    }
    assert_eq!(unverified, 2, "{lines:#?}");
    // A script reads the sender's exact text back.
    let first: Vec<Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|v: &Value| v["verified"] == false)
        .collect();
    assert!(
        first[0]["event"]
            .as_str()
            .unwrap()
            .contains("\r\nTransactionCreated")
    );
    assert!(
        first[0]["data_id"]
            .as_str()
            .unwrap()
            .contains("\u{9b}31m\u{202e}")
    );
}

#[test]
fn a_timestamp_header_of_i128_min_gives_no_panic_and_no_wrapped_age() {
    let mut listen = Listen::start(&["--secret", SECRET]);
    for timestamp in [
        "-170141183460469231731687303715884105728",
        "170141183460469231731687303715884105727",
        "-9223372036854775808",
    ] {
        let (status, _) = send_raw(listen.port(), &unsigned(b"{}", timestamp));
        assert_eq!(status, 401, "{timestamp}");
        let line = listen.delivery_line();
        assert!(line.starts_with("UNVERIFIED  "), "{line}");
        assert!(line.contains("  age ?  "), "{timestamp}: {line}");
    }
    // Still serving.
    let (status, _) = send_raw(listen.port(), &genuine("after-min"));
    assert_eq!(status, 200);
    assert!(listen.line().contains("after-min"));
}

/// A connection that sent nothing, or part of a head: held open by the test.
fn idle(port: u16, partial: &[u8]) -> TcpStream {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.write_all(partial).unwrap();
    stream
}

#[test]
fn slow_and_idle_connections_do_not_hold_up_a_genuine_delivery() {
    let mut listen = Listen::start(&["--secret", SECRET, "--request-deadline-ms", "1000"]);
    let port = listen.port();
    // A sender that trickles a byte every half second, for at most 4 s.
    let slow = std::thread::spawn(move || {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let started = Instant::now();
        for byte in b"POST / HTTP/1.1\r\n" {
            if stream.write_all(&[*byte]).is_err() || started.elapsed() > Duration::from_secs(4) {
                break;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        started.elapsed()
    });
    let held: Vec<TcpStream> = (0..20).map(|_| idle(port, b"")).collect();
    let started = Instant::now();
    let (status, _) = send_raw(port, &genuine("not-held-up"));
    let took = started.elapsed();
    assert_eq!(status, 200);
    // Sixteen readers at once: the genuine one waits one deadline (1 s) at most, not
    // one per connection before it (over 20 s served one at a time).
    assert!(took < Duration::from_secs(5), "the delivery took {took:?}");
    lines_until(&mut listen, "not-held-up");
    drop(held);
    let slow_took = slow.join().unwrap();
    assert!(slow_took < Duration::from_secs(6), "{slow_took:?}");
}

#[test]
fn a_request_that_outlives_its_deadline_is_closed_with_408() {
    let mut listen = Listen::start(&["--secret", SECRET, "--request-deadline-ms", "700"]);
    let mut stream = idle(
        listen.port(),
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{\"a\"",
    );
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408 "), "{answer:?}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let line = listen.delivery_line();
    assert!(line.starts_with("refused (408): "), "{line}");
}
