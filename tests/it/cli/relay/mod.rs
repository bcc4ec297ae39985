//! `revolut-webhooks relay` and `inbox`, run as real processes on real stores (a SQLite
//! file, PostgreSQL servers started by the test): what the sender is answered, what the
//! app gets, retries and dead letters, several relays on one PostgreSQL server with one
//! killed mid-run, and reconciling from the emulator's failed-events list.

mod cases;
mod fleet;
mod reconcile;

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use revolut_webhooks::SigningSecret;
use revolut_webhooks::signature::{Verifier, sign_delivery, timestamp_ms};
use serde_json::{Value, json};
use time::OffsetDateTime;

const BIN: &str = env!("CARGO_BIN_EXE_revolut-webhooks");
/// The webhook's signing secret: the relay verifies with it and signs forwards with it.
const SECRET: &str = "wsk_relaySecretForTheTests0123456789";
/// The longest wait for one line, one answer, one state: a hang fails the test.
const WAIT: Duration = Duration::from_secs(20);
/// Between two looks at something awaited.
const POLL: Duration = Duration::from_millis(50);

/// A fresh directory for a test's SQLite store.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("relay-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A SQLite store in a fresh directory.
fn sqlite_store(name: &str) -> String {
    scratch(name).join("inbox.db").display().to_string()
}

/// A `TransactionStateChanged` body for object `object`, `n` seconds into the test's
/// epoch (so events of one object have increasing timestamps).
fn state_change(object: &str, n: u32) -> Vec<u8> {
    let base = time::macros::datetime!(2026-12-01 10:00:00 UTC);
    let ts = (base + time::Duration::seconds(i64::from(n)))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let states = ["pending", "completed", "reverted", "declined", "failed"];
    serde_json::to_vec(&json!({
        "event": "TransactionStateChanged",
        "timestamp": ts,
        "data": {
            "id": object,
            "old_state": states[n as usize % states.len()],
            "new_state": states[(n as usize + 1) % states.len()],
        }
    }))
    .unwrap()
}

/// POSTs `body` to `url` signed with `secret`, as Revolut does: the status, or `None`
/// when no answer came (refused, reset).
fn deliver(url: &str, body: &[u8], secret: &str) -> Option<u16> {
    let ts = timestamp_ms(OffsetDateTime::now_utc());
    let signature = sign_delivery(&SigningSecret::from(secret), ts, body);
    post(
        url,
        &[
            ("Content-Type", "application/json".into()),
            ("Revolut-Request-Timestamp", ts.to_string()),
            ("Revolut-Signature", signature),
        ],
        body,
    )
}

/// A raw HTTP/1.1 POST: the status of the answer, or `None`.
fn post(url: &str, headers: &[(&str, String)], body: &[u8]) -> Option<u16> {
    let addr = url.trim_start_matches("http://").split('/').next().unwrap();
    let mut stream = TcpStream::connect(addr).ok()?;
    stream.set_read_timeout(Some(WAIT)).unwrap();
    stream.set_write_timeout(Some(WAIT)).unwrap();
    let mut head = format!(
        "POST /revolut/webhook HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).ok()?;
    let _ = stream.write_all(body);
    status_of(&mut stream)
}

/// Reads an answer's status line.
fn status_of(stream: &mut TcpStream) -> Option<u16> {
    let mut answer = Vec::new();
    let mut chunk = [0u8; 1024];
    while !answer.windows(2).any(|w| w == b"\r\n") && answer.len() < 4096 {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&chunk[..n]),
        }
    }
    let line = String::from_utf8_lossy(&answer);
    line.split(' ').nth(1)?.parse().ok()
}

/// Polls `done` until it holds, at most `WAIT`.
fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting: {what}");
        std::thread::sleep(POLL);
    }
}

/// One request the app got.
#[derive(Debug, Clone)]
struct Got {
    key: Option<String>,
    body: Vec<u8>,
    /// The signature verified with `SECRET`, and the timestamp is fresh.
    verified: bool,
    /// What the app answered.
    status: u16,
}

#[derive(Default)]
struct AppState {
    got: Vec<Got>,
    /// Statuses to answer, in turn, per idempotency key; then `default`.
    plan: HashMap<String, VecDeque<u16>>,
    default: u16,
    /// Forwards being answered now, per object; and the most there ever were.
    in_flight: HashMap<String, usize>,
    max_in_flight: usize,
    /// Requests that arrived (answered or not yet).
    arrived: usize,
}

/// The user's app: verifies each forward as production code would, records it, and
/// answers as planned (200 unless told otherwise), after `delay`.
struct App {
    url: String,
    state: Arc<Mutex<AppState>>,
}

impl App {
    fn start(delay: Duration) -> App {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/app/hook", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(AppState {
            default: 200,
            ..AppState::default()
        }));
        let shared = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let shared = shared.clone();
                std::thread::spawn(move || serve_app(stream, &shared, delay));
            }
        });
        App { url, state }
    }

    fn answer_by_default(&self, status: u16) {
        self.state.lock().unwrap().default = status;
    }

    fn plan(&self, key: &str, statuses: &[u16]) {
        self.state
            .lock()
            .unwrap()
            .plan
            .insert(key.to_owned(), statuses.iter().copied().collect());
    }

    fn got(&self) -> Vec<Got> {
        self.state.lock().unwrap().got.clone()
    }

    /// The most forwards of one object the app was answering at one time.
    fn arrived(&self) -> usize {
        self.state.lock().unwrap().arrived
    }

    fn max_in_flight_per_object(&self) -> usize {
        self.state.lock().unwrap().max_in_flight
    }

    /// The requests the app answered 2xx, per key.
    fn acks(&self) -> HashMap<String, usize> {
        let mut acks = HashMap::new();
        for got in self.got() {
            if (200..300).contains(&got.status) {
                *acks.entry(got.key.clone().unwrap_or_default()).or_default() += 1;
            }
        }
        acks
    }
}

