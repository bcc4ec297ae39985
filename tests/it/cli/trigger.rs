//! `revolut-webhooks trigger` against an in-process emulator, and the delivery log
//! of `revolut-webhooks emulator`, running the built binary (127.0.0.1 only).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::support::{Receiver, Reply};
use revolut_webhooks::auth::StaticToken;
use revolut_webhooks::blocking::Client;
use revolut_webhooks::emulator::Emulator;
use revolut_webhooks::signature::Verifier;
use revolut_webhooks::{CreateWebhook, Environment, EventType, SecretExpiration, WebhookId};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_revolut-webhooks");

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// The binary with only `REVOLUT_ENVIRONMENT` set (no credentials: trigger needs none).
fn trigger(base: &str, args: &[&str], stdin: Option<&str>) -> Run {
    let mut command = Command::new(BIN);
    for var in [
        "REVOLUT_ACCESS_TOKEN",
        "REVOLUT_REFRESH_TOKEN",
        "REVOLUT_ENVIRONMENT",
    ] {
        command.env_remove(var);
    }
    let mut child = command
        .env("REVOLUT_ENVIRONMENT", base)
        .arg("trigger")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        std::io::Write::write_all(&mut input, text.as_bytes()).unwrap();
    }
    drop(input);
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn client(environment: Environment, token: &str) -> Client {
    Client::builder()
        .environment(environment)
        .token_provider(StaticToken::new(token))
        .build()
        .unwrap()
}

fn create(client: &Client, url: &str, events: &[EventType]) -> (WebhookId, String) {
    let hook = client
        .webhooks()
        .create(
            &CreateWebhook::new(url)
                .unwrap()
                .with_events(events.to_vec())
                .unwrap(),
        )
        .unwrap();
    (hook.id, hook.signing_secret.expose_secret().to_owned())
}

fn emulator() -> Emulator {
    Emulator::builder()
        .retry_interval(Duration::from_millis(1))
        .delivery_timeout(Duration::from_secs(1))
        .allow_loopback_http(true)
        .start()
        .unwrap()
}

