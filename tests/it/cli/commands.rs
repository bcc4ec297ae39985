//! End-to-end tests of the `revolut-webhooks` binary against the in-process emulator
//! (127.0.0.1 only): every subcommand in both output formats, replay after an outage
//! (interrupted and resumed), verify, the exit codes, and secrets kept out of output.

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
use revolut_webhooks::signature::{sign_delivery, timestamp_ms};
use revolut_webhooks::{CreateWebhook, EventType, FailedEventsQuery, ManualClock, SigningSecret};
use revolut_webhooks::{FailedEventId, WebhookId};
use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

const BIN: &str = env!("CARGO_BIN_EXE_revolut-webhooks");
const RECEIVER_SECRET: &str = "wsk_receiverSecretForReplay0123456";

/// One run of the binary.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json_lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}")))
            .collect()
    }

    fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

struct Setup {
    emulator: Emulator,
    clock: ManualClock,
    dir: PathBuf,
}

impl Setup {
    fn new(name: &str) -> Setup {
        Self::starting_at(name, OffsetDateTime::now_utc() - time::Duration::hours(2))
    }

    /// With the emulator's clock at `start`.
    fn starting_at(name: &str, start: OffsetDateTime) -> Setup {
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

    fn token(&self) -> &str {
        self.emulator.access_token().expose_secret()
    }

    /// Runs the binary with the emulator's environment and token.
    fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[("REVOLUT_ACCESS_TOKEN", self.token())])
    }

    fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
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
    fn command(&self, args: &[&str], env: &[(&str, &str)]) -> Command {
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

    fn client(&self) -> Client {
        Client::builder()
            .environment(self.emulator.environment())
            .token_provider(StaticToken::new(self.token()))
            .build()
            .unwrap()
    }

    /// A webhook whose receiver is down (nothing listens on port 1), and `n` events
    /// that fail on it, one minute apart on the emulator's clock.
    fn outage(&self, n: usize) -> WebhookId {
        self.outage_every(n, time::Duration::minutes(1))
    }

    /// Like `outage`, with the events `step` apart.
    fn outage_every(&self, n: usize, step: time::Duration) -> WebhookId {
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

    fn secrets(&self, id: WebhookId) -> Vec<String> {
        self.emulator
            .active_signing_secrets(id)
            .iter()
            .map(|s| s.expose_secret().to_owned())
            .collect()
    }
}

fn assert_code(run: &Run, code: i32) {
    assert_eq!(run.code, code, "{run:?}");
}

/// The first line of stderr, and that there is only one.
fn one_error_line(run: &Run) -> &str {
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{run:?}");
    assert!(lines[0].starts_with("error: "), "{run:?}");
    lines[0]
}

#[test]
fn management_commands_in_both_formats_never_print_secrets_unasked() {
    let s = Setup::new("manage");

    // create, table and json
    let created = s.run(&[
        "create",
        "https://127.0.0.1:9/a",
        "--events",
        "TransactionCreated",
    ]);
    assert_code(&created, 0);
    assert!(created.stdout.starts_with("ID"), "{created:?}");
    assert!(
        created
            .stdout
            .contains("https://127.0.0.1:9/a  TransactionCreated")
    );
    assert!(created.stderr.contains("--show-secret"));
    let id_a: WebhookId = created.stdout.lines().nth(1).unwrap()[..36]
        .parse()
        .unwrap();

    let created = s.run(&["create", "https://127.0.0.1:9/b", "-o", "json"]);
    assert_code(&created, 0);
    let b = &created.json_lines()[0];
    assert_eq!(b["url"], "https://127.0.0.1:9/b");
    assert_eq!(
        b["events"],
        json!(["TransactionCreated", "TransactionStateChanged"])
    );
    assert!(b.get("signing_secret").is_none());
    let id_b: WebhookId = b["id"].as_str().unwrap().parse().unwrap();

    // list
    let list = s.run(&["list"]);
    assert_code(&list, 0);
    assert_eq!(list.stdout.lines().count(), 3, "{list:?}");
    assert!(list.stdout.lines().next().unwrap().starts_with("ID"));
    let list = s.run(&["list", "--output", "json"]);
    let ids: HashSet<String> = list
        .json_lines()
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, HashSet::from([id_a.to_string(), id_b.to_string()]));

    // get, with and without the secret
    let get = s.run(&["get", &id_a.to_string()]);
    assert_code(&get, 0);
    assert!(get.stdout.contains(&id_a.to_string()));
    assert!(!get.stdout.contains("SIGNING SECRET"));
    let get = s.run(&["get", &id_a.to_string(), "-o", "json"]);
    assert!(get.json_lines()[0].get("signing_secret").is_none());
    let secret_a = &s.secrets(id_a)[0];
    let shown = s.run(&["get", &id_a.to_string(), "--show-secret"]);
    assert!(shown.stdout.contains("SIGNING SECRET"));
    assert!(shown.stdout.contains(secret_a.as_str()));
    let shown = s.run(&["get", &id_a.to_string(), "--show-secret", "-o", "json"]);
    assert_eq!(shown.json_lines()[0]["signing_secret"], secret_a.as_str());

    // update
    let update = s.run(&[
        "update",
        &id_a.to_string(),
        "--url",
        "https://127.0.0.1:9/a2",
        "--events",
        "PayoutLinkCreated,PayoutLinkStateChanged",
    ]);
    assert_code(&update, 0);
    assert!(
        update
            .stdout
            .contains("https://127.0.0.1:9/a2  PayoutLinkCreated,PayoutLinkStateChanged")
    );
    let update = s.run(&[
        "update",
        &id_b.to_string(),
        "--events",
        "TransactionStateChanged",
        "-o",
        "json",
    ]);
    assert_eq!(
        update.json_lines()[0]["events"],
        json!(["TransactionStateChanged"])
    );

    // rotate, keeping the old secret 5h30m
    let rotate = s.run(&["rotate", &id_a.to_string(), "--expire-after", "PT5H30M"]);
    assert_code(&rotate, 0);
    assert_eq!(s.secrets(id_a).len(), 2);
    let rotate = s.run(&["rotate", &id_b.to_string(), "-o", "json"]);
    assert_code(&rotate, 0);
    assert!(rotate.json_lines()[0].get("signing_secret").is_none());
    let rotate = s.run(&["rotate", &id_b.to_string(), "--show-secret", "-o", "json"]);
    assert_eq!(
        rotate.json_lines()[0]["signing_secret"],
        s.secrets(id_b)[0].as_str()
    );

    // no output so far, except the --show-secret ones, held any secret
    let mut every_secret = s.secrets(id_a);
    every_secret.extend(s.secrets(id_b));
    let quiet = [
        s.run(&["list"]),
        s.run(&["list", "-o", "json"]),
        s.run(&["get", &id_a.to_string()]),
        s.run(&["get", &id_b.to_string(), "-o", "json"]),
        s.run(&["rotate", &id_b.to_string(), "--expire-after", "PT1M"]),
        s.run(&["failed", &id_a.to_string(), "--all"]),
    ];
    every_secret.extend(s.secrets(id_b));
    for run in &quiet {
        for secret in &every_secret {
            assert!(!run.all().contains(secret.as_str()), "{run:?}");
        }
        assert!(!run.all().contains("wsk_"), "{run:?}");
    }

    // delete
    let delete = s.run(&["delete", &id_a.to_string()]);
    assert_code(&delete, 0);
    assert_eq!(delete.stdout.trim(), format!("deleted {id_a}"));
    let delete = s.run(&["delete", &id_b.to_string(), "-o", "json"]);
    assert_eq!(
        delete.json_lines()[0],
        json!({ "id": id_b.to_string(), "deleted": true })
    );
    let list = s.run(&["list"]);
    assert_eq!(list.stdout.trim(), "no webhooks");
    assert_eq!(s.run(&["list", "-o", "json"]).stdout, "");
}

