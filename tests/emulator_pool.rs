//! The emulator delivers from a bounded pool of threads, however many events are
//! emitted, and loses none. Alone in its binary: it counts this process's threads.
#![cfg(feature = "emulator")]

mod support;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::Duration;

use revolut_webhooks::emulator::{Emulator, Event, Outcome};
use support::raw;

/// The emulator's documented cap on delivery threads.
const WORKERS: usize = 8;

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").map_or(0, |d| d.count())
}

/// Reads one request from `stream`; its body.
fn read_body(stream: &mut std::net::TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())?;
            if buf.len() >= end + 4 + length {
                return String::from_utf8(buf[end + 4..end + 4 + length].to_vec()).ok();
            }
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

#[test]
fn fifty_events_use_a_bounded_pool_and_every_delivery_arrives() {
    if threads() == 0 {
        return; // no /proc: not Linux
    }
    const EVENTS: usize = 50;
    const HOOKS: usize = 2;
    let total = EVENTS * HOOKS;
    // A receiver on one thread that holds its first answer until the gate opens,
    // so every delivery is under way at once while the threads are counted.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (gate, opened) = mpsc::channel::<()>();
    let (got, bodies) = mpsc::channel::<String>();
    let receiver = std::thread::spawn(move || {
        let mut waited = false;
        for _ in 0..total {
            let Ok((mut stream, _)) = listener.accept() else {
                return;
            };
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            let Some(body) = read_body(&mut stream) else {
                continue;
            };
            if !waited {
                let _ = opened.recv_timeout(Duration::from_secs(10));
                waited = true;
            }
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            let _ = got.send(body);
        }
    });

    let before = threads();
    let emu = Emulator::builder()
        .allow_loopback_http(true)
        .delivery_timeout(Duration::from_secs(20))
        .retry_interval(Duration::from_millis(1))
        .start()
        .unwrap();
    let token = emu.access_token().expose_secret().to_owned();
    for hook in 0..HOOKS {
        let body = format!(
            r#"{{"url":"http://127.0.0.1:{port}/hook/{hook}","events":["TransactionCreated"]}}"#
        );
        let r = raw(
            emu.base_url(),
            "POST",
            "/api/2.0/webhooks",
            Some(&token),
            Some(("application/json", &body)),
        );
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let pending: Vec<_> = (0..EVENTS)
        .map(|_| emu.emit(Event::transaction_created()))
        .collect();
    // The emulator's accept thread and delivery workers, plus a few connection
    // threads of the two creates that may not have ended yet.
    let bound = before + 1 + WORKERS + 4;
    let mut peak = threads();
    assert!(
        peak <= bound,
        "{peak} threads after emitting, at most {bound} expected"
    );
    gate.send(()).unwrap();
    let mut received: HashMap<String, usize> = HashMap::new();
    for _ in 0..total {
        peak = peak.max(threads());
        let body = bodies.recv_timeout(Duration::from_secs(20)).unwrap();
        *received.entry(body).or_default() += 1;
    }
    assert!(
        peak <= bound,
        "{peak} threads while delivering, at most {bound} expected"
    );
    for delivery in pending {
        let body = delivery.body().to_owned();
        let report = delivery.wait();
        assert_eq!(report.deliveries.len(), HOOKS);
        assert!(
            report
                .deliveries
                .iter()
                .all(|d| d.outcome == Outcome::Delivered && d.attempts.len() == 1),
            "{report:?}"
        );
        assert_eq!(
            received.get(&body),
            Some(&HOOKS),
            "each webhook got it once"
        );
    }
    receiver.join().unwrap();
}
