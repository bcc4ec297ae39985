//! `replay`: POST a webhook's failed events to a receiver again, signed, resumably.
//!
//! The failed events in the range are fetched first (every one exactly once, see
//! `failed_events_all`), then delivered oldest first. After each 2xx answer the
//! event's id is appended to the state file and synced; the next run skips the ids
//! it finds there. So an interrupted replay (a receiver that fails, Ctrl-C, a
//! crash) is finished by running the same command again. The one window left is a
//! crash between the receiver's 2xx and the write of the id: that event is sent
//! again on the next run, which a receiver must tolerate anyway (Revolut itself
//! delivers at least once).

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use revolut_webhooks::FailedEventId;
use revolut_webhooks::pagination::WalkError;
use revolut_webhooks::signature::{
    SIGNATURE_HEADER, TIMESTAMP_HEADER, sign_delivery, timestamp_ms,
};
use revolut_webhooks::{FailedEvent, SigningSecret, Verifier};
use serde_json::json;
use time::OffsetDateTime;

use crate::args::{Global, ReplayArgs};
use crate::failure::{self, Failure};
use crate::{Outcome, commands, config, output};

#[derive(Debug, Default)]
struct Tally {
    delivered: usize,
    skipped: usize,
    failed: usize,
    not_attempted: usize,
    dry_run: usize,
}

pub fn run(global: &Global, json: bool, args: &ReplayArgs) -> Outcome {
    let secret = SigningSecret::from(args.secret.trim());
    Verifier::new(secret.clone()).map_err(|e| Failure::usage(format!("--secret: {e}")))?;
    let to = args.to.trim();
    if !(to.starts_with("http://") || to.starts_with("https://")) {
        return Err(Failure::usage(format!(
            "--to {to:?}: expected an http:// or https:// URL"
        )));
    }
    if args.timeout == 0 {
        return Err(Failure::usage("--timeout must be at least 1 second"));
    }
    let state_path = args
        .state
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("revolut-replay-{}.ids", args.id)));
    let mut done = read_state(&state_path)?;

    let events = fetch(global, args)?;

    let mut state = if args.dry_run {
        None
    } else {
        Some(
            OpenOptions::new()
                .create(true)
                .append(true)
                .open(&state_path)
                .map_err(|e| {
                    Failure::usage(format!(
                        "cannot open the state file {}: {e}",
                        state_path.display()
                    ))
                })?,
        )
    };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .timeout_global(Some(Duration::from_secs(args.timeout)))
        .user_agent(concat!("revolut-webhooks-cli/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();

    let progress = output::Progress::new();
    let total = events.len();
    let mut tally = Tally::default();
    let mut consecutive_failures = 0;
    for (n, event) in events.iter().enumerate() {
        progress.show(&format!(
            "replay {}/{total}: {} delivered, {} skipped, {} failed",
            n + 1,
            tally.delivered,
            tally.skipped,
            tally.failed
        ));
        if done.contains(&event.id) {
            tally.skipped += 1;
            report(json, &progress, event, "skipped", None);
            continue;
        }
        if args.dry_run {
            tally.dry_run += 1;
            report(json, &progress, event, "would-deliver", None);
            continue;
        }
        match deliver(&agent, to, &secret, event) {
            Ok(status) => {
                if let Some(file) = state.as_mut()
                    && let Err(e) = record(file, event.id)
                {
                    progress.clear();
                    tally.delivered += 1;
                    tally.not_attempted = total - n - 1;
                    summary(json, &tally);
                    return Err(Failure::new(
                        failure::PARTIAL,
                        format!(
                            "cannot write to the state file {}: {e}; event {} was delivered but not recorded",
                            state_path.display(),
                            event.id
                        ),
                    ));
                }
                done.insert(event.id);
                tally.delivered += 1;
                consecutive_failures = 0;
                report(
                    json,
                    &progress,
                    event,
                    "delivered",
                    Some(format!("HTTP {status}")),
                );
            }
            Err(why) => {
                tally.failed += 1;
                consecutive_failures += 1;
                report(json, &progress, event, "failed", Some(why));
                if consecutive_failures >= args.max_consecutive_failures.max(1) {
                    tally.not_attempted = total - n - 1;
                    break;
                }
            }
        }
    }
    progress.clear();
    summary(json, &tally);
    if tally.failed > 0 || tally.not_attempted > 0 {
        if !json {
            eprintln!(
                "replay incomplete: run the same command again to send the rest (state: {})",
                state_path.display()
            );
        }
        Ok(failure::PARTIAL)
    } else {
        Ok(failure::OK)
    }
}

/// The ids already delivered, from the state file (none if it does not exist).
fn read_state(path: &Path) -> Result<HashSet<FailedEventId>, Failure> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashSet::new()),
        Err(e) => {
            return Err(Failure::usage(format!(
                "cannot read the state file {}: {e}",
                path.display()
            )));
        }
    };
    let mut done = HashSet::new();
    for (n, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| {
            Failure::usage(format!(
                "cannot read the state file {}: {e}",
                path.display()
            ))
        })?;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        // A line cut short by a crash mid-write is not an id: that event is sent again.
        if let Ok(id) = line.parse::<FailedEventId>() {
            done.insert(id);
        } else if n == 0 && done.is_empty() {
            return Err(Failure::usage(format!(
                "{} does not look like a replay state file (line 1 is not an event id)",
                path.display()
            )));
        }
    }
    Ok(done)
}

