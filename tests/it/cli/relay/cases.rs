//! One relay: what the sender is answered, what the app gets, retries, dead letters,
//! order, and a clean stop.

use std::time::{Duration, Instant};

use revolut_webhooks::events::DeliveryKey;
use serde_json::Value;

use super::*;
use crate::pg_cluster::{Cluster, ClusterOptions};

fn key_of(body: &[u8]) -> String {
    DeliveryKey::from_body(body).unwrap().to_string()
}

/// Stored, forwarded once with the right headers; the duplicate answered 200, not
/// stored again, not forwarded again; SIGTERM exits 0 and closes the port.
fn stores_forwards_and_deduplicates(store: &str) {
    let app = App::start(Duration::ZERO);
    let mut relay = Relay::start(store, &app.url, &[]);
    let body = state_change("tx-1", 1);
    assert_eq!(deliver(&relay.url, &body, SECRET), Some(200));
    let line = relay.next("delivery");
    assert_eq!(line["status"], 200);
    assert_eq!(line["stored"], "new");
    assert_eq!(line["key"], key_of(&body));
    let forward = relay.next("forward");
    assert_eq!(forward["outcome"], "done", "{forward}");
    assert_eq!(forward["status"], 200);

    let got = app.got();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].body, body, "the raw body, byte for byte");
    assert!(got[0].verified, "signed afresh with the first --secret");
    assert_eq!(got[0].key.as_deref(), Some(key_of(&body).as_str()));

    // A retry of the same event (keys in another order, other whitespace): 200, known.
    let mut value: Value = serde_json::from_slice(&body).unwrap();
    let again = serde_json::to_vec_pretty(&value.take()).unwrap();
    assert_ne!(again, body);
    assert_eq!(deliver(&relay.url, &again, SECRET), Some(200));
    let line = relay.next("delivery");
    assert_eq!(line["stored"], "duplicate");
    assert_eq!(line["key"], key_of(&body));
    let status = status(store);
    assert_eq!(
        (
            status["received"].as_u64(),
            status["done"].as_u64(),
            status["pending"].as_u64()
        ),
        (Some(1), Some(1), Some(0)),
        "{status}"
    );
    assert_eq!(relay.terminate(), 0);
    assert!(
        relay.drain().iter().all(|l| l["type"] != "forward"),
        "forwarded once"
    );
    assert_eq!(app.got().len(), 1, "forwarded once");
    assert!(
        deliver(&relay.url, &body, SECRET).is_none(),
        "the port is closed"
    );
}

#[test]
fn relay_on_sqlite_stores_forwards_signed_with_the_key_and_deduplicates() {
    stores_forwards_and_deduplicates(&sqlite_store("forward"));
}

#[test]
fn relay_on_postgres_stores_forwards_signed_with_the_key_and_deduplicates() {
    stores_forwards_and_deduplicates(&crate::pg_cluster::database());
}

