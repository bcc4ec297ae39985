//! End-to-end tests of the receiver's loop with the built binary, on 127.0.0.1 only:
//! the emulator delivers to `revolut-webhooks listen`, which verifies each delivery
//! (two secrets during a rotation) and forwards it to a recording app; plus the
//! `completions` scripts and the progress output of long commands in a pipe.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use revolut_webhooks::auth::StaticToken;
use revolut_webhooks::blocking::Client;
use revolut_webhooks::emulator::{AttemptResult, Emulator, Event};
use revolut_webhooks::signature::{sign_delivery, sign_delivery_all, timestamp_ms};
use revolut_webhooks::{
    CreateWebhook, EventType, ManualClock, SecretExpiration, SigningSecret, UpdateWebhook,
};
use serde_json::{Value, json};
use time::OffsetDateTime;

pub(super) const BIN: &str = env!("CARGO_BIN_EXE_revolut-webhooks");
/// The longest wait for one line from the binary: a hang fails the test.
pub(super) const LINE_WAIT: Duration = Duration::from_secs(10);

/// One request the app received: its headers (names lower-cased) and exact body.
#[derive(Debug, Clone)]
pub(super) struct Received {
    pub(super) headers: Vec<(String, String)>,
    pub(super) body: Vec<u8>,
}

impl Received {
    pub(super) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The user's app: records every request and answers with a fixed status and body.
pub(super) struct App {
    pub(super) url: String,
    got: Arc<Mutex<Vec<Received>>>,
}

impl App {
    pub(super) fn start(status: u16, body: &'static str) -> App {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/revolut/hook", listener.local_addr().unwrap());
        let got = Arc::new(Mutex::new(Vec::new()));
        let record = got.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                if let Some(received) = read_request(&mut stream) {
                    record.lock().unwrap().push(received);
                }
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        App { url, got }
    }

    pub(super) fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }
}

/// Reads one HTTP/1.1 request with a Content-Length body (bounded); the relay's test
/// app reads its forwards with it too.
pub(super) fn read_request(stream: &mut TcpStream) -> Option<Received> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        if buf.len() > 64 * 1024 {
            return None;
        }
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(buf[..end].to_vec()).ok()?;
    let headers: Vec<(String, String)> = head
        .split("\r\n")
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(length);
    Some(Received { headers, body })
}

/// A running `revolut-webhooks listen`, killed when dropped.
pub(super) struct Listen {
    child: Child,
    lines: Receiver<String>,
    url: String,
}

impl Listen {
    pub(super) fn start(args: &[&str]) -> Listen {
        Self::start_with_env(args, &[])
    }

    /// With these variables set in its environment too.
    pub(super) fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> Listen {
        let mut child = Command::new(BIN)
            .arg("listen")
            .args(args)
            .env_remove("REVOLUT_WEBHOOK_SECRET")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut listen = Listen {
            child,
            lines,
            url: String::new(),
        };
        let first = listen.line();
        let url = match serde_json::from_str::<Value>(&first) {
            Ok(v) => v["listening"].as_str().unwrap().to_owned(),
            Err(_) => first.strip_prefix("listening on ").unwrap().to_owned(),
        };
        assert!(url.starts_with("http://127.0.0.1:"), "{first}");
        listen.url = url;
        listen
    }

    pub(super) fn line(&mut self) -> String {
        match self.lines.recv_timeout(LINE_WAIT) {
            Ok(line) => line,
            Err(e) => {
                let _ = self.child.kill();
                let mut err = String::new();
                if let Some(mut stderr) = self.child.stderr.take() {
                    let _ = stderr.read_to_string(&mut err);
                }
                panic!("no line from listen ({e}); stderr: {err}");
            }
        }
    }

    pub(super) fn json_line(&mut self) -> Value {
        let line = self.line();
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{line:?}: {e}"))
    }

    /// The line that is not part of the start-up banner.
    pub(super) fn delivery_line(&mut self) -> String {
        loop {
            let line = self.line();
            if !line.starts_with("forwarding to") && !line.starts_with("with the emulator") {
                return line;
            }
        }
    }