#[test]
fn failed_lists_one_page_or_all_with_limit_and_before_in_both_formats() {
    let s = Setup::new("failed");
    let id = s.outage(5);
    let id = id.to_string();

    let page = s.run(&["failed", &id, "--limit", "2", "-o", "json"]);
    assert_code(&page, 0);
    let page = page.json_lines();
    assert_eq!(page.len(), 2);
    assert_eq!(page[0]["payload"]["data"]["id"], "evt-4", "newest first");
    assert_eq!(page[0]["webhook_id"], id.as_str());

    let all = s.run(&["failed", &id, "--all", "--limit", "2", "-o", "json"]);
    assert_code(&all, 0);
    let ids: Vec<String> = all
        .json_lines()
        .iter()
        .map(|v| v["payload"]["data"]["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, ["evt-4", "evt-3", "evt-2", "evt-1", "evt-0"]);

    let table = s.run(&["failed", &id, "--all", "--limit", "2"]);
    assert_code(&table, 0);
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert_eq!(lines.len(), 6, "{table:?}");
    assert!(lines[0].starts_with("ID") && lines[0].contains("CREATED AT"));
    assert!(lines[1..].iter().all(|l| l.ends_with("TransactionCreated")));

    let one_page = s.run(&["failed", &id]);
    assert_eq!(one_page.stdout.lines().count(), 6);

    // --before: a date after everything, and a date-time before everything.
    let tomorrow = (OffsetDateTime::now_utc() + time::Duration::days(1)).date();
    let before = s.run(&[
        "failed",
        &id,
        "--before",
        &tomorrow.to_string(),
        "-o",
        "json",
    ]);
    assert_code(&before, 0);
    assert_eq!(before.json_lines().len(), 5);
    let early = (OffsetDateTime::now_utc() - time::Duration::hours(3))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let none = s.run(&["failed", &id, "--before", &early]);
    assert_code(&none, 0);
    assert_eq!(none.stdout.trim(), "no failed events");
    assert_eq!(
        s.run(&["failed", &id, "--all", "--before", &early, "-o", "json"])
            .stdout,
        ""
    );
}

/// A receiver that accepts `budget` deliveries with a valid signature and then
/// answers 503 (an outage) until the budget is raised.
struct Receiver {
    url: String,
    accepted: Arc<Mutex<Vec<Vec<u8>>>>,
    budget: Arc<AtomicUsize>,
    requests: Arc<AtomicUsize>,
}

impl Receiver {
    fn start(budget: usize) -> Receiver {
        Self::start_with(budget, false)
    }

    /// After `budget` deliveries, takes each request and never answers it.
    fn stalling(budget: usize) -> Receiver {
        Self::start_with(budget, true)
    }

    fn start_with(budget: usize, stall: bool) -> Receiver {
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

    fn data_ids(&self) -> Vec<String> {
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

#[test]
fn replay_after_an_outage_delivers_every_event_exactly_once_across_an_interruption() {
    let s = Setup::new("replay");
    let id = s.outage(6);
    let receiver = Receiver::start(2);
    let id_s = id.to_string();
    let args = [
        "replay",
        &id_s,
        "--to",
        &receiver.url,
        "--max-consecutive-failures",
        "2",
    ];
    let secret = [
        ("REVOLUT_ACCESS_TOKEN", s.token()),
        ("REVOLUT_WEBHOOK_SECRET", RECEIVER_SECRET),
    ];

    // The receiver goes down again after two events: partial replay, exit 5.
    let first = s.run_with(&args, &secret);
    assert_code(&first, 5);
    assert_eq!(receiver.data_ids(), ["evt-0", "evt-1"], "oldest first");
    assert!(
        first.stdout.contains(
            "replay: 2 delivered, 0 skipped (delivered before), 2 failed, 2 not attempted"
        ),
        "{first:?}"
    );
    assert!(first.stderr.contains("run the same command again"));
    let state = default_state(&s, id);
    assert_eq!(state_ids(&state, id, &receiver.url).len(), 2);

    // The receiver is back: the rerun sends only the rest.
    receiver.budget.store(usize::MAX, Ordering::SeqCst);
    let mut json_args = args.to_vec();
    json_args.extend(["-o", "json"]);
    let second = s.run_with(&json_args, &secret);
    assert_code(&second, 0);
    let lines = second.json_lines();
    let results: Vec<&str> = lines[..6]
        .iter()
        .map(|l| l["result"].as_str().unwrap())
        .collect();
    assert_eq!(
        results,
        [
            "skipped",
            "skipped",
            "delivered",
            "delivered",
            "delivered",
            "delivered"
        ]
    );
    assert_eq!(
        lines[6]["summary"],
        json!({"delivered": 4, "skipped": 2, "failed": 0, "not_attempted": 0, "would_deliver": 0})
    );

    // A third run has nothing left to send.
    let requests = receiver.requests.load(Ordering::SeqCst);
    let third = s.run_with(&args, &secret);
    assert_code(&third, 0);
    assert!(third.stdout.contains("replay: 0 delivered, 6 skipped"));
    assert_eq!(receiver.requests.load(Ordering::SeqCst), requests);

    // Each event exactly once, byte for byte the payload Revolut had failed to deliver.
    let mut seen = receiver.data_ids();
    seen.sort();
    let expected: Vec<String> = (0..6).map(|i| format!("evt-{i}")).collect();
    assert_eq!(seen, expected);
    let payloads: HashSet<Vec<u8>> = s
        .client()
        .webhooks()
        .failed_events_all(id, &FailedEventsQuery::new())
        .unwrap()
        .map(|e| e.unwrap().payload_json().as_bytes().to_vec())
        .collect();
    let bodies: HashSet<Vec<u8>> = receiver.accepted.lock().unwrap().iter().cloned().collect();
    assert_eq!(bodies, payloads);
    assert!(
        !first.all().contains(RECEIVER_SECRET) && !second.all().contains(RECEIVER_SECRET),
        "the replay secret was printed"
    );
}

#[test]
fn replay_dry_run_and_time_range() {
    let s = Setup::new("replay-range");
    let id = s.outage(4);
    let receiver = Receiver::start(usize::MAX);
    let id_s = id.to_string();
    let env = [
        ("REVOLUT_ACCESS_TOKEN", s.token()),
        ("REVOLUT_WEBHOOK_SECRET", RECEIVER_SECRET),
    ];
    let events: Vec<Value> = s.run(&["failed", &id_s, "-o", "json"]).json_lines();
    // Newest first: evt-3, evt-2, evt-1, evt-0.
    let created = |i: usize| events[3 - i]["created_at"].as_str().unwrap().to_owned();

    let dry = s.run_with(&["replay", &id_s, "--to", &receiver.url, "--dry-run"], &env);
    assert_code(&dry, 0);
    assert_eq!(dry.stdout.matches("would-deliver").count(), 4, "{dry:?}");
    assert!(dry.stdout.contains("4 would be delivered (dry run)"));
    assert_eq!(receiver.requests.load(Ordering::SeqCst), 0);
    assert!(state_files(&s, id).is_empty());

    // evt-1 and evt-2: since is inclusive, until exclusive.
    let state = s.dir.join("range.ids");
    let state_s = state.to_str().unwrap();
    let (since, until) = (created(1), created(3));
    let ranged = s.run_with(
        &[
            "replay",
            &id_s,
            "--to",
            &receiver.url,
            "--since",
            &since,
            "--until",
            &until,
            "--state",
            state_s,
            "-o",
            "json",
        ],
        &env,
    );
    assert_code(&ranged, 0);
    assert_eq!(receiver.data_ids(), ["evt-1", "evt-2"]);
    assert_eq!(ranged.json_lines().len(), 3);
    assert_eq!(state_ids(&state, id, &receiver.url).len(), 2);
}

#[test]
fn verify_says_valid_or_why_not() {
    let s = Setup::new("verify");
    let body = br#"{"data":{"id":"645a7696-22f3-aa47-9c74-cbae0449cc46","new_state":"completed","old_state":"pending","request_id":"app_charges-1"},"event":"TransactionStateChanged","timestamp":"2023-05-09T16:36:38.028960Z"}"#;
    let good = s.dir.join("body.json");
    std::fs::write(&good, body).unwrap();
    let tampered = s.dir.join("tampered.json");
    std::fs::write(
        &tampered,
        String::from_utf8_lossy(body).replace("completed", "reverted"),
    )
    .unwrap();
    let secret = SigningSecret::from(RECEIVER_SECRET);
    let now = timestamp_ms(OffsetDateTime::now_utc());
    let signature = sign_delivery(&secret, now, body);
    let now = now.to_string();
    let verify = |file: &PathBuf, ts: &str, extra: &[&str]| {
        let mut args = vec![
            "verify",
            "--body",
            file.to_str().unwrap(),
            "--timestamp",
            ts,
            "--signature",
            &signature,
        ];
        args.extend(extra);
        s.run_with(&args, &[("REVOLUT_WEBHOOK_SECRET", RECEIVER_SECRET)])
    };

    let ok = verify(&good, &now, &[]);
    assert_code(&ok, 0);
    assert!(ok.stdout.starts_with("valid"));
    let ok = verify(&good, &now, &["-o", "json"]);
    assert_eq!(ok.json_lines()[0], json!({ "valid": true }));

    let bad = verify(&tampered, &now, &[]);
    assert_code(&bad, 4);
    assert_eq!(bad.stdout.trim(), "invalid: no webhook signature matches");
    let bad = verify(&tampered, &now, &["-o", "json"]);
    assert_code(&bad, 4);
    assert_eq!(
        bad.json_lines()[0],
        json!({ "valid": false, "reason": "no webhook signature matches" })
    );

    // An old capture: refused for its age unless asked not to check it.
    let old_ts = "1683650202360";
    let old_sig = sign_delivery(&secret, 1683650202360, body);
    let args = |ignore: bool| {
        let mut a = vec![
            "verify",
            "--body",
            good.to_str().unwrap(),
            "--timestamp",
            old_ts,
            "--signature",
            &old_sig,
            "--secret",
            "wsk_someOtherSecret0000,wsk_receiverSecretForReplay0123456",
        ];
        if ignore {
            a.push("--ignore-age");
        }
        a
    };
    let stale = s.run_with(&args(false), &[]);
    assert_code(&stale, 4);
    assert!(
        stale
            .stdout
            .starts_with("invalid: webhook timestamp is too old")
    );
    assert_code(&s.run_with(&args(true), &[]), 0);

    let malformed = verify(&good, "yesterday", &[]);
    assert_code(&malformed, 4);
    assert!(
        malformed
            .stdout
            .contains("malformed `Revolut-Request-Timestamp`")
    );

    // A secret that is not one, or a body that is not there: usage errors.
    let run = s.run_with(&args(true)[..7], &[("REVOLUT_WEBHOOK_SECRET", "nope")]);
    assert_code(&run, 2);
    assert!(one_error_line(&run).contains("does not start with `wsk_`"));
    let missing = s.dir.join("missing.json");
    assert_code(&verify(&missing, &now, &[]), 2);
    for run in [ok, bad, stale] {
        assert!(!run.all().contains(RECEIVER_SECRET));
    }
}

#[test]
fn exit_codes_and_one_line_errors() {
    let s = Setup::new("errors");
    let unknown = Uuid::new_v4().to_string();

    // 1: the API said no.
    let run = s.run(&["get", &unknown]);
    assert_code(&run, 1);
    assert_eq!(
        one_error_line(&run),
        "error: HTTP 404, Revolut code 3040: Webhook not found"
    );
    let run = s.run(&["delete", &unknown, "--verbose"]);
    assert_code(&run, 1);
    let line = one_error_line(&run);
    assert!(line.starts_with("error: HTTP 404, Revolut code 3040: Webhook not found ("));
    assert!(line.ends_with("(1 attempt)"), "{line}");
    let run = s.run(&["failed", &unknown, "--all", "-o", "json"]);
    assert_code(&run, 1);
    assert_eq!(run.stdout, "");

    // 2: usage.
    for args in [
        &[][..],
        &["list", "--bogus"],
        &["get", "not-a-uuid"],
        &["create", "http://example.com/hook"],
        &["create", "https://example.com/hook", "--events", "Nonsense"],
        &["update", &unknown],
        &["rotate", &unknown, "--expire-after", "P8D"],
        &["failed", &unknown, "--limit", "0"],
        &["failed", &unknown, "--before", "last week"],
        &["list", "--environment", "http://example.com"],
        &["list", "-o", "yaml"],
    ] {
        let run = s.run(args);
        assert_code(&run, 2);
        assert!(run.stderr.contains("error"), "{args:?}: {run:?}");
    }
    let run = s.run(&["rotate", &unknown, "--expire-after", "P8D"]);
    assert_eq!(one_error_line(&run).matches("P7D").count(), 1, "{run:?}");

    // 3: authentication.
    let run = s.run_with(&["list"], &[("REVOLUT_ACCESS_TOKEN", "oa_wrong")]);
    assert_code(&run, 3);
    assert!(one_error_line(&run).starts_with("error: HTTP 401, Revolut code 1000: "));
    assert!(!run.all().contains("oa_wrong"));
    let run = s.run_with(&["list", "-v"], &[("REVOLUT_ACCESS_TOKEN", "oa_wrong")]);
    let line = one_error_line(&run);
    assert!(line.contains("(error id "), "{line}");
    assert!(line.ends_with(", 1 attempt)"), "{line}");
    let run = s.run_with(&["list"], &[]);
    assert_code(&run, 3);
    assert!(one_error_line(&run).contains("REVOLUT_ACCESS_TOKEN"));
    let run = s.run_with(
        &["list"],
        &[("REVOLUT_REFRESH_TOKEN", "oa_refresh_unknown")],
    );
    assert_code(&run, 3);
    assert!(one_error_line(&run).contains("client assertion"));
    let run = s.run_with(
        &["list"],
        &[
            ("REVOLUT_REFRESH_TOKEN", "oa_refresh_unknown"),
            ("REVOLUT_CLIENT_ASSERTION", "eyJhbGciOiJSUzI1NiJ9.e30.c2ln"),
        ],
    );
    assert_code(&run, 3);
    let line = one_error_line(&run);
    assert!(
        !line.contains("oa_refresh_unknown") && !line.contains("eyJ"),
        "{line}"
    );

    // 0: help and version.
    let help = s.run(&["--help"]);
    assert_code(&help, 0);
    for word in [
        "list",
        "get",
        "create",
        "update",
        "delete",
        "rotate",
        "failed",
        "replay",
        "verify",
        "emulator",
        "Exit codes",
    ] {
        assert!(help.stdout.contains(word), "{word}: {help:?}");
    }
    assert_code(&s.run(&["--version"]), 0);
    // Secrets in the environment are not shown by --help.
    let help = s.run_with(
        &["replay", "--help"],
        &[("REVOLUT_WEBHOOK_SECRET", RECEIVER_SECRET)],
    );
    assert!(!help.stdout.contains(RECEIVER_SECRET));

    // 4 and 5 are covered by the verify and replay tests; 5 with no receiver at all:
    let id = s.outage(1).to_string();
    let run = s.run_with(
        &[
            "replay",
            &id,
            "--to",
            "http://127.0.0.1:1/nothing",
            "--state",
            "x.ids",
        ],
        &[
            ("REVOLUT_ACCESS_TOKEN", s.token()),
            ("REVOLUT_WEBHOOK_SECRET", RECEIVER_SECRET),
        ],
    );
    assert_code(&run, 5);
    assert!(
        run.stdout
            .contains("0 delivered, 0 skipped (delivered before), 1 failed")
    );
}

#[test]
fn emulator_subcommand_serves_the_api() {
    let mut child = Command::new(BIN)
        .args(["emulator", "--retry-interval-ms", "5", "-o", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let started: Value = serde_json::from_str(&line).unwrap();
    let base = started["base_url"].as_str().unwrap();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    let client = Client::builder()
        .environment(revolut_webhooks::Environment::custom(base).unwrap())
        .token_provider(StaticToken::new(started["access_token"].as_str().unwrap()))
        .build()
        .unwrap();
    let listed = client.webhooks().list();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(listed.unwrap().is_empty());
}

/// Waits at most five seconds for the child, then kills it; its exit code, or -1
/// when it was killed (a run that hangs fails the test instead of blocking it).
fn wait_bounded(child: &mut std::process::Child) -> i32 {
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

#[test]
fn a_closed_stdout_ends_the_run_quietly_with_success() {
    let s = Setup::new("pipe");
    let id = s.outage(3).to_string();
    let env = [
        ("REVOLUT_ACCESS_TOKEN", s.token()),
        ("REVOLUT_WEBHOOK_SECRET", RECEIVER_SECRET),
    ];
    for args in [
        &["failed", &id, "--all", "-o", "json"][..],
        &["failed", &id, "--all"],
        &["failed", &id],
        &["list"],
        &["list", "-o", "json"],
        &["get", &id],
        &["replay", &id, "--to", "http://127.0.0.1:1/x", "--dry-run"],
        &["--help"],
    ] {
        // The reader is gone before the tool writes its first byte, as with
        // `| head -1` once head has its line: every write meets a closed pipe.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let mut child = s
            .command(args, &env)
            .stdout(writer)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        let code = wait_bounded(&mut child);
        assert_eq!((code, stderr.as_str()), (0, ""), "{args:?}");
    }
}

#[test]
fn times_print_with_six_fractional_digits_and_columns_align() {
    // Microseconds that end in zeros: .100000, then .100001 and .100002 (the
    // clock moves on before each event).
    let start = (OffsetDateTime::now_utc() - time::Duration::hours(2))
        .replace_microsecond(99_999)
        .unwrap();
    let s = Setup::starting_at("times", start);
    let id = s.outage_every(
        3,
        time::Duration::minutes(1) + time::Duration::microseconds(1),
    );
    let id_s = id.to_string();
    let exact = |text: &str| {
        text.len() == 27
            && text.as_bytes()[19] == b'.'
            && text[20..26].bytes().all(|b| b.is_ascii_digit())
            && text.ends_with('Z')
    };

    let json = s.run(&["failed", &id_s, "-o", "json"]);
    assert_code(&json, 0);
    let lines = json.json_lines();
    let oldest = &lines[2];
    assert_eq!(oldest["payload"]["data"]["id"], "evt-0");
    assert!(
        oldest["created_at"].as_str().unwrap().ends_with(".100000Z"),
        "{oldest}"
    );
    for line in &lines {
        for field in ["created_at", "updated_at", "last_sent_date"] {
            let t = line[field].as_str().unwrap();
            assert!(exact(t), "{field}: {t}");
        }
    }

    // The same text in tables, and every column starts at the same place.
    let column_of = |lines: &[&str], word: &str| -> HashSet<usize> {
        lines.iter().map(|l| l.find(word).unwrap()).collect()
    };
    let table = s.run(&["failed", &id_s]);
    let rows: Vec<&str> = table.stdout.lines().skip(1).collect();
    assert!(table.stdout.contains(".100000Z"), "{table:?}");
    assert_eq!(column_of(&rows, "TransactionCreated").len(), 1, "{table:?}");

    let replay = s.run_with(
        &["replay", &id_s, "--to", "http://127.0.0.1:1/x", "--dry-run"],
        &[
            ("REVOLUT_ACCESS_TOKEN", s.token()),
            ("REVOLUT_WEBHOOK_SECRET", RECEIVER_SECRET),
        ],
    );
    assert_code(&replay, 0);
    let rows: Vec<&str> = replay
        .stdout
        .lines()
        .filter(|l| l.starts_with("would-deliver"))
        .collect();
    assert_eq!(rows.len(), 3, "{replay:?}");
    assert!(rows[0].contains(".100000Z"), "{replay:?}");
    assert_eq!(
        column_of(&rows, "TransactionCreated").len(),
        1,
        "{replay:?}"
    );
}

#[test]
fn one_page_of_failed_events_says_when_there_is_more() {
    let s = Setup::new("more");
    let id = s.outage(3).to_string();

    let page = s.run(&["failed", &id, "--limit", "2"]);
    assert_code(&page, 0);
    assert_eq!(page.stdout.lines().count(), 3, "{page:?}");
    assert!(
        page.stderr.contains("more failed events than the 2 shown")
            && page.stderr.contains("--all"),
        "{page:?}"
    );
    let page = s.run(&["failed", &id, "--limit", "2", "-o", "json"]);
    assert_eq!(page.json_lines().len(), 2);
    assert!(page.stderr.contains("--all"), "{page:?}");

    // Exactly a page, or less: nothing more to say.
    for args in [&["failed", &id, "--limit", "3"][..], &["failed", &id]] {
        let run = s.run(args);
        assert_code(&run, 0);
        assert_eq!(run.stdout.lines().count(), 4, "{run:?}");
        assert_eq!(run.stderr, "", "{args:?}");
    }
}

const CREDENTIAL_FLAGS: [&str; 7] = [
    "--environment",
    "--access-token",
    "--refresh-token",
    "--client-id",
    "--redirect-uri",
    "--private-key",
    "--client-assertion",
];

#[test]
fn help_fits_the_command() {
    let s = Setup::new("help");
    let help = s.run(&["--help"]);
    assert_code(&help, 0);
    assert_eq!(
        help.stdout.lines().next().unwrap(),
        "Manage, inspect, verify and replay Revolut Business webhooks from a shell."
    );
    for flag in CREDENTIAL_FLAGS {
        assert!(!help.stdout.contains(flag), "{flag}: {help:?}");
    }
    for command in ["verify", "emulator"] {
        let help = s.run(&[command, "--help"]);
        assert_code(&help, 0);
        for flag in CREDENTIAL_FLAGS {
            assert!(!help.stdout.contains(flag), "{command} {flag}: {help:?}");
        }
    }
    for command in [
        "list", "get", "create", "update", "delete", "rotate", "failed", "replay",
    ] {
        let help = s.run(&[command, "--help"]);
        assert_code(&help, 0);
        for flag in CREDENTIAL_FLAGS {
            assert!(help.stdout.contains(flag), "{command} {flag}: {help:?}");
        }
    }
    // A secret that may come from the environment is not shown as a required flag.
    for command in ["replay", "verify"] {
        let help = s.run(&[command, "--help"]);
        let usage = help
            .stdout
            .lines()
            .find(|l| l.starts_with("Usage:"))
            .unwrap();
        assert!(!usage.contains("--secret"), "{usage}");
    }
    // ... but is still needed.
    let run = s.run(&[
        "replay",
        &Uuid::new_v4().to_string(),
        "--to",
        "http://127.0.0.1:1/",
    ]);
    assert_code(&run, 2);
    assert!(
        one_error_line(&run).contains("REVOLUT_WEBHOOK_SECRET"),
        "{run:?}"
    );
}

#[test]
fn messages_name_the_flag_say_each_fact_once_and_use_human_units() {
    let s = Setup::new("words");
    let unknown = Uuid::new_v4().to_string();

    for (args, flag) in [
        (
            &["rotate", &unknown, "--expire-after", "P8D"][..],
            "--expire-after",
        ),
        (
            &["rotate", &unknown, "--expire-after", "PT5X"],
            "--expire-after",
        ),
        (&["failed", &unknown, "--limit", "0"], "--limit"),
        (&["failed", &unknown, "--before", "2020-01-01"], "--before"),
        (
            &["create", "https://127.0.0.1:9/a", "--events", "Nope"],
            "--events",
        ),
    ] {
        let run = s.run(args);
        assert_code(&run, 2);
        let line = one_error_line(&run);
        assert!(line.starts_with(&format!("error: {flag}")), "{line}");
        for field in ["expiration_period", "created_before", "invalid limit"] {
            assert!(!line.contains(field), "{line}");
        }
    }

    // Nothing listens on port 1: three attempts, said once.
    let run = s.run_with(
        &["list", "--verbose"],
        &[
            ("REVOLUT_ACCESS_TOKEN", s.token()),
            ("REVOLUT_ENVIRONMENT", "http://127.0.0.1:1"),
        ],
    );
    assert_code(&run, 1);
    let line = one_error_line(&run);
    assert_eq!(line.matches("attempt").count(), 1, "{line}");
    assert!(line.ends_with("(3 attempts)"), "{line}");

    // An old capture's age in days and hours, not milliseconds.
    let body = b"{}";
    let file = s.dir.join("body.json");
    std::fs::write(&file, body).unwrap();
    let ts = timestamp_ms(OffsetDateTime::now_utc() - time::Duration::hours(26));
    let sig = sign_delivery(&SigningSecret::from(RECEIVER_SECRET), ts, body);
    let run = s.run_with(
        &[
            "verify",
            "--body",
            file.to_str().unwrap(),
            "--timestamp",
            &ts.to_string(),
            "--signature",
            &sig,
        ],
        &[("REVOLUT_WEBHOOK_SECRET", RECEIVER_SECRET)],
    );
    assert_code(&run, 4);
    assert!(
        run.stdout.starts_with(
            "invalid: webhook timestamp is too old: 1 day 2 h ago, more than the 5 min tolerance"
        ),
        "{run:?}"
    );
    assert!(!run.stdout.contains("ms"), "{run:?}");
}

#[test]
fn every_duration_flag_is_bounded() {
    let s = Setup::new("durations");
    let id = Uuid::new_v4().to_string();
    let huge = "18446744073709551615";
    let env = [
        ("REVOLUT_ACCESS_TOKEN", s.token()),
        ("REVOLUT_WEBHOOK_SECRET", RECEIVER_SECRET),
    ];
    let replay = |timeout: &str| {
        vec![
            "replay".to_owned(),
            id.clone(),
            "--to".into(),
            "http://127.0.0.1:1/".into(),
            "--timeout".into(),
            timeout.into(),
        ]
    };
    let verify = |tolerance: &str| {
        [
            "verify",
            "--body",
            "-",
            "--timestamp",
            "1",
            "--signature",
            "v1=00",
            "--tolerance",
            tolerance,
        ]
        .map(String::from)
        .to_vec()
    };
    for (args, flag) in [
        (replay(huge), "--timeout"),
        (replay("3601"), "--timeout"),
        (replay("0"), "--timeout"),
        (verify(huge), "--tolerance"),
        (verify("604801"), "--tolerance"),
        (
            ["emulator", "--retry-interval-ms", huge]
                .map(String::from)
                .to_vec(),
            "--retry-interval-ms",
        ),
        (
            ["rotate", &id, "--expire-after", "P99999999999999999999D"]
                .map(String::from)
                .to_vec(),
            "--expire-after",
        ),
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut child = s
            .command(&args, &env)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let code = wait_bounded(&mut child);
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(flag), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

/// The replay checkpoints of webhook `id` in the test's directory.
fn state_files(s: &Setup, id: WebhookId) -> Vec<PathBuf> {
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
fn default_state(s: &Setup, id: WebhookId) -> PathBuf {
    let files = state_files(s, id);
    assert_eq!(files.len(), 1, "{files:?}");
    files[0].clone()
}

/// The event ids a checkpoint records as delivered to `receiver`, read with the library.
fn state_ids(path: &std::path::Path, id: WebhookId, receiver: &str) -> HashSet<FailedEventId> {
    Checkpoint::builder(path, id, receiver).peek().unwrap()
}

/// The failed events' ids, oldest first.
fn failed_ids_oldest_first(s: &Setup, id: WebhookId) -> Vec<FailedEventId> {
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

#[test]
fn ctrl_c_during_replay_keeps_every_acknowledged_delivery_and_exits_130() {
    let s = Setup::new("sigint");
    let id = s.outage(6);
    let receiver = Receiver::stalling(2);
    let id_s = id.to_string();
    let env = [
        ("REVOLUT_ACCESS_TOKEN", s.token()),
        ("REVOLUT_WEBHOOK_SECRET", RECEIVER_SECRET),
    ];
    let args = ["replay", &id_s, "--to", &receiver.url];
    let mut child = s
        .command(&args, &env)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Two delivered, the third in flight at a receiver that never answers.
    for _ in 0..200 {
        if receiver.requests.load(Ordering::SeqCst) >= 3 {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(receiver.requests.load(Ordering::SeqCst), 3);
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let code = wait_bounded(&mut child);
    let (mut stdout, mut stderr) = (String::new(), String::new());
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(code, 130, "{stdout}{stderr}");
    let summary: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("replay:"))
        .collect();
    assert_eq!(
        summary,
        [
            "replay: 2 delivered, 0 skipped (delivered before), 0 failed, 4 not attempted (interrupted)"
        ],
        "{stdout}"
    );
    assert!(stderr.contains("run the same command again"), "{stderr}");

    // The checkpoint holds exactly the two acknowledged deliveries.
    let oldest = failed_ids_oldest_first(&s, id);
    let state = default_state(&s, id);
    assert_eq!(
        state_ids(&state, id, &receiver.url),
        HashSet::from([oldest[0], oldest[1]])
    );

    // The rerun sends the rest, the abandoned one included.
    receiver.budget.store(usize::MAX, Ordering::SeqCst);
    let rerun = s.run_with(&args, &env);
    assert_code(&rerun, 0);
    assert!(
        rerun
            .stdout
            .contains("replay: 4 delivered, 2 skipped (delivered before), 0 failed"),
        "{rerun:?}"
    );
    assert_eq!(
        receiver.data_ids(),
        ["evt-0", "evt-1", "evt-2", "evt-3", "evt-4", "evt-5"]
    );
}

#[test]
fn replay_state_belongs_to_a_receiver_not_only_to_a_webhook() {
    let s = Setup::new("receivers");
    let id = s.outage(3);
    let id_s = id.to_string();
    let staging = Receiver::start(usize::MAX);
    let production = Receiver::start(usize::MAX);
    let env = [
        ("REVOLUT_ACCESS_TOKEN", s.token()),
        ("REVOLUT_WEBHOOK_SECRET", RECEIVER_SECRET),
    ];
    let replay = |to: &str, extra: &[&str]| {
        let mut args = vec!["replay", &id_s, "--to", to];
        args.extend(extra);
        s.run_with(&args, &env)
    };

    let run = replay(&staging.url, &[]);
    assert_code(&run, 0);
    assert!(
        run.stdout.contains("replay: 3 delivered, 0 skipped"),
        "{run:?}"
    );
    let run = replay(&production.url, &[]);
    assert_code(&run, 0);
    assert!(
        run.stdout.contains("replay: 3 delivered, 0 skipped"),
        "{run:?}"
    );
    assert_eq!(production.data_ids(), ["evt-0", "evt-1", "evt-2"]);
    let run = replay(&production.url, &[]);
    assert!(
        run.stdout.contains("replay: 0 delivered, 3 skipped"),
        "{run:?}"
    );
    assert_eq!(state_files(&s, id).len(), 2);
    // The query string (which may carry a token) does not make another receiver.
    let run = replay(&format!("{}?token=abc", production.url), &[]);
    assert!(
        run.stdout.contains("replay: 0 delivered, 3 skipped"),
        "{run:?}"
    );
    for file in state_files(&s, id) {
        assert!(!std::fs::read_to_string(file).unwrap().contains("token=abc"));
    }

    // One --state file for two receivers: refused before anything is sent.
    let shared = s.dir.join("shared.ids");
    let shared_s = shared.to_str().unwrap();
    let other = Receiver::start(usize::MAX);
    assert_code(&replay(&staging.url, &["--state", shared_s]), 0);
    let run = replay(&other.url, &["--state", shared_s]);
    assert_code(&run, 2);
    let line = one_error_line(&run);
    assert!(
        line.contains(&staging.url) && line.contains(&other.url),
        "{line}"
    );
    assert_eq!(other.requests.load(Ordering::SeqCst), 0);
}

#[test]
fn a_replay_killed_outright_resumes_from_its_checkpoint() {
    let s = Setup::new("sigkill");
    let id = s.outage(4);
    let receiver = Receiver::stalling(2);
    let id_s = id.to_string();
    let env = [
        ("REVOLUT_ACCESS_TOKEN", s.token()),
        ("REVOLUT_WEBHOOK_SECRET", RECEIVER_SECRET),
    ];
    let args = ["replay", &id_s, "--to", &receiver.url];
    let mut child = s
        .command(&args, &env)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..200 {
        if receiver.requests.load(Ordering::SeqCst) >= 3 {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(receiver.requests.load(Ordering::SeqCst), 3);
    // No handler runs: whatever is on disk is all there is.
    child.kill().unwrap();
    child.wait().unwrap();
    let oldest = failed_ids_oldest_first(&s, id);
    let state = default_state(&s, id);
    assert_eq!(
        state_ids(&state, id, &receiver.url),
        HashSet::from([oldest[0], oldest[1]])
    );
    receiver.budget.store(usize::MAX, Ordering::SeqCst);
    let rerun = s.run_with(&args, &env);
    assert_code(&rerun, 0);
    assert!(
        rerun
            .stdout
            .contains("replay: 2 delivered, 2 skipped (delivered before), 0 failed"),
        "{rerun:?}"
    );
    assert_eq!(receiver.data_ids(), ["evt-0", "evt-1", "evt-2", "evt-3"]);
}
