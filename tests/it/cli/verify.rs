//! `verify`: valid, or why not.

use std::path::PathBuf;

use revolut_webhooks::SigningSecret;
use revolut_webhooks::signature::{sign_delivery, timestamp_ms};
use serde_json::json;
use time::OffsetDateTime;

use super::setup::*;

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
fn verify_reads_a_body_of_at_most_one_mib() {
    use std::io::Write;
    use std::process::Stdio;
    let s = Setup::new("verify-cap");
    const MIB: usize = 1024 * 1024;
    let args = |body: &str| {
        [
            "verify",
            "--body",
            body,
            "--timestamp",
            "1",
            "--signature",
            "v1=00",
            "--ignore-age",
        ]
        .map(str::to_owned)
    };
    let env = [("REVOLUT_WEBHOOK_SECRET", RECEIVER_SECRET)];
    // Exactly 1 MiB is read and checked (and does not match); one byte more is refused.
    let at_cap = s.dir.join("at-cap");
    std::fs::write(&at_cap, vec![b'a'; MIB]).unwrap();
    let run = s.run_with(
        &args(at_cap.to_str().unwrap())
            .each_ref()
            .map(String::as_str),
        &env,
    );
    assert_code(&run, 4);
    let over = s.dir.join("over");
    std::fs::write(&over, vec![b'a'; MIB + 1]).unwrap();
    let run = s.run_with(
        &args(over.to_str().unwrap()).each_ref().map(String::as_str),
        &env,
    );
    assert_code(&run, 2);
    assert!(
        one_error_line(&run).contains("larger than 1 MiB"),
        "{run:?}"
    );

    // Standard input from a writer that stops after 8 MiB (a stand-in for a stream
    // without end): refused once past the cap, not read to its end.
    let mut child = s
        .command(&args("-").each_ref().map(String::as_str), &env)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let chunk = vec![0u8; 64 * 1024];
        let mut written = 0;
        while written < 8 * MIB {
            if stdin.write_all(&chunk).is_err() {
                break;
            }
            written += chunk.len();
        }
        written
    });
    let out = child.wait_with_output().unwrap();
    let written = writer.join().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("standard input is larger than 1 MiB"),
        "{stderr}"
    );
    assert!(
        written < 8 * MIB,
        "the whole input was read: {written} bytes"
    );
}
