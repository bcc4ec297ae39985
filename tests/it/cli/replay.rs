//! `replay`: after an outage, interrupted and resumed, killed, per receiver, dry run.

use std::collections::HashSet;
use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::Duration;

use revolut_webhooks::FailedEventsQuery;
use serde_json::{Value, json};

use super::setup::*;

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
    // The query string makes another receiver (`?tenant=a`, `?tenant=b`), and it may
    // carry a token: the checkpoint holds a hash of it, never the query itself.
    let run = replay(&format!("{}?token=abc", production.url), &[]);
    assert!(
        run.stdout.contains("replay: 3 delivered, 0 skipped"),
        "{run:?}"
    );
    assert_eq!(state_files(&s, id).len(), 3);
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

/// A receiver that answers 200 to every request but holds the second one until
/// `open` is called; it counts the requests it answered.
struct Gated {
    url: String,
    answered: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    gate: std::sync::mpsc::Sender<()>,
}

impl Gated {
    fn start() -> Gated {
        use std::io::{BufRead, BufReader, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        let answered = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (gate, opened) = std::sync::mpsc::channel::<()>();
        let count = answered.clone();
        std::thread::spawn(move || {
            for (n, stream) in listener.incoming().enumerate() {
                let Ok(mut stream) = stream else { continue };
                stream
                    .set_read_timeout(Some(Duration::from_secs(5)))
                    .unwrap();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut length = 0usize;
                let mut line = String::new();
                while reader.read_line(&mut line).unwrap_or(0) > 0 && line != "\r\n" {
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                    line.clear();
                }
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                if n == 1 {
                    // Bounded: a test that never opens the gate fails, it does not hang.
                    let _ = opened.recv_timeout(Duration::from_secs(10));
                }
                count.fetch_add(1, Ordering::SeqCst);
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                );
            }
        });
        Gated {
            url,
            answered,
            gate,
        }
    }
}

#[test]
fn a_closed_stdout_stops_replay_with_141_and_the_checkpoint_holds_exactly_the_delivered() {
    use std::io::{BufRead, BufReader};
    let s = Setup::new("replay-epipe");
    let id = s.outage(6);
    let receiver = Gated::start();
    let id_s = id.to_string();
    let env = [
        ("REVOLUT_ACCESS_TOKEN", s.token()),
        ("REVOLUT_WEBHOOK_SECRET", RECEIVER_SECRET),
    ];
    let mut child = s
        .command(&["replay", &id_s, "--to", &receiver.url], &env)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // `| head -1`: one line read, then the pipe closed while the second delivery is
    // in flight (the receiver holds it until then).
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert!(first.starts_with("delivered "), "{first}");
    drop(stdout);
    receiver.gate.send(()).unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let code = wait_bounded(&mut child);
    assert_eq!(code, 141, "{stderr}");
    assert!(
        stderr.starts_with("error: standard output was closed, so replay stopped early"),
        "{stderr}"
    );
    // The second delivery was answered, recorded, and only then its line failed.
    assert_eq!(receiver.answered.load(Ordering::SeqCst), 2);
    let recorded = state_ids(&default_state(&s, id), id, &receiver.url);
    let oldest = failed_ids_oldest_first(&s, id);
    assert_eq!(
        recorded,
        oldest[..2].iter().copied().collect::<HashSet<_>>()
    );
}

#[test]
fn receivers_that_differ_only_in_their_query_each_get_every_event() {
    let s = Setup::new("replay-query");
    let id = s.outage(3);
    let receiver = Receiver::start(100);
    let id_s = id.to_string();
    let env = [
        ("REVOLUT_ACCESS_TOKEN", s.token()),
        ("REVOLUT_WEBHOOK_SECRET", RECEIVER_SECRET),
    ];
    for (tenant, total) in [("a", 3), ("b", 6)] {
        let to = format!("{}?tenant={tenant}&key=hunter2", receiver.url);
        let run = s.run_with(&["replay", &id_s, "--to", &to], &env);
        assert_code(&run, 0);
        assert!(
            run.stdout
                .contains("replay: 3 delivered, 0 skipped (delivered before), 0 failed"),
            "tenant {tenant}: {run:?}"
        );
        assert_eq!(receiver.data_ids().len(), total, "tenant {tenant}");
    }
    // A second run to one of them skips what it got.
    let to = format!("{}?tenant=a&key=hunter2", receiver.url);
    let again = s.run_with(&["replay", &id_s, "--to", &to], &env);
    assert!(again.stdout.contains("0 delivered, 3 skipped"), "{again:?}");
    // Two state files, neither with the query in clear.
    let files = state_files(&s, id);
    assert_eq!(files.len(), 2, "{files:?}");
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            !text.contains("hunter2") && !text.contains("tenant"),
            "{text}"
        );
    }
}