/// The failed events in the range, oldest first.
fn fetch(global: &Global, args: &ReplayArgs) -> Result<Vec<FailedEvent>, Failure> {
    let client = config::client(global)?;
    let query = commands::query(Some(1000), args.until)?;
    let since = args.since.map(|s| s.instant());
    let progress = output::Progress::new();
    let mut events = Vec::new();
    for event in client.webhooks().failed_events_all(args.id, &query)? {
        let event = match event {
            Ok(event) => event,
            Err(WalkError::Request(e)) => {
                progress.clear();
                return Err(e.into());
            }
            // Some events at one instant could not be read; the walk goes on.
            Err(other) => {
                progress.clear();
                eprintln!("warning: {other}");
                continue;
            }
        };
        // Newest first: once one is older than --since, all the rest are too.
        if since.is_some_and(|since| event.created_at < since) {
            break;
        }
        events.push(event);
        progress.show(&format!("fetched {} failed events", events.len()));
    }
    progress.clear();
    events.reverse();
    Ok(events)
}

/// POSTs the payload byte for byte, signed as Revolut signs; the status on a 2xx.
fn deliver(
    agent: &ureq::Agent,
    to: &str,
    secret: &SigningSecret,
    event: &FailedEvent,
) -> Result<u16, String> {
    let body = event.payload_json().as_bytes();
    let timestamp = timestamp_ms(OffsetDateTime::now_utc());
    let response = agent
        .post(to)
        .header("content-type", "application/json")
        .header(TIMESTAMP_HEADER, timestamp.to_string())
        .header(SIGNATURE_HEADER, sign_delivery(secret, timestamp, body))
        .send(body)
        .map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    if (200..300).contains(&status) {
        Ok(status)
    } else {
        Err(format!("HTTP {status}"))
    }
}

fn record(file: &mut File, id: FailedEventId) -> std::io::Result<()> {
    writeln!(file, "{id}")?;
    file.flush()?;
    file.sync_data()
}

fn report(
    json: bool,
    progress: &output::Progress,
    event: &FailedEvent,
    result: &str,
    detail: Option<String>,
) {
    progress.clear();
    if json {
        output::json_line(&json!({
            "id": event.id,
            "created_at": output::time(event.created_at),
            "event": output::event_name(event),
            "result": result,
            "detail": detail,
        }));
    } else {
        println!(
            "{result:<13}  {}  {}  {}{}",
            event.id,
            output::time(event.created_at),
            output::event_name(event),
            detail.map(|d| format!("  {d}")).unwrap_or_default()
        );
    }
}

fn summary(json: bool, tally: &Tally) {
    if json {
        output::json_line(&json!({
            "summary": {
                "delivered": tally.delivered,
                "skipped": tally.skipped,
                "failed": tally.failed,
                "not_attempted": tally.not_attempted,
                "would_deliver": tally.dry_run,
            }
        }));
    } else {
        let mut line = format!(
            "replay: {} delivered, {} skipped (delivered before), {} failed",
            tally.delivered, tally.skipped, tally.failed
        );
        if tally.not_attempted > 0 {
            line.push_str(&format!(
                ", {} not attempted (stopped after failures in a row)",
                tally.not_attempted
            ));
        }
        if tally.dry_run > 0 {
            line.push_str(&format!(", {} would be delivered (dry run)", tally.dry_run));
        }
        println!("{line}");
    }
}
