//! No HTTP agent the binary builds sends plain-http loopback traffic to a proxy:
//! `replay --to`, `listen --forward-to`, `trigger` and the `emulator` command's
//! deliveries, each run with every proxy variable pointing at a trap on 127.0.0.2
//! (the variables are set in the child only).

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use revolut_webhooks::emulator::Emulator;
use revolut_webhooks::signature::{sign_delivery, timestamp_ms};
use revolut_webhooks::{CreateWebhook, Environment, EventType, SigningSecret};
use serde_json::Value;
use time::OffsetDateTime;

use super::listen::{App, Listen, delivery, send_raw};
use super::setup::*;

/// A "proxy" that only counts the connections it gets.
struct Trap {
    url: String,
    count: Arc<AtomicUsize>,
}

impl Trap {
    fn start() -> Trap {
        let listener = TcpListener::bind("127.0.0.2:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let count = Arc::new(AtomicUsize::new(0));
        let seen = count.clone();
        // Detached: it lives as long as the test binary, and only counts.
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                seen.fetch_add(1, Ordering::SeqCst);
                let _ = stream.set_read_timeout(Some(Duration::from_millis(50)));
                let _ = (&stream).read(&mut [0u8; 512]);
            }
        });
        Trap { url, count }
    }

    /// Every proxy variable, upper and lower case, naming the trap.
    fn env(&self) -> Vec<(&'static str, &str)> {
        [
            "HTTP_PROXY",
            "http_proxy",
            "HTTPS_PROXY",
            "https_proxy",
            "ALL_PROXY",
            "all_proxy",
        ]
        .into_iter()
        .map(|name| (name, self.url.as_str()))
        .collect()
    }

    fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }
}

#[test]
fn replay_to_a_loopback_receiver_never_goes_through_a_proxy() {
    let trap = Trap::start();
    let s = Setup::new("proxy-replay");
    let id = s.outage(3);
    let receiver = Receiver::start(10);
    let id_s = id.to_string();
    let mut env = trap.env();
    env.push(("REVOLUT_ACCESS_TOKEN", s.token()));
    env.push(("REVOLUT_WEBHOOK_SECRET", RECEIVER_SECRET));
    let run = s.run_with(&["replay", &id_s, "--to", &receiver.url], &env);
    assert_code(&run, 0);
    assert_eq!(receiver.data_ids(), ["evt-0", "evt-1", "evt-2"]);
    assert_eq!(trap.count(), 0, "the proxy received a connection");
}

#[test]
fn listen_forwards_to_a_loopback_app_never_through_a_proxy() {
    let trap = Trap::start();
    let app = App::start(200, "ok");
    let secret = "wsk_proxyForwardTestSecret0123456789";
    let mut listen =
        Listen::start_with_env(&["--secret", secret, "--forward-to", &app.url], &trap.env());
    let body =
        br#"{"event":"TransactionCreated","timestamp":"2026-01-05T10:00:00Z","data":{"id":"p-1"}}"#;
    let ts = timestamp_ms(OffsetDateTime::now_utc());
    let signature = sign_delivery(&SigningSecret::from(secret), ts, body);
    let (status, _) = send_raw(listen.port(), &delivery(body, &ts.to_string(), &signature));
    let line = listen.delivery_line();
    assert_eq!(status, 200, "{line}");
    assert_eq!(app.received().len(), 1, "{line}");
    assert_eq!(trap.count(), 0, "the proxy received a connection");
}

#[test]
fn trigger_reaches_a_loopback_emulator_never_through_a_proxy() {
    let trap = Trap::start();
    let emulator = Emulator::builder()
        .allow_loopback_http(true)
        .start()
        .unwrap();
    let out = Command::new(BIN)
        .args(["trigger", "TransactionCreated"])
        .env_remove("REVOLUT_ACCESS_TOKEN")
        .env("REVOLUT_ENVIRONMENT", emulator.base_url())
        .envs(trap.env())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // No webhook is subscribed: the emulator answered, and said so (exit 6, not 1).
    assert_eq!(out.status.code(), Some(6), "{stderr}");
    assert!(stderr.contains("no webhook is subscribed"), "{stderr}");
    assert_eq!(trap.count(), 0, "the proxy received a connection");
}

#[test]
fn the_emulator_commands_deliveries_to_loopback_never_go_through_a_proxy() {
    let trap = Trap::start();
    let token = "oa_cli_proxy_test_token";
    let mut child = Command::new(BIN)
        .args(["emulator", "--retry-interval-ms", "5", "--token", token])
        .args(["-o", "json"])
        .envs(trap.env())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let started: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{line:?}: {e}"));
    let base = started["base_url"].as_str().unwrap().to_owned();
    let receiver = Receiver::start(10);
    let client = revolut_webhooks::blocking::Client::builder()
        .environment(Environment::custom(&base).unwrap())
        .token_provider(revolut_webhooks::auth::StaticToken::new(token))
        .build()
        .unwrap();
    // The emulator accepts https loopback URLs and delivers to them over plain http.
    let url = receiver.url.replace("http://", "https://");
    let hook = client
        .webhooks()
        .create(
            &CreateWebhook::new(url)
                .unwrap()
                .with_events([EventType::TransactionCreated])
                .unwrap(),
        )
        .unwrap();
    // The test receiver verifies with its own secret: its 401 still says "reached".
    let _ = hook;
    let out = Command::new(BIN)
        .args(["trigger", "TransactionCreated", "-o", "json"])
        .env("REVOLUT_ENVIRONMENT", &base)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let answer: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    assert!(
        answer["status"].as_u64().is_some(),
        "the receiver was not reached: {answer}"
    );
    assert_eq!(receiver.requests.load(Ordering::SeqCst), 1);
    assert_eq!(trap.count(), 0, "the proxy received a connection");
}
