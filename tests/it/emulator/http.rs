//! The emulator's HTTP layer: body framing (chunked, `Content-Length`), size limits,
//! garbage, and idle or slow connections.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use super::harness::*;
use revolut_webhooks::emulator::Emulator;
use serde_json::json;

#[test]
fn chunked_bodies_are_read() {
    let api = Api::new();
    let r = post_raw(
        &api,
        "Transfer-Encoding: chunked\r\n\r\n5\r\n{\"url\r\n12;ext=1\r\n\":\"https://x.com\"}\r\n0\r\nX-Trailer: t\r\n\r\n",
    );
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["url"], "https://x.com");
    // Case-insensitive coding name; a chunked body followed by a second request on
    // the same connection.
    let request = format!(
        "POST /api/2.0/webhooks HTTP/1.1\r\nAuthorization: Bearer {t}\r\nContent-Type: application/json\r\nTransfer-Encoding: Chunked\r\n\r\n17\r\n{{\"url\":\"https://y.com\"}}\r\n0\r\n\r\nGET /api/2.0/webhooks HTTP/1.1\r\nAuthorization: Bearer {t}\r\nConnection: close\r\n\r\n",
        t = api.token
    );
    let out = exchange(&api.emu, request.as_bytes());
    assert!(out.starts_with("HTTP/1.1 201"), "{out}");
    assert_eq!(out.matches("HTTP/1.1 200").count(), 1, "{out}");
    assert!(out.contains("https://y.com"), "{out}");
    assert_eq!(api.emu_webhook_count(), 2);
}