#[test]
fn relay_refuses_what_it_must_not_store() {
    let store = sqlite_store("refuse");
    let app = App::start(Duration::ZERO);
    let mut relay = Relay::start(&store, &app.url, &[]);
    let body = state_change("tx-1", 1);

    // Signed with another secret: 401.
    assert_eq!(
        deliver(&relay.url, &body, "wsk_notTheWebhooksSecret0000000000"),
        Some(401)
    );
    assert_eq!(relay.next("delivery")["status"], 401);
    // No signature at all: 401.
    assert_eq!(post(&relay.url, &[], &body), Some(401));
    assert_eq!(relay.next("delivery")["status"], 401);
    // Signed, but not an event: 400.
    assert_eq!(deliver(&relay.url, b"{\"hello\":1}", SECRET), Some(400));
    assert_eq!(relay.next("delivery")["status"], 400);
    assert_eq!(deliver(&relay.url, b"not json", SECRET), Some(400));
    assert_eq!(relay.next("delivery")["status"], 400);
    // Larger than 1 MiB: 413, before the body is read.
    let huge = vec![b' '; 2 * 1024 * 1024];
    assert_eq!(deliver(&relay.url, &huge, SECRET), Some(413));
    assert_eq!(relay.next("delivery")["status"], 413);
    // A sender that never finishes its request is cut off (408) within the deadline,
    // and does not hold up the others.
    let mut slow = std::net::TcpStream::connect(
        relay
            .url
            .trim_start_matches("http://")
            .trim_end_matches('/'),
    )
    .unwrap();
    slow.write_all(b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n{")
        .unwrap();
    // A control character in a header is not HTTP: 400.
    assert_eq!(
        post(
            &relay.url,
            &[("Revolut-Signature", "v1=\u{1b}[2J".into())],
            &body
        ),
        Some(400)
    );
    let line = relay.next("delivery");
    assert_eq!(line["status"], 400);
    slow.set_read_timeout(Some(WAIT)).unwrap();
    let started = Instant::now();
    assert_eq!(status_of(&mut slow), Some(408));
    assert!(started.elapsed() < Duration::from_secs(15));

    let status = status(&store);
    assert_eq!(status["received"], 0, "nothing stored: {status}");
    assert!(app.got().is_empty());
    assert_eq!(relay.terminate(), 0);
}

#[test]
fn relay_lines_for_people_escape_control_characters() {
    let store = sqlite_store("human");
    let app = App::start(Duration::ZERO);
    let mut child = std::process::Command::new(BIN)
        .args([
            "relay",
            "--store",
            &store,
            "--forward-to",
            &app.url,
            "--secret",
            SECRET,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
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
    let next = || lines.recv_timeout(WAIT).expect("a line from the relay");
    let first = next();
    let url = first
        .strip_prefix("relay listening on ")
        .unwrap()
        .to_owned();
    let object = "tx-\u{1b}[2J\nFAKE";
    let body = state_change(object, 1);
    assert_eq!(deliver(&url, &body, SECRET), Some(200));
    let mut seen: Vec<String> = Vec::new();
    while !seen.iter().any(|l| l.starts_with("forwarded")) {
        assert!(seen.len() < 10, "{seen:?}");
        seen.push(next());
    }
    let received = seen.iter().find(|l| l.starts_with("received")).unwrap();
    assert!(received.contains("tx-\\u{1b}[2J\\nFAKE"), "{received}");
    assert!(seen.iter().all(|l| !l.contains('\u{1b}')), "{seen:?}");
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn relay_answers_503_within_seconds_when_postgres_is_down_and_recovers() {
    let cluster = Cluster::start(ClusterOptions { durable: false });
    let store = cluster.new_database();
    let app = App::start(Duration::ZERO);
    let mut relay = Relay::start(&store, &app.url, &[]);
    assert_eq!(
        deliver(&relay.url, &state_change("tx-1", 1), SECRET),
        Some(200)
    );
    relay.next("delivery");

    cluster.stop();
    let started = Instant::now();
    let body = state_change("tx-2", 2);
    assert_eq!(
        deliver(&relay.url, &body, SECRET),
        Some(503),
        "never 200 unstored"
    );
    let waited = started.elapsed();
    assert!(waited < Duration::from_secs(8), "503 after {waited:?}");
    let line = relay.next("delivery");
    assert_eq!(line["status"], 503);

    // Revolut retries later: once the server is back, the same event is stored.
    cluster.restart();
    let mut answered = None;
    let deadline = Instant::now() + WAIT;
    while answered != Some(200) {
        assert!(Instant::now() < deadline, "still {answered:?}");
        answered = deliver(&relay.url, &body, SECRET);
    }
    eventually("both events forwarded", || app.acks().len() == 2);
    assert_eq!(relay.terminate(), 0);
}

#[test]
fn a_failed_forward_is_retried_until_the_app_acknowledges() {
    let store = sqlite_store("retry");
    let app = App::start(Duration::ZERO);
    let body = state_change("tx-1", 1);
    app.plan(&key_of(&body), &[500, 502]);
    let mut relay = Relay::start(&store, &app.url, &[]);
    assert_eq!(deliver(&relay.url, &body, SECRET), Some(200));
    let outcomes: Vec<(Value, Value)> = (0..3)
        .map(|_| {
            let line = relay.next("forward");
            (line["status"].clone(), line["attempt"].clone())
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            (500.into(), 1.into()),
            (502.into(), 2.into()),
            (200.into(), 3.into())
        ]
    );
    let got = app.got();
    assert_eq!(got.len(), 3);
    assert!(
        got.iter()
            .all(|g| g.key.as_deref() == Some(key_of(&body).as_str()))
    );
    assert_eq!(status(&store)["done"], 1);
    assert_eq!(relay.terminate(), 0);
}

#[test]
fn dead_letters_after_max_attempts_then_inbox_retry_requeues_them() {
    let store = sqlite_store("dead");
    let app = App::start(Duration::ZERO);
    app.answer_by_default(500);
    let body = state_change("tx-1", 1);
    let key = key_of(&body);
    let mut relay = Relay::start(&store, &app.url, &["--max-attempts", "2"]);
    assert_eq!(deliver(&relay.url, &body, SECRET), Some(200));
    let first = relay.next("forward");
    assert!(
        first["outcome"].as_str().unwrap().starts_with("retry in"),
        "{first}"
    );
    let second = relay.next("forward");
    assert_eq!(second["outcome"], "dead", "{second}");

    let (code, dead, stderr) = run_json(&["inbox", "dead", "--store", &store], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0]["key"], key.as_str());
    assert_eq!(dead[0]["attempts"], 2);
    assert_eq!(dead[0]["last_error"], "the app answered 500");
    let status = status(&store);
    assert_eq!(
        (status["dead"].as_u64(), status["pending"].as_u64()),
        (Some(1), Some(0))
    );

    // Neither keys nor --all: a usage error. An unknown key: said, exit 5.
    let (code, _, _) = run_json(&["inbox", "retry", "--store", &store], &[]);
    assert_eq!(code, 2);
    let other = key_of(&state_change("tx-9", 9));
    let (code, lines, _) = run_json(&["inbox", "retry", &other, "--store", &store], &[]);
    assert_eq!(code, 5);
    assert_eq!(lines[0]["requeued"], 0);

    app.answer_by_default(200);
    let (code, lines, stderr) = run_json(&["inbox", "retry", &key, "--store", &store], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(lines[0]["requeued"], 1);
    let done = relay.next("forward");
    assert_eq!(
        (done["outcome"].as_str(), done["attempt"].as_u64()),
        (Some("done"), Some(1))
    );
    let status = super::status(&store);
    assert_eq!(
        (status["dead"].as_u64(), status["done"].as_u64()),
        (Some(0), Some(1))
    );
    assert_eq!(relay.terminate(), 0);
}

#[test]
fn events_of_one_object_are_forwarded_in_timestamp_order() {
    let store = sqlite_store("order");
    // First a relay whose app is down: the events are stored, in reverse order.
    let mut down = Relay::start(&store, "http://127.0.0.1:1/", &["--retry-min", "300ms"]);
    let (early, late) = (state_change("tx-1", 1), state_change("tx-1", 2));
    assert_eq!(deliver(&down.url, &late, SECRET), Some(200));
    assert_eq!(deliver(&down.url, &early, SECRET), Some(200));
    assert_eq!(down.terminate(), 0);
    let app = App::start(Duration::ZERO);
    let mut relay = Relay::start(&store, &app.url, &[]);
    relay.next("forward");
    relay.next("forward");
    let bodies: Vec<Vec<u8>> = app.got().into_iter().map(|g| g.body).collect();
    assert_eq!(bodies, [early, late]);
    assert_eq!(relay.terminate(), 0);
}

#[test]
fn sigterm_lets_the_forward_in_flight_finish_and_exits_0() {
    let store = sqlite_store("sigterm");
    let app = App::start(Duration::from_millis(800));
    let mut relay = Relay::start(&store, &app.url, &[]);
    assert_eq!(
        deliver(&relay.url, &state_change("tx-1", 1), SECRET),
        Some(200)
    );
    eventually("the forward reached the app", || app.arrived() == 1);
    assert_eq!(relay.terminate(), 0);
    // Finished and recorded, not abandoned to a lease.
    assert_eq!(app.got().len(), 1);
    let status = status(&store);
    assert_eq!(
        (status["done"].as_u64(), status["pending"].as_u64()),
        (Some(1), Some(0)),
        "{status}"
    );
    assert!(
        relay
            .drain()
            .iter()
            .any(|l| l["type"] == "forward" && l["outcome"] == "done")
    );
}

#[test]
fn loopback_forwards_never_go_through_a_proxy_from_the_environment() {
    // A trap: anything sent to this "proxy" is a failure.
    let trap = std::net::TcpListener::bind("127.0.0.2:0").unwrap();
    let proxy = format!("http://{}", trap.local_addr().unwrap());
    trap.set_nonblocking(true).unwrap();
    let store = sqlite_store("proxy");
    let app = App::start(Duration::ZERO);
    let env = [
        ("HTTP_PROXY", proxy.as_str()),
        ("http_proxy", proxy.as_str()),
        ("ALL_PROXY", proxy.as_str()),
        ("NO_PROXY", ""),
    ];
    let mut relay = Relay::start_with_env(&store, &app.url, &[], &env);
    assert_eq!(
        deliver(&relay.url, &state_change("tx-1", 1), SECRET),
        Some(200)
    );
    assert_eq!(relay.next("forward")["outcome"], "done");
    assert_eq!(app.got().len(), 1);
    assert!(trap.accept().is_err(), "the proxy was used");
    assert_eq!(relay.terminate(), 0);
}

#[test]
fn relay_usage_errors() {
    let (code, _, stderr) = run_json(
        &["relay", "--forward-to", "http://127.0.0.1:9/"],
        &[("REVOLUT_WEBHOOK_SECRET", "")],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("signing secret"), "{stderr}");
    for (flags, says) in [
        (&["--forward-to", "ftp://x/"][..], "--forward-to"),
        (
            &[
                "--forward-to",
                "http://127.0.0.1:9/",
                "--timeout",
                "5s",
                "--lease",
                "5s",
            ],
            "--timeout",
        ),
        (
            &["--forward-to", "http://127.0.0.1:9/", "--lease", "3d"],
            "--lease",
        ),
    ] {
        let mut args = vec!["relay", "--secret", SECRET, "--store", "/nonexistent/x.db"];
        args.extend_from_slice(flags);
        let (code, _, stderr) = run_json(&args, &[]);
        assert_eq!(code, 2, "{flags:?}: {stderr}");
        assert!(stderr.contains(says), "{flags:?}: {stderr}");
    }
}
