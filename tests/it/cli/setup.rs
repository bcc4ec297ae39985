//! What the binary's end-to-end tests share: a run of the binary against the
//! in-process emulator, a receiver that verifies and records, the replay state files.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use revolut_webhooks::auth::StaticToken;
use revolut_webhooks::blocking::Client;
use revolut_webhooks::checkpoint::Checkpoint;
use revolut_webhooks::emulator::{Emulator, Event};
use revolut_webhooks::signature::Verifier;
use revolut_webhooks::{CreateWebhook, EventType, FailedEventsQuery, ManualClock};
use revolut_webhooks::{FailedEventId, WebhookId};
use serde_json::{Value, json};
use time::OffsetDateTime;

pub(super) const BIN: &str = env!("CARGO_BIN_EXE_revolut-webhooks");
pub(super) const RECEIVER_SECRET: &str = "wsk_receiverSecretForReplay0123456";

/// One run of the binary.
#[derive(Debug)]
pub(super) struct Run {
    pub(super) code: i32,
    pub(super) stdout: String,
    pub(super) stderr: String,
}

impl Run {
    pub(super) fn json_lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}")))
            .collect()
    }

    pub(super) fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

pub(super) struct Setup {
    pub(super) emulator: Emulator,
    pub(super) clock: ManualClock,
    pub(super) dir: PathBuf,
}

impl Setup {
    pub(super) fn new(name: &str) -> Setup {
        Self::starting_at(name, OffsetDateTime::now_utc() - time::Duration::hours(2))
    }

    /// With the emulator's clock at `start`.
    pub(super) fn starting_at(name: &str, start: OffsetDateTime) -> Setup {
        let clock = ManualClock::new(start);
        let emulator = Emulator::builder()
            .clock(clock.clone())
            .retry_interval(Duration::from_millis(1))
            .delivery_timeout(Duration::from_secs(1))
            .allow_loopback_http(true)
            .start()
            .unwrap();
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-{name}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Setup {
            emulator,
            clock,
            dir,
        }
    }

    pub(super) fn token(&self) -> &str {
        self.emulator.access_token().expose_secret()
    }

    /// Runs the binary with the emulator's environment and token.
    pub(super) fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[("REVOLUT_ACCESS_TOKEN", self.token())])
    }

    pub(super) fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let out = self.command(args, env).output().unwrap();
        let run = Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8(out.stdout).unwrap(),
            stderr: String::from_utf8(out.stderr).unwrap(),
        };
        assert!(
            !run.all().contains(self.token()),
            "the access token was printed: {run:?}"
        );
        run
    }

    /// The binary, with only the environment given (plus the emulator's address),
    /// in the test's directory.
    pub(super) fn command(&self, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut command = Command::new(BIN);
        for var in [
            "REVOLUT_ACCESS_TOKEN",
            "REVOLUT_REFRESH_TOKEN",
            "REVOLUT_CLIENT_ID",
            "REVOLUT_REDIRECT_URI",
            "REVOLUT_PRIVATE_KEY",
            "REVOLUT_CLIENT_ASSERTION",
            "REVOLUT_WEBHOOK_SECRET",
        ] {
            command.env_remove(var);
        }
        command
            .env("REVOLUT_ENVIRONMENT", self.emulator.base_url())
            .envs(env.iter().copied())
            .current_dir(&self.dir)
            .args(args)
            .stdin(Stdio::null());
        command
    }

    pub(super) fn client(&self) -> Client {
        Client::builder()
            .environment(self.emulator.environment())
            .token_provider(StaticToken::new(self.token()))
            .build()
            .unwrap()
    }

    /// A webhook whose receiver is down (nothing listens on port 1), and `n` events
    /// that fail on it, one minute apart on the emulator's clock.
    pub(super) fn outage(&self, n: usize) -> WebhookId {
        self.outage_every(n, time::Duration::minutes(1))
    }

    /// Like `outage`, with the events `step` apart.
    pub(super) fn outage_every(&self, n: usize, step: time::Duration) -> WebhookId {
        let hook = self
            .client()
            .webhooks()
            .create(
                &CreateWebhook::new("https://127.0.0.1:1/down")
                    .unwrap()
                    .with_events([EventType::TransactionCreated])
                    .unwrap(),
            )
            .unwrap();
        for i in 0..n {
            self.clock.advance(step);
            let event = Event::transaction_created().with_data(json!({
                "id": format!("evt-{i}"),
                "type": "transfer",
                "state": "pending",
            }));
            let report = self.emulator.emit_and_wait(event);
            assert!(!report.all_delivered());
        }
        hook.id
    }

    pub(super) fn secrets(&self, id: WebhookId) -> Vec<String> {
        self.emulator
            .active_signing_secrets(id)
            .iter()
            .map(|s| s.expose_secret().to_owned())
            .collect()
    }
}

