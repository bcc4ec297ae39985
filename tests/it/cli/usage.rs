//! Exit codes, one-line errors, a closed stdout, `--help`, bounded flags, and the
//! `emulator` subcommand serving the API.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use revolut_webhooks::SigningSecret;
use revolut_webhooks::auth::StaticToken;
use revolut_webhooks::blocking::Client;
use revolut_webhooks::signature::{sign_delivery, timestamp_ms};
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use super::setup::*;

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

#[test]
fn a_control_character_in_a_credential_is_a_usage_error_before_any_request() {
    use std::net::TcpListener;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let connections = Arc::new(AtomicUsize::new(0));
    let seen = connections.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            seen.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    let s = Setup::new("token-crlf");
    for (var, value) in [
        ("REVOLUT_ACCESS_TOKEN", "oa_secret\r\nX-Injected: 1"),
        ("REVOLUT_ACCESS_TOKEN", "oa_secret\u{1b}[2K"),
        ("REVOLUT_ACCESS_TOKEN", "oa_sec\tret"),
        ("REVOLUT_REFRESH_TOKEN", "oa_secret\nrefresh"),
    ] {
        let run = s.run_with(&["list", "-e", &base], &[(var, value)]);
        assert_code(&run, 2);
        let line = one_error_line(&run);
        assert!(line.starts_with(&format!("error: {var} / --")), "{line}");
        assert!(line.contains("control character"), "{line}");
        assert!(
            !run.all().contains("oa_sec"),
            "the value was printed: {run:?}"
        );
    }
    assert_eq!(connections.load(Ordering::SeqCst), 0, "a request was sent");
}