#[test]
fn chunked_bodies_have_the_same_size_limit_and_strict_framing() {
    let api = Api::new();
    // Over 1 MiB in total, in chunks of 64 KiB: refused once the limit is passed.
    let chunk = format!("10000\r\n{}\r\n", "a".repeat(0x10000));
    let r = post_raw(
        &api,
        &format!(
            "Transfer-Encoding: chunked\r\n\r\n{}0\r\n\r\n",
            chunk.repeat(17)
        ),
    );
    assert_eq!(r.status, 413, "{}", r.text);
    // One chunk announced larger than the limit: refused from its size line.
    let r = post_raw(&api, "Transfer-Encoding: chunked\r\n\r\n100001\r\n");
    assert_eq!(r.status, 413, "{}", r.text);
    let r = post_raw(
        &api,
        "Transfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\n",
    );
    assert_eq!(r.status, 413, "{}", r.text);
    for (rest, status) in [
        ("Transfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
        ("Transfer-Encoding: chunked\r\n\r\n-1\r\n", 400),
        (
            "Transfer-Encoding: chunked\r\n\r\n 2\r\n{}\r\n0\r\n\r\n",
            400,
        ),
        ("Transfer-Encoding: chunked\r\n\r\n2\r\n{}xx0\r\n\r\n", 400),
        ("Transfer-Encoding: gzip\r\n\r\n", 400),
        ("Transfer-Encoding: chunked, gzip\r\n\r\n", 400),
        ("Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501),
        (
            "Transfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
            400,
        ),
        (
            "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
            400,
        ),
    ] {
        let r = post_raw(&api, rest);
        assert_eq!(r.status, status, "{rest:?}: {}", r.text);
        assert_eq!(r.body["code"], status, "{rest:?}: {}", r.text);
    }
    // HTTP/1.0 has no chunked coding: the framing is faulty.
    let out = exchange(
        &api.emu,
        b"POST /api/2.0/webhooks HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    );
    assert!(out.starts_with("HTTP/1.1 400"), "{out}");
    assert_eq!(api.emu_webhook_count(), 0);
}

#[test]
fn content_length_is_plain_digits_given_once() {
    let api = Api::new();
    for rest in [
        "Content-Length: +2\r\n\r\n{}",
        "Content-Length: -2\r\n\r\n{}",
        "Content-Length: 0x2\r\n\r\n{}",
        "Content-Length: 2 2\r\n\r\n{}",
        "Content-Length: 2,2\r\n\r\n{}",
        "Content-Length: 2, 3\r\n\r\n{}",
        "Content-Length: \r\n\r\n{}",
        "Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}",
        "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
    ] {
        let r = post_raw(&api, rest);
        assert_eq!(
            (r.status, r.body["code"].as_i64()),
            (400, Some(400)),
            "{rest:?}: {}",
            r.text
        );
    }
    let r = post_raw(&api, &format!("Content-Length: {}\r\n\r\n", "9".repeat(40)));
    assert_eq!(r.status, 413, "{}", r.text);
    assert_eq!(api.emu_webhook_count(), 0);
    let body = r#"{"url":"https://x.com"}"#;
    let r = post_raw(
        &api,
        &format!("Content-Length: {}\r\n\r\n{body}", body.len()),
    );
    assert_eq!(r.status, 201, "{}", r.text);
}

#[test]
fn oversized_chunked_and_garbage_requests_are_refused_safely() {
    let api = Api::new();
    // The head announces 2 MiB: refused from the head alone, before any body is read.
    let out = exchange(
        &api.emu,
        format!(
            "POST /api/2.0/webhooks HTTP/1.1\r\nContent-Length: {}\r\n\r\n{{}}",
            2 * 1024 * 1024
        )
        .as_bytes(),
    );
    assert!(
        out.starts_with("HTTP/1.1 413"),
        "{}",
        &out[..out.len().min(80)]
    );
    let out = exchange(
        &api.emu,
        b"POST /api/2.0/webhooks HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    );
    assert!(
        out.starts_with("HTTP/1.1 401"),
        "read, then refused for want of a token: {out}"
    );
    let out = exchange(
        &api.emu,
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
    );
    assert!(out.starts_with("HTTP/1.1 400"), "{out}");
    // Still serving.
    assert_eq!(api.call("GET", "/webhooks", None).status, 200);
}

#[test]
fn idle_and_slow_connections_do_not_lock_others_out() {
    let api = Api::new();
    let addr = api.emu.addr();
    // 100 connections that send nothing and 100 that send half a head and stop.
    let mut held = Vec::new();
    for i in 0..200 {
        let mut s = TcpStream::connect(addr).unwrap();
        if i % 2 == 1 {
            s.write_all(b"GET /api/2.0/webhooks HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
                .unwrap();
        }
        held.push(s);
    }
    // Served while all 200 are still open: they are closed only after the 5 s head
    // timeout, so an answer within 4 s cannot come from slots they gave back. (It
    // takes a few milliseconds; the margin is for a loaded CI machine.)
    let started = Instant::now();
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(4))).unwrap();
    let request = format!(
        "GET /api/2.0/webhooks HTTP/1.1\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
        api.token
    );
    s.write_all(request.as_bytes()).unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    let r = parse(&out);
    assert_eq!((r.status, r.body.clone()), (200, json!([])), "{out}");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    drop(held);
}

#[test]
fn a_request_head_must_arrive_within_the_head_timeout() {
    let api = Api::with(Emulator::builder().head_timeout(Duration::from_millis(300)));
    let addr = api.emu.addr();
    // An idle connection is closed, with nothing written.
    let mut idle = TcpStream::connect(addr).unwrap();
    idle.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
    let started = Instant::now();
    let mut out = Vec::new();
    let _ = idle.read_to_end(&mut out);
    assert!(out.is_empty(), "{}", String::from_utf8_lossy(&out));
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    // A client trickling its head a byte every 50 ms is answered 408 and closed,
    // however steadily it sends.
    let mut slow = TcpStream::connect(addr).unwrap();
    slow.set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    for byte in b"GET /api/2.0/webhooks HTTP/1.1\r\n"
        .iter()
        .cycle()
        .take(60)
    {
        if slow.write_all(std::slice::from_ref(byte)).is_err() {
            break;
        }
        let mut chunk = [0u8; 512];
        match slow.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&chunk[..n]),
            Err(_) => {} // nothing yet: the 50 ms pause
        }
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    // A keep-alive connection gets the same time for each next head.
    let mut keep = TcpStream::connect(addr).unwrap();
    keep.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
    keep.write_all(b"GET /_emulator/health HTTP/1.1\r\n\r\n")
        .unwrap();
    let started = Instant::now();
    let mut out = Vec::new();
    let _ = keep.read_to_end(&mut out);
    let out = String::from_utf8_lossy(&out);
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    assert_eq!(out.matches("HTTP/1.1").count(), 1, "{out}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}