pub(super) fn assert_code(run: &Run, code: i32) {
    assert_eq!(run.code, code, "{run:?}");
}

/// The first line of stderr, and that there is only one.
pub(super) fn one_error_line(run: &Run) -> &str {
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{run:?}");
    assert!(lines[0].starts_with("error: "), "{run:?}");
    lines[0]
}

pub(super) struct Receiver {
    pub(super) url: String,
    pub(super) accepted: Arc<Mutex<Vec<Vec<u8>>>>,
    pub(super) budget: Arc<AtomicUsize>,
    pub(super) requests: Arc<AtomicUsize>,
}

impl Receiver {
    pub(super) fn start(budget: usize) -> Receiver {
        Self::start_with(budget, false)
    }

    /// After `budget` deliveries, takes each request and never answers it.
    pub(super) fn stalling(budget: usize) -> Receiver {
        Self::start_with(budget, true)
    }

    pub(super) fn start_with(budget: usize, stall: bool) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        let accepted = Arc::new(Mutex::new(Vec::new()));
        let budget = Arc::new(AtomicUsize::new(budget));
        let requests = Arc::new(AtomicUsize::new(0));
        let (acc, bud, req) = (accepted.clone(), budget.clone(), requests.clone());
        std::thread::spawn(move || {
            let verifier = Verifier::new(RECEIVER_SECRET).unwrap();
            let mut held = Vec::new();
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                stream
                    .set_read_timeout(Some(Duration::from_secs(1)))
                    .unwrap();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut headers = HashMap::new();
                let mut line = String::new();
                reader.read_line(&mut line).unwrap_or(0);
                loop {
                    line.clear();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some((k, v)) = line.split_once(':') {
                        headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
                    }
                }
                let len: usize = headers
                    .get("content-length")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                let mut body = vec![0; len];
                let _ = reader.read_exact(&mut body);
                req.fetch_add(1, Ordering::SeqCst);
                let get = |k: &str| headers.get(k).map(String::as_str).unwrap_or("");
                let status = if verifier
                    .verify(
                        &body,
                        get("revolut-request-timestamp"),
                        get("revolut-signature"),
                    )
                    .is_err()
                {
                    401
                } else if bud
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |b| b.checked_sub(1))
                    .is_ok()
                {
                    acc.lock().unwrap().push(body);
                    200
                } else if stall {
                    held.push(stream);
                    continue;
                } else {
                    503
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                );
            }
        });
        Receiver {
            url,
            accepted,
            budget,
            requests,
        }
    }

    pub(super) fn data_ids(&self) -> Vec<String> {
        self.accepted
            .lock()
            .unwrap()
            .iter()
            .map(|b| {
                let v: Value = serde_json::from_slice(b).unwrap();
                v["data"]["id"].as_str().unwrap().to_owned()
            })
            .collect()
    }
}

/// Waits at most five seconds for the child, then kills it; its exit code, or -1
/// when it was killed (a run that hangs fails the test instead of blocking it).
pub(super) fn wait_bounded(child: &mut std::process::Child) -> i32 {
    for _ in 0..100 {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code().unwrap_or(-1);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    -1
}

pub(super) fn state_files(s: &Setup, id: WebhookId) -> Vec<PathBuf> {
    let prefix = format!("revolut-replay-{id}");
    std::fs::read_dir(&s.dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with(&prefix)
        })
        .collect()
}

/// The one default checkpoint of webhook `id`.
pub(super) fn default_state(s: &Setup, id: WebhookId) -> PathBuf {
    let files = state_files(s, id);
    assert_eq!(files.len(), 1, "{files:?}");
    files[0].clone()
}

/// The event ids a checkpoint records as delivered to `receiver`, read with the library.
pub(super) fn state_ids(
    path: &std::path::Path,
    id: WebhookId,
    receiver: &str,
) -> HashSet<FailedEventId> {
    Checkpoint::builder(path, id, receiver).peek().unwrap()
}

/// The failed events' ids, oldest first.
pub(super) fn failed_ids_oldest_first(s: &Setup, id: WebhookId) -> Vec<FailedEventId> {
    let mut events: Vec<_> = s
        .client()
        .webhooks()
        .failed_events_all(id, &FailedEventsQuery::new())
        .unwrap()
        .map(|e| e.unwrap())
        .collect();
    events.sort_by_key(|e| e.created_at);
    events.iter().map(|e| e.id).collect()
}
