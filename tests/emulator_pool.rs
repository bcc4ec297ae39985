//! The emulator delivers from a bounded pool of threads, however many events are
//! emitted, and loses none. Alone in its binary: it counts this process's
//! emulator threads.
#![cfg(feature = "emulator")]

#[path = "it/support/mod.rs"]
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

/// The emulator's threads in this process: every name starts `revolut-emulator-`,
/// which Linux cuts to 15 bytes. That includes ureq's short-lived resolver threads
/// (one per connection made with a timeout), which inherit their creator's name.
fn threads() -> usize {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .flatten()
        .filter(|task| {
            std::fs::read_to_string(task.path().join("comm"))
                .is_ok_and(|name| name.starts_with("revolut-emulato"))
        })
        .count()
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
    if !std::path::Path::new("/proc/self/task").exists() {
        return; // not Linux
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
    // Every delivery is now under way or queued, and the receiver holds its
    // answers. The emulator's accept thread and delivery workers remain, plus the
    // connection threads of the two creates and resolver threads that have done
    // their work, both about to end: wait (bounded) for those to go.
    let bound = 1 + WORKERS;
    let mut now = threads();
    for _ in 0..300 {
        if now <= bound {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
        now = threads();
    }
    assert!(
        now <= bound,
        "{now} emulator threads for {total} pending deliveries, at most {bound} expected"
    );
    gate.send(()).unwrap();
    let mut received: HashMap<String, usize> = HashMap::new();
    for _ in 0..total {
        let body = bodies.recv_timeout(Duration::from_secs(20)).unwrap();
        *received.entry(body).or_default() += 1;
    }
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