#[test]
fn trigger_prints_each_receivers_answer_and_exits_6_when_a_delivery_failed() {
    let emu = emulator();
    let base = emu.base_url();
    let client = client(emu.environment(), emu.access_token().expose_secret());
    let receiver = Receiver::start();
    let (good, secret) = create(
        &client,
        &receiver.url(),
        &[EventType::TransactionCreated, EventType::PayoutLinkCreated],
    );
    let (down, _) = create(
        &client,
        "https://127.0.0.1:1/down",
        &[EventType::TransactionCreated],
    );

    // Every one of the four types, with one receiver down: exit 6, one row each.
    for event in EventType::ALL {
        let name = event.as_str();
        let run = trigger(base, &[name, "-o", "json"], None);
        let lines: Vec<Value> = run
            .stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let subscribed = [good, down]
            .iter()
            .filter(|id| client.webhooks().get(**id).unwrap().events.contains(event))
            .count();
        if subscribed == 0 {
            assert_eq!(run.code, 6, "{name}: {}", run.stderr);
            assert!(
                run.stderr.contains("no webhook is subscribed"),
                "{}",
                run.stderr
            );
            continue;
        }
        assert_eq!(lines.len(), subscribed, "{name}: {}", run.stdout);
        let ok = lines.iter().find(|l| l["webhook_id"] == good.to_string());
        let ok = ok.unwrap();
        assert_eq!(
            (ok["status"].as_u64(), ok["signatures"].as_u64()),
            (Some(200), Some(1))
        );
        assert_eq!(ok["event"], name);
        let failed = lines.iter().any(|l| l["delivered"] == false);
        assert_eq!(
            run.code,
            if failed { 6 } else { 0 },
            "{name}: {}",
            run.stderr
        );
    }
    // Each delivery arrived, verified with the webhook's secret.
    let verifier = Verifier::new(secret.as_str()).unwrap();
    let received = receiver.received();
    assert_eq!(received.len(), 2);
    for r in &received {
        verifier
            .verify(
                &r.body,
                r.header("revolut-request-timestamp").unwrap(),
                r.header("revolut-signature").unwrap(),
            )
            .unwrap();
    }

    // The table: one row per webhook with URL, answer, latency and signature count.
    client
        .webhooks()
        .rotate_signing_secret(good, Some(SecretExpiration::from_secs(3600).unwrap()))
        .unwrap();
    let run = trigger(base, &["TransactionCreated"], None);
    assert_eq!(run.code, 6, "{}", run.stderr);
    let rows: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(rows.len(), 3, "{}", run.stdout);
    assert!(
        rows[0].starts_with("WEBHOOK") && rows[0].ends_with("SIGNATURES"),
        "{}",
        rows[0]
    );
    let good_row = rows
        .iter()
        .find(|r| r.starts_with(&good.to_string()))
        .unwrap();
    assert!(
        good_row.contains(&receiver.url()) && good_row.contains("HTTP 200"),
        "{good_row}"
    );
    assert!(
        good_row.contains(" ms ") && good_row.ends_with(" 2"),
        "{good_row}"
    );
    let down_row = rows
        .iter()
        .find(|r| r.starts_with(&down.to_string()))
        .unwrap();
    assert!(down_row.contains("https://127.0.0.1:1/down"), "{down_row}");
    assert!(
        run.stderr.contains("1 of 2 deliveries failed"),
        "{}",
        run.stderr
    );

    // --webhook: only the one that answers; all delivered, exit 0.
    let run = trigger(
        base,
        &["TransactionCreated", "--webhook", &good.to_string()],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.lines().count(), 2, "{}", run.stdout);
    assert!(!run.stdout.contains(&down.to_string()));
    // A receiver that answers 500: a failed delivery.
    receiver.script([Reply::Status(500)]);
    let run = trigger(base, &["PayoutLinkCreated", "-o", "json"], None);
    assert_eq!(run.code, 6, "{}", run.stderr);
    assert!(run.stdout.contains(r#""status":500"#), "{}", run.stdout);
}

#[test]
fn trigger_sends_data_from_a_file_or_stdin_and_unknown_types() {
    let emu = emulator();
    let base = emu.base_url();
    let client = client(emu.environment(), emu.access_token().expose_secret());
    let receiver = Receiver::start();
    let (id, _) = create(
        &client,
        &receiver.url(),
        &[EventType::TransactionStateChanged],
    );
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-trigger-data");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("data.json");
    std::fs::write(&file, r#"{"id":"from-file","new_state":"completed"}"#).unwrap();

    let run = trigger(
        base,
        &["TransactionStateChanged", "--data", file.to_str().unwrap()],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = trigger(
        base,
        &["TransactionStateChanged", "--data", "-"],
        Some(r#"{"id":"from-stdin"}"#),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let bodies: Vec<Value> = receiver
        .received()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    assert_eq!(bodies[0]["data"]["id"], "from-file");
    assert_eq!(bodies[0]["event"], "TransactionStateChanged");
    assert_eq!(bodies[1]["data"]["id"], "from-stdin");

    // Not JSON, or no such file: usage errors, nothing sent.
    let run = trigger(
        base,
        &["TransactionStateChanged", "--data", "-"],
        Some("{nope"),
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("--data") && run.stderr.contains("not JSON"),
        "{}",
        run.stderr
    );
    let missing = dir.join("missing.json");
    let run = trigger(
        base,
        &[
            "TransactionStateChanged",
            "--data",
            missing.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    // An unknown type: emitted, but no webhook can subscribe to it.
    let run = trigger(base, &["SomethingRevolutAddsLater"], None);
    assert_eq!(run.code, 6, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("no webhook is subscribed to SomethingRevolutAddsLater"),
        "{}",
        run.stderr
    );
    assert_eq!(receiver.received().len(), 2);

    // Refusals: a webhook not subscribed or unknown (1), Revolut's hosts (2), no emulator (1).
    let run = trigger(
        base,
        &["PayoutLinkCreated", "--webhook", &id.to_string()],
        None,
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("not subscribed to PayoutLinkCreated"),
        "{}",
        run.stderr
    );
    for env in ["production", "sandbox"] {
        let run = trigger(env, &["TransactionCreated"], None);
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(run.stderr.contains("local emulator"), "{}", run.stderr);
    }
    let run = trigger("http://127.0.0.1:1", &["TransactionCreated"], None);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("cannot reach the emulator"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    let run = trigger(base, &[""], None);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

/// `revolut-webhooks emulator` with `args`, and its stdout line by line.
struct EmulatorProcess {
    child: Child,
    lines: std::sync::mpsc::Receiver<String>,
}

impl EmulatorProcess {
    fn start(args: &[&str]) -> EmulatorProcess {
        let mut child = Command::new(BIN)
            .arg("emulator")
            .args([
                "--retry-interval-ms",
                "5",
                "--token",
                "oa_cli_trigger_test_token",
            ])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        EmulatorProcess { child, lines }
    }

    /// The next line, waiting at most ten seconds.
    fn line(&self) -> Option<String> {
        self.lines.recv_timeout(Duration::from_secs(10)).ok()
    }

    /// Lines until one contains `needle` (that one included), at most 20 lines.
    fn lines_until(&self, needle: &str) -> Vec<String> {
        let mut lines = Vec::new();
        while lines.len() < 20 {
            let Some(line) = self.line() else { break };
            let done = line.contains(needle);
            lines.push(line);
            if done {
                break;
            }
        }
        lines
    }

    /// Stops it; every line it printed that was not read yet.
    fn stop(mut self) -> Vec<String> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut rest = Vec::new();
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            rest.push(line);
        }
        rest
    }
}

const TOKEN: &str = "oa_cli_trigger_test_token";

#[test]
fn the_emulator_command_logs_every_attempt_in_json_lines() {
    let receiver = Receiver::start();
    let emu = EmulatorProcess::start(&["-o", "json"]);
    let started: Value = serde_json::from_str(&emu.line().unwrap()).unwrap();
    let base = started["base_url"].as_str().unwrap().to_owned();
    let client = client(Environment::custom(&base).unwrap(), TOKEN);
    let (good, _) = create(&client, &receiver.url(), &[EventType::TransactionCreated]);
    let (down, _) = create(
        &client,
        "https://127.0.0.1:1/down",
        &[EventType::PayoutLinkCreated],
    );
    assert_eq!(trigger(&base, &["TransactionCreated"], None).code, 0);
    let first: Value = serde_json::from_str(&emu.line().unwrap()).unwrap();
    assert_eq!(trigger(&base, &["PayoutLinkCreated"], None).code, 6);
    let lines = emu.lines_until("recorded_as_failed\":\"");
    let failed = client
        .webhooks()
        .failed_events(down, &Default::default())
        .unwrap();
    emu.stop();
    assert_eq!(first["webhook_id"], good.to_string());
    assert_eq!(
        (first["status"].as_u64(), first["attempt"].as_u64()),
        (Some(200), Some(1))
    );
    assert_eq!(
        (first["max_attempts"].as_u64(), first["delivered"].as_bool()),
        (Some(4), Some(true))
    );
    assert_eq!(first["event"], "TransactionCreated");
    assert_eq!(first["url"], receiver.url());
    assert_eq!(first["signatures"], 1);
    assert!(first["latency_ms"].as_f64().is_some());
    assert!(first["time"].as_str().unwrap().ends_with('Z'));
    let log: Vec<Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        log.iter()
            .all(|l| l["webhook_id"] == down.to_string() && l["error"].is_string()),
        "{lines:?}"
    );
    assert_eq!(
        log.iter()
            .map(|l| l["attempt"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
    assert!(log[..3].iter().all(|l| l["recorded_as_failed"].is_null()));
    // The last attempt names the failed event the API now lists.
    assert_eq!(failed.len(), 1);
    assert_eq!(log[3]["recorded_as_failed"], failed[0].id.to_string());
}

#[test]
fn the_emulator_command_logs_one_line_per_attempt_for_people_and_nothing_when_quiet() {
    let emu = EmulatorProcess::start(&[]);
    let banner = emu.lines_until("Ctrl-C");
    let base = banner[0].rsplit(' ').next().unwrap().to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{banner:?}");
    let client = client(Environment::custom(&base).unwrap(), TOKEN);
    let (down, _) = create(
        &client,
        "https://127.0.0.1:1/down",
        &[EventType::TransactionCreated],
    );
    assert_eq!(trigger(&base, &["TransactionCreated"], None).code, 6);
    let lines = emu.lines_until("recorded as failed");
    emu.stop();
    assert_eq!(lines.len(), 4, "{lines:?}");
    for (n, line) in lines.iter().enumerate() {
        assert!(
            line.contains(&down.to_string()) && line.contains("TransactionCreated"),
            "{line}"
        );
        assert!(
            line.contains("https://127.0.0.1:1/down") && line.contains("error: "),
            "{line}"
        );
        assert!(line.contains(&format!("attempt {} of 4", n + 1)), "{line}");
        assert!(line.contains(" ms"), "{line}");
    }
    assert!(lines[0].contains("retry in 5 ms"), "{}", lines[0]);
    assert!(lines[3].contains(", recorded as failed ("), "{}", lines[3]);

    // --quiet: the banner, then no log however many attempts are made.
    let emu = EmulatorProcess::start(&["--quiet"]);
    let banner = emu.lines_until("Ctrl-C");
    let base = banner[0].rsplit(' ').next().unwrap().to_owned();
    let client = self::client(Environment::custom(&base).unwrap(), TOKEN);
    let (down, _) = create(
        &client,
        "https://127.0.0.1:1/down",
        &[EventType::TransactionCreated],
    );
    let receiver = Receiver::start();
    create(&client, &receiver.url(), &[EventType::TransactionCreated]);
    assert_eq!(trigger(&base, &["TransactionCreated"], None).code, 6);
    // Until the failing delivery's four attempts are over (bounded: 100 × 50 ms).
    for _ in 0..100 {
        if !client
            .webhooks()
            .failed_events(down, &Default::default())
            .unwrap()
            .is_empty()
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let rest = emu.stop();
    assert!(rest.is_empty(), "{rest:?}");
}