    pub(super) fn port(&self) -> u16 {
        self.url
            .trim_start_matches("http://127.0.0.1:")
            .trim_end_matches('/')
            .parse()
            .unwrap()
    }
}

impl Drop for Listen {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends raw bytes to `port` and returns the status and body of the answer.
pub(super) fn send_raw(port: u16, request: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// A signed POST, headers as given.
pub(super) fn delivery(body: &[u8], timestamp: &str, signature: &str) -> Vec<u8> {
    let mut request = format!(
        "POST /hook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Revolut-Request-Timestamp: {timestamp}\r\nRevolut-Signature: {signature}\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    request
}

pub(super) fn client(emulator: &Emulator) -> Client {
    Client::builder()
        .environment(emulator.environment())
        .token_provider(StaticToken::new(emulator.access_token().expose_secret()))
        .build()
        .unwrap()
}

#[test]
fn emulator_to_listen_to_the_app_every_event_type_verified_across_a_rotation() {
    let clock = ManualClock::new(OffsetDateTime::now_utc());
    let emulator = Emulator::builder()
        .clock(clock.clone())
        .retry_interval(Duration::from_millis(1))
        .delivery_timeout(Duration::from_secs(10))
        .allow_loopback_http(true)
        .start()
        .unwrap();
    let client = client(&emulator);
    let known: Vec<EventType> = EventType::ALL.to_vec();
    let hook = client
        .webhooks()
        .create(
            &CreateWebhook::new("https://127.0.0.1:1/not-yet")
                .unwrap()
                .with_events(known.clone())
                .unwrap(),
        )
        .unwrap();
    let old = hook.signing_secret.expose_secret().to_owned();
    // A rotation with the old secret kept a minute: deliveries carry both signatures.
    let rotated = client
        .webhooks()
        .rotate_signing_secret(hook.id, Some("PT1M".parse::<SecretExpiration>().unwrap()))
        .unwrap();
    let new = rotated.signing_secret.expose_secret().to_owned();
    assert_ne!(old, new);

    let app = App::start(202, "accepted");
    let mut listen = Listen::start(&[
        "-o",
        "json",
        "--secret",
        &old,
        "--secret",
        &new,
        "--forward-to",
        &app.url,
    ]);
    client
        .webhooks()
        .update(
            hook.id,
            &UpdateWebhook::from_url(format!("https://127.0.0.1:{}/", listen.port())).unwrap(),
        )
        .unwrap();

    for (n, event_type) in known.iter().enumerate() {
        let report = emulator.emit_and_wait(Event::sample(event_type));
        let delivery = report.for_webhook(hook.id).unwrap();
        let attempt = delivery.attempts.last().unwrap();
        // The app's status is what the sender got.
        assert_eq!(attempt.result, AttemptResult::Status(202), "{report:?}");
        assert_eq!(attempt.signature.matches("v1=").count(), 2);

        let line = listen.json_line();
        let body: Value = serde_json::from_str(&report.body).unwrap();
        assert_eq!(line["event"], event_type.as_str(), "{line}");
        assert_eq!(line["data_id"], body["data"]["id"], "{line}");
        assert_eq!(line["verified"], true, "{line}");
        // Both signatures are there; the first secret given matches first.
        assert_eq!(line["secret"], 1, "{line}");
        assert_eq!(line["status"], 202, "{line}");
        assert!(line["age_ms"].is_i64(), "{line}");

        let got = app.received();
        assert_eq!(got.len(), n + 1);
        let got = &got[n];
        assert_eq!(
            got.body,
            report.body.as_bytes(),
            "the body changed on the way"
        );
        assert_eq!(
            got.header("revolut-request-timestamp"),
            Some(attempt.timestamp_ms.to_string().as_str())
        );
        assert_eq!(
            got.header("revolut-signature"),
            Some(attempt.signature.as_str())
        );
    }

    // The old secret expires: deliveries are signed with the new one only.
    clock.advance(time::Duration::minutes(2));
    let report = emulator.emit_and_wait(Event::sample(&EventType::TransactionCreated));
    let attempt = report
        .for_webhook(hook.id)
        .unwrap()
        .attempts
        .last()
        .unwrap();
    assert_eq!(attempt.signature.matches("v1=").count(), 1);
    let line = listen.json_line();
    assert_eq!(line["verified"], true, "{line}");
    assert_eq!(line["secret"], 2, "{line}");

    // A delivery signed with neither secret is reported, and still passed on.
    let body = br#"{"event":"TransactionCreated","data":{"id":"forged"}}"#;
    let ts = timestamp_ms(OffsetDateTime::now_utc());
    let signature = sign_delivery(&SigningSecret::from("wsk_notTheWebhooksSecret00"), ts, body);
    let (status, _) = send_raw(listen.port(), &delivery(body, &ts.to_string(), &signature));
    assert_eq!(status, 202);
    let line = listen.json_line();
    assert_eq!(line["verified"], false, "{line}");
    assert_eq!(line["data_id"], "forged", "{line}");
    assert!(
        line["reason"]
            .as_str()
            .unwrap()
            .contains("no signature matches"),
        "{line}"
    );
    assert!(line.get("secret").is_none(), "{line}");
}

#[test]
fn listen_passes_the_body_and_headers_byte_for_byte_and_answers_with_the_apps_status() {
    let secret = SigningSecret::from("wsk_listenPassThrough000000");
    let app = App::start(500, "app is broken");
    let mut listen = Listen::start(&[
        "--secret",
        secret.expose_secret(),
        "--forward-to",
        &app.url,
        "--print-body",
    ]);
    // Odd spacing and non-ASCII text: a re-serialised body would not match.
    let body =
        "{ \"event\" : \"TransactionStateChanged\",\"data\":{\"id\":\"tx-é-1\", \"n\": 1.50}}\n"
            .as_bytes();
    let ts = timestamp_ms(OffsetDateTime::now_utc());
    let other = SigningSecret::from("wsk_someOtherSecret0000000");
    let signature = sign_delivery_all([&other, &secret], ts, body);
    let signature = format!("{}, v0=ignored", signature);
    let (status, answer) = send_raw(listen.port(), &delivery(body, &ts.to_string(), &signature));
    assert_eq!(status, 500);
    assert_eq!(answer, "app is broken");

    let line = listen.delivery_line();
    assert!(
        line.starts_with("TransactionStateChanged  tx-é-1  verified  age "),
        "{line}"
    );
    assert!(line.ends_with("app answered 500"), "{line}");
    // --print-body: the JSON follows the line.
    let mut printed = String::new();
    for _ in 0..6 {
        printed.push_str(&listen.line());
    }
    assert!(printed.contains("\"id\": \"tx-é-1\""), "{printed}");

    let got = app.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].body, body);
    assert_eq!(
        got[0].header("revolut-request-timestamp"),
        Some(ts.to_string().as_str())
    );
    assert_eq!(got[0].header("revolut-signature"), Some(signature.as_str()));
    assert_eq!(got[0].header("content-type"), Some("application/json"));
}

#[test]
fn listen_alone_answers_with_its_verdict_and_survives_bad_requests() {
    let secret = SigningSecret::from("wsk_listenAlone00000000000");
    let mut listen = Listen::start(&["--secret", secret.expose_secret()]);
    let port = listen.port();
    let body = br#"{"event":"PayoutLinkCreated","data":{"id":"pl-1"}}"#;
    let ts = timestamp_ms(OffsetDateTime::now_utc());

    let good = sign_delivery(&secret, ts, body);
    assert_eq!(
        send_raw(port, &delivery(body, &ts.to_string(), &good)).0,
        200
    );
    let line = listen.delivery_line();
    assert!(
        line.starts_with("PayoutLinkCreated        pl-1  verified  age "),
        "{line}"
    );
    assert!(line.ends_with("answered 200"), "{line}");

    let bad = sign_delivery(&secret, ts, b"another body");
    let (status, why) = send_raw(port, &delivery(body, &ts.to_string(), &bad));
    assert_eq!(status, 401);
    assert!(why.contains("no signature matches"), "{why}");
    let line = listen.line();
    assert!(
        line.starts_with("UNVERIFIED  PayoutLinkCreated  pl-1  rejected: no signature matches"),
        "{line}"
    );
    assert!(line.ends_with("answered 401"), "{line}");

    // Ten minutes old: refused for its age, which the line says in minutes.
    let old = ts - 600_000;
    let signed = sign_delivery(&secret, old, body);
    assert_eq!(
        send_raw(port, &delivery(body, &old.to_string(), &signed)).0,
        401
    );
    let line = listen.line();
    assert!(
        line.starts_with("UNVERIFIED  ")
            && line.contains("rejected: webhook timestamp is too old: 10 min"),
        "{line}"
    );

    // Not deliveries at all: each refused with a status, none ends the receiver.
    let cases: [(&[u8], u16); 5] = [
        (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", 405),
        (
            b"POST / HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n",
            413,
        ),
        (b"POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n", 400),
        (
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
            501,
        ),
        (b"\xff\xfe garbage\r\n\r\n", 400),
    ];
    for (request, expected) in cases {
        assert_eq!(send_raw(port, request).0, expected, "{request:?}");
        let line = listen.line();
        assert!(line.starts_with(&format!("refused ({expected})")), "{line}");
    }
    // A head that never ends is cut off at its size limit.
    let mut huge = b"POST / HTTP/1.1\r\n".to_vec();
    huge.extend(std::iter::repeat_n(b'a', 40 * 1024));
    assert_eq!(send_raw(port, &huge).0, 431);
    assert!(listen.line().starts_with("refused (431)"));

    // Still serving.
    assert_eq!(
        send_raw(port, &delivery(body, &ts.to_string(), &good)).0,
        200
    );
    assert!(listen.line().contains("verified"));
}

#[test]
fn listen_says_when_the_app_is_down_and_answers_502() {
    let secret = SigningSecret::from("wsk_listenAppDown000000000");
    // Nothing listens on port 1.
    let mut listen = Listen::start(&[
        "--secret",
        secret.expose_secret(),
        "--forward-to",
        "http://127.0.0.1:1/hook",
    ]);
    let body = br#"{"event":"TransactionCreated","data":{"id":"t-1"}}"#;
    let ts = timestamp_ms(OffsetDateTime::now_utc());
    let signature = sign_delivery(&secret, ts, body);
    let (status, answer) = send_raw(listen.port(), &delivery(body, &ts.to_string(), &signature));
    assert_eq!(status, 502);
    assert!(answer.contains("could not reach the app"), "{answer}");
    let line = listen.delivery_line();
    assert!(line.contains("verified"), "{line}");
    assert!(line.contains("app unreachable ("), "{line}");
    assert!(line.ends_with("answered 502"), "{line}");
}

#[test]
fn listen_refuses_to_start_without_a_secret_or_with_a_bad_forward_url() {
    let run = |args: &[&str]| {
        Command::new(BIN)
            .arg("listen")
            .args(args)
            .env_remove("REVOLUT_WEBHOOK_SECRET")
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("REVOLUT_WEBHOOK_SECRET"));
    let out = run(&[
        "--secret",
        "wsk_abc0000000000000",
        "--forward-to",
        "ftp://x",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--forward-to"));
}

#[test]
fn completions_for_every_shell_and_bash_parses_them() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = Command::new(BIN)
            .args(["completions", shell])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let script = String::from_utf8(out.stdout).unwrap();
        for word in ["listen", "replay", "forward-to"] {
            assert!(script.contains(word), "{shell} lacks {word}");
        }
        if shell == "bash" {
            let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("completions.bash");
            std::fs::write(&path, &script).unwrap();
            let check = Command::new("bash").arg("-n").arg(&path).output().unwrap();
            assert!(
                check.status.success(),
                "bash -n: {}",
                String::from_utf8_lossy(&check.stderr)
            );
        }
    }
    let out = Command::new(BIN)
        .args(["completions", "tcsh"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn long_commands_in_a_pipe_draw_no_bar_and_end_with_a_summary() {
    let emulator = Emulator::builder()
        .retry_interval(Duration::from_millis(1))
        .delivery_timeout(Duration::from_secs(1))
        .allow_loopback_http(true)
        .start()
        .unwrap();
    let client = client(&emulator);
    let hook = client
        .webhooks()
        .create(
            &CreateWebhook::new("https://127.0.0.1:1/down")
                .unwrap()
                .with_events([EventType::TransactionCreated])
                .unwrap(),
        )
        .unwrap();
    for i in 0..3 {
        let event = Event::transaction_created().with_data(json!({ "id": format!("e-{i}") }));
        assert!(!emulator.emit_and_wait(event).all_delivered());
    }
    let run = |args: &[&str]| {
        Command::new(BIN)
            .args(args)
            .env("REVOLUT_ENVIRONMENT", emulator.base_url())
            .env(
                "REVOLUT_ACCESS_TOKEN",
                emulator.access_token().expose_secret(),
            )
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let id = hook.id.to_string();
    for format in ["table", "json"] {
        let out = run(&["failed", &id, "--all", "-o", format]);
        assert_eq!(out.status.code(), Some(0));
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            !stderr.contains('\r') && !stderr.contains('\x1b'),
            "{stderr:?}"
        );
        assert_eq!(stderr, "(3 failed events in all)\n");
    }
}

/// The whole loop with the built binary at both ends: `trigger` makes the emulator
/// deliver each event type to `listen`, which verifies it and forwards it to the app;
/// `trigger` reports the app's status as the receiver's answer.
#[test]
fn trigger_to_listen_to_the_app_each_delivery_verified() {
    let emulator = Emulator::builder()
        .retry_interval(Duration::from_millis(1))
        .allow_loopback_http(true)
        .start()
        .unwrap();
    let client = client(&emulator);
    let app = App::start(202, "accepted");
    let hook = client
        .webhooks()
        .create(
            &CreateWebhook::new("https://127.0.0.1:1/not-yet")
                .unwrap()
                .with_events(EventType::ALL.to_vec())
                .unwrap(),
        )
        .unwrap();
    let secret = hook.signing_secret.expose_secret().to_owned();
    let mut listen = Listen::start(&["-o", "json", "--secret", &secret, "--forward-to", &app.url]);
    client
        .webhooks()
        .update(
            hook.id,
            &UpdateWebhook::from_url(format!("https://127.0.0.1:{}/", listen.port())).unwrap(),
        )
        .unwrap();
    let base = emulator.environment().base_url().to_owned();
    for (n, event_type) in EventType::ALL.iter().enumerate() {
        let run = Command::new(BIN)
            .args([
                "trigger",
                event_type.as_str(),
                "--environment",
                &base,
                "-o",
                "json",
            ])
            .env_remove("REVOLUT_ACCESS_TOKEN")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&run.stdout);
        assert_eq!(
            run.status.code(),
            Some(0),
            "{event_type}: {stdout} {}",
            String::from_utf8_lossy(&run.stderr)
        );
        let outcome: Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
        assert_eq!(outcome["status"], 202, "{outcome}");
        assert_eq!(outcome["delivered"], true, "{outcome}");
        assert_eq!(outcome["signatures"], 1, "{outcome}");

        let line = listen.json_line();
        assert_eq!(line["event"], event_type.as_str(), "{line}");
        assert_eq!(line["verified"], true, "{line}");
        assert_eq!(line["status"], 202, "{line}");

        let got = app.received();
        assert_eq!(got.len(), n + 1, "one forward per delivery");
        let body: Value = serde_json::from_slice(&got[n].body).unwrap();
        assert_eq!(body["event"], event_type.as_str());
        assert_eq!(line["data_id"], body["data"]["id"], "{line}");
        // What reached the app still verifies with the webhook's secret.
        let verifier = revolut_webhooks::signature::Verifier::new(secret.as_str()).unwrap();
        verifier
            .verify(
                &got[n].body,
                got[n].header("revolut-request-timestamp").unwrap(),
                got[n].header("revolut-signature").unwrap(),
            )
            .unwrap();
    }
}