fn serve_app(mut stream: TcpStream, state: &Mutex<AppState>, delay: Duration) {
    let _ = stream.set_read_timeout(Some(WAIT));
    let Some(super::listen::Received { headers, body }) = super::listen::read_request(&mut stream)
    else {
        return;
    };
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let verified = Verifier::new(SECRET)
        .unwrap()
        .verify(
            &body,
            &header("revolut-request-timestamp").unwrap_or_default(),
            &header("revolut-signature").unwrap_or_default(),
        )
        .is_ok();
    let key = header("idempotency-key");
    let object = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v["data"]["id"].as_str().map(str::to_owned))
        .unwrap_or_default();
    {
        let mut state = state.lock().unwrap();
        state.arrived += 1;
        let now = state.in_flight.entry(object.clone()).or_default();
        *now += 1;
        let now = *now;
        state.max_in_flight = state.max_in_flight.max(now);
    }
    std::thread::sleep(delay);
    let status = {
        let mut state = state.lock().unwrap();
        if let Some(n) = state.in_flight.get_mut(&object) {
            *n -= 1;
        }
        let planned = key
            .as_ref()
            .and_then(|k| state.plan.get_mut(k))
            .and_then(VecDeque::pop_front);
        let status = if verified {
            planned.unwrap_or(state.default)
        } else {
            401
        };
        state.got.push(Got {
            key,
            body,
            verified,
            status,
        });
        status
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
}

/// A running `revolut-webhooks relay -o json`, killed when dropped.
struct Relay {
    child: Child,
    lines: Receiver<Value>,
    stderr: Arc<Mutex<String>>,
    url: String,
}

impl Relay {
    /// Starts a relay on `store` forwarding to `app`, with short leases and retries
    /// unless `extra` says otherwise (later flags win).
    fn start(store: &str, app: &str, extra: &[&str]) -> Relay {
        Relay::start_with_env(store, app, extra, &[])
    }

    /// [`Relay::start`] with these environment variables set.
    fn start_with_env(store: &str, app: &str, extra: &[&str], env: &[(&str, &str)]) -> Relay {
        // clap refuses a flag given twice: the defaults `extra` does not name.
        let defaults = [
            ("--lease", "3s"),
            ("--timeout", "2s"),
            ("--retry-min", "50ms"),
            ("--retry-max", "200ms"),
        ];
        let mut child = Command::new(BIN)
            .args(["relay", "-o", "json", "--store", store, "--forward-to", app])
            .args(["--secret", SECRET])
            .args(
                defaults
                    .iter()
                    .filter(|(flag, _)| !extra.contains(flag))
                    .flat_map(|(flag, value)| [*flag, *value]),
            )
            .args(extra)
            .env_remove("REVOLUT_WEBHOOK_SECRET")
            .env_remove("REVOLUT_INBOX_STORE")
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
                let value = serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("not a JSON line: {line:?}: {e}"));
                if tx.send(value).is_err() {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut pipe = child.stderr.take().unwrap();
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let mut chunk = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&chunk[..n]));
            }
        });
        let mut relay = Relay {
            child,
            lines,
            stderr,
            url: String::new(),
        };
        let first = relay.line();
        relay.url = first["listening"].as_str().unwrap().to_owned();
        assert!(relay.url.starts_with("http://127.0.0.1:"), "{first}");
        relay
    }

    fn line(&mut self) -> Value {
        match self.lines.recv_timeout(WAIT) {
            Ok(line) => line,
            Err(e) => {
                let _ = self.child.kill();
                panic!(
                    "no line from the relay ({e}); stderr: {}",
                    self.stderr.lock().unwrap()
                );
            }
        }
    }

    /// The next line of type `kind` (`delivery` or `forward`), skipping others.
    fn next(&mut self, kind: &str) -> Value {
        let deadline = Instant::now() + WAIT;
        loop {
            assert!(Instant::now() < deadline, "no {kind} line");
            let line = self.line();
            if line["type"] == kind {
                return line;
            }
        }
    }

    /// Lines printed so far, without waiting.
    fn drain(&mut self) -> Vec<Value> {
        self.lines.try_iter().collect()
    }

    /// SIGTERM, then the exit code (bounded wait).
    fn terminate(&mut self) -> i32 {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code().unwrap_or(-1);
            }
            assert!(
                Instant::now() < deadline,
                "the relay did not stop after SIGTERM; stderr: {}",
                self.stderr.lock().unwrap()
            );
            std::thread::sleep(POLL);
        }
    }

    /// `kill -9`: no chance to finish anything.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `revolut-webhooks ARGS -o json` to the end: exit code and JSON lines of stdout.
fn run_json(args: &[&str], env: &[(&str, &str)]) -> (i32, Vec<Value>, String) {
    let out = Command::new(BIN)
        .args(args)
        .args(["-o", "json"])
        .env_remove("REVOLUT_INBOX_STORE")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}")))
        .collect();
    (
        out.status.code().unwrap_or(-1),
        lines,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `inbox status -o json` of `store`.
fn status(store: &str) -> Value {
    let (code, lines, stderr) = run_json(&["inbox", "status", "--store", store], &[]);
    assert_eq!(code, 0, "{stderr}");
    lines.into_iter().next().unwrap()
}
