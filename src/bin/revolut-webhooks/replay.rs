//! `replay`: POST a webhook's failed events to a receiver again, signed, resumably.
//!
//! The failed events in the range are fetched first (every one exactly once, see
//! `failed_events_all`), then delivered oldest first. After each 2xx answer the
//! event's id is appended to the receiver's checkpoint and synced
//! ([`revolut_webhooks::checkpoint`]); the next run to the same receiver skips the
//! ids it finds there. So an interrupted replay (a receiver that fails, Ctrl-C, a
//! crash) is finished by running the same command again. A crash while a delivery
//! is in flight (sent, its 2xx not yet recorded) sends that one event again on the
//! next run, which a receiver must tolerate anyway (Revolut itself delivers at
//! least once).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use revolut_webhooks::checkpoint::{Checkpoint, CheckpointError};
use revolut_webhooks::signature::Verifier;
use revolut_webhooks::signature::{
    SIGNATURE_HEADER, TIMESTAMP_HEADER, sign_delivery, timestamp_ms,
};
use revolut_webhooks::{FailedEvent, FailedEventId, SigningSecret, WebhookId};
use serde_json::json;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::args::{Api, ReplayArgs};
use crate::failure::{self, Failure};
use crate::output::{self, Out};
use crate::{Outcome, commands, config};

/// How often a wait for the receiver looks whether Ctrl-C was pressed.
const INTERRUPT_POLL: Duration = Duration::from_millis(100);

#[derive(Debug, Default)]
struct Tally {
    delivered: usize,
    skipped: usize,
    failed: usize,
    not_attempted: usize,
    dry_run: usize,
}

/// Why the deliveries stopped before the last event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    Finished,
    FailuresInARow,
    Interrupted,
}

pub(crate) fn run(out: &mut Out, json: bool, args: &ReplayArgs) -> Outcome {
    let Some(secret) = args.secret.as_deref().filter(|s| !s.trim().is_empty()) else {
        return Err(Failure::usage(
            "replay needs the secret your receiver verifies with: set REVOLUT_WEBHOOK_SECRET \
             or pass --secret wsk_...",
        ));
    };
    let secret = SigningSecret::from(secret.trim());
    Verifier::new(secret.clone()).map_err(|e| Failure::usage(format!("--secret: {e}")))?;
    let to = args.to.trim();
    if !(to.starts_with("http://") || to.starts_with("https://")) {
        return Err(Failure::usage(format!(
            "--to {to:?}: expected an http:// or https:// URL"
        )));
    }
    let receiver = receiver_key(to);
    let state_path = match &args.state {
        Some(path) => path.clone(),
        None => default_state(args.id, &receiver)?,
    };
    // A file named with --state is the user's choice for this receiver: an earlier
    // version's file of bare ids is taken over (the default one is refused above).
    let checkpoint =
        Checkpoint::builder(&state_path, args.id, receiver.as_str()).adopt_unkeyed(true);
    let unkeyed_before = args.state.is_some() && is_unkeyed(&state_path);

    let events = fetch(&args.api, args, json)?;

    let (done, mut state) = if args.dry_run {
        (checkpoint.peek().map_err(state_failure)?, None)
    } else {
        let state = checkpoint.open().map_err(state_failure)?;
        (state.ids().collect::<HashSet<FailedEventId>>(), Some(state))
    };
    if unkeyed_before && state.is_some() {
        output::note(format_args!(
            "({} was an earlier version's state file: it now records that its events went to {receiver})",
            state_path.display()
        ));
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .timeout_global(Some(Duration::from_secs(args.timeout)))
        .user_agent(concat!("revolut-webhooks-cli/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();

    let interrupted = Arc::new(AtomicBool::new(false));
    if !args.dry_run {
        // Ctrl-C stops between deliveries, or abandons the one in flight (which was
        // not recorded); a second Ctrl-C quits at once. If the handlers cannot be
        // installed, Ctrl-C kills the process as before: the checkpoint is still whole.
        use signal_hook::{consts::SIGINT, flag};
        let _ = flag::register_conditional_shutdown(
            SIGINT,
            i32::from(failure::INTERRUPTED),
            interrupted.clone(),
        );
        let _ = flag::register(SIGINT, interrupted.clone());
    }

    let total = events.len();
    let progress = output::Progress::new(Some(total as u64), json);
    progress.message("replay");
    let mut tally = Tally::default();
    let mut stop = Stop::Finished;
    let mut consecutive_failures = 0;
    for (n, event) in events.iter().enumerate() {
        if interrupted.load(Ordering::SeqCst) {
            tally.not_attempted = total - n;
            stop = Stop::Interrupted;
            break;
        }
        progress.message(format!(
            "replay: {} delivered, {} skipped, {} failed",
            tally.delivered, tally.skipped, tally.failed
        ));
        if done.contains(&event.id) {
            tally.skipped += 1;
            report(out, json, &progress, event, "skipped", None)?;
            continue;
        }
        let Some(state) = state.as_mut() else {
            tally.dry_run += 1;
            report(out, json, &progress, event, "would-deliver", None)?;
            continue;
        };
        let Some(result) = deliver_unless_interrupted(&agent, to, &secret, event, &interrupted)
        else {
            // In flight and unacknowledged: not recorded, so it goes again next run.
            tally.not_attempted = total - n;
            stop = Stop::Interrupted;
            break;
        };
        match result {
            Ok(status) => {
                if let Err(e) = state.record(event.id) {
                    progress.clear();
                    tally.delivered += 1;
                    tally.not_attempted = total - n - 1;
                    summary(out, json, &tally, Stop::Finished)?;
                    return Err(Failure::new(
                        failure::PARTIAL,
                        format!("{e}; event {} was delivered but not recorded", event.id),
                    ));
                }
                tally.delivered += 1;
                consecutive_failures = 0;
                report(
                    out,
                    json,
                    &progress,
                    event,
                    "delivered",
                    Some(format!("HTTP {status}")),
                )?;
            }
            Err(why) => {
                tally.failed += 1;
                consecutive_failures += 1;
                report(out, json, &progress, event, "failed", Some(why))?;
                if consecutive_failures >= args.max_consecutive_failures.max(1) {
                    tally.not_attempted = total - n - 1;
                    stop = Stop::FailuresInARow;
                    break;
                }
            }
        }
    }
    progress.clear();
    summary(out, json, &tally, stop)?;
    if stop == Stop::Interrupted {
        output::note(format_args!(
            "replay interrupted: run the same command again to send the rest (state: {})",
            state_path.display()
        ));
        return Ok(failure::INTERRUPTED);
    }
    if tally.failed > 0 || tally.not_attempted > 0 {
        if !json {
            output::note(format_args!(
                "replay incomplete: run the same command again to send the rest (state: {})",
                state_path.display()
            ));
        }
        Ok(failure::PARTIAL)
    } else {
        Ok(failure::OK)
    }
}

/// The receiver as the checkpoint names it: its URL without credentials, query
/// or fragment, which may hold secrets and do not change who receives.
fn receiver_key(url: &str) -> String {
    let url = url.split(['#', '?']).next().unwrap_or(url);
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let host = authority.rsplit('@').next().unwrap_or(authority);
    format!(
        "{}://{}{path}",
        scheme.to_ascii_lowercase(),
        host.to_ascii_lowercase()
    )
}

/// `revolut-replay-<webhook id>-<8 hex digits of the receiver>.ids`: one file per
/// webhook and receiver, so a replay to staging does not mark events delivered
/// to production.
fn default_state(id: WebhookId, receiver: &str) -> Result<PathBuf, Failure> {
    let digest = Sha256::digest(receiver.as_bytes());
    let tag: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    let path = PathBuf::from(format!("revolut-replay-{id}-{tag}.ids"));
    let legacy = PathBuf::from(format!("revolut-replay-{id}.ids"));
    if !path.exists() && legacy.exists() {
        return Err(Failure::usage(format!(
            "{} is the state file of an earlier version, which did not record the receiver: \
             if its events were delivered to {receiver}, pass `--state {}` to keep them \
             (the file then records that receiver); if not, move it away",
            legacy.display(),
            legacy.display()
        )));
    }
    Ok(path)
}

/// Whether the file exists and is an earlier version's list of bare ids.
fn is_unkeyed(path: &Path) -> bool {
    matches!(
        Checkpoint::builder(path, WebhookId::from(uuid::Uuid::nil()), "-").peek(),
        Err(CheckpointError::Unkeyed { .. })
    )
}

fn state_failure(error: CheckpointError) -> Failure {
    Failure::usage(format!("--state: {error}"))
}

/// The failed events in the range, oldest first.
fn fetch(api: &Api, args: &ReplayArgs, json: bool) -> Result<Vec<FailedEvent>, Failure> {
    let client = config::client(api)?;
    let query = commands::query(Some(1000), args.until, "--until")?;
    let since = args.since.map(|s| s.instant());
    let progress = output::Progress::new(None, json);
    progress.message("fetching failed events");
    let mut events = Vec::new();
    for event in client.webhooks().failed_events_all(args.id, &query)? {
        let Some(event) = progress.walked(event)? else {
            continue;
        };
        // Newest first: once one is older than --since, all the rest are too.
        if since.is_some_and(|since| event.created_at < since) {
            break;
        }
        events.push(event);
        progress.inc();
    }
    progress.clear();
    events.reverse();
    Ok(events)
}

/// Delivers on a thread of its own and waits for the answer, unless Ctrl-C comes
/// first (`None`): a receiver that stalls must not hold the user hostage for the
/// whole `--timeout`. An answer that came is always taken, even with Ctrl-C.
fn deliver_unless_interrupted(
    agent: &ureq::Agent,
    to: &str,
    secret: &SigningSecret,
    event: &FailedEvent,
    interrupted: &AtomicBool,
) -> Option<Result<u16, String>> {
    let (tx, rx) = mpsc::channel();
    let (agent, to, secret) = (agent.clone(), to.to_owned(), secret.clone());
    let body = event.payload_json().as_bytes().to_vec();
    let spawned = std::thread::Builder::new()
        .name("replay-delivery".into())
        .spawn(move || {
            let _ = tx.send(deliver(&agent, &to, &secret, &body));
        });
    if let Err(e) = spawned {
        return Some(Err(format!("cannot start the delivery: {e}")));
    }
    loop {
        match rx.recv_timeout(INTERRUPT_POLL) {
            Ok(result) => return Some(result),
            Err(RecvTimeoutError::Timeout) if interrupted.load(Ordering::SeqCst) => return None,
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                return Some(Err("the delivery stopped without an answer".into()));
            }
        }
    }
}

/// POSTs the payload byte for byte, signed as Revolut signs; the status on a 2xx.
fn deliver(
    agent: &ureq::Agent,
    to: &str,
    secret: &SigningSecret,
    body: &[u8],
) -> Result<u16, String> {
    let timestamp = timestamp_ms(OffsetDateTime::now_utc());
    let mut post = agent
        .post(to)
        .header("content-type", "application/json")
        .header(TIMESTAMP_HEADER, timestamp.to_string())
        .header(SIGNATURE_HEADER, sign_delivery(secret, timestamp, body));
    // The event's delivery key, as the relay sends it: a receiver that keeps keys tells
    // a replayed event from a new one. (A payload that is not an event has none.)
    if let Ok(key) = revolut_webhooks::events::DeliveryKey::from_body(body) {
        post = post.header(crate::relay::IDEMPOTENCY_KEY, key.as_str());
    }
    let response = post.send(body).map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    if (200..300).contains(&status) {
        Ok(status)
    } else {
        Err(format!("HTTP {status}"))
    }
}

fn report(
    out: &mut Out,
    json: bool,
    progress: &output::Progress,
    event: &FailedEvent,
    result: &str,
    detail: Option<String>,
) -> Result<(), Failure> {
    progress.inc();
    progress.suspend(|| report_line(out, json, event, result, detail))
}

fn report_line(
    out: &mut Out,
    json: bool,
    event: &FailedEvent,
    result: &str,
    detail: Option<String>,
) -> Result<(), Failure> {
    if json {
        out.json(&json!({
            "id": event.id,
            "created_at": output::time(event.created_at),
            "event": output::event_name(event),
            "result": result,
            "detail": detail,
        }))
    } else {
        out.line(format_args!(
            "{result:<13}  {}  {}  {}{}",
            event.id,
            output::time(event.created_at),
            output::event_name(event),
            detail.map(|d| format!("  {d}")).unwrap_or_default()
        ))
    }
}

fn summary(out: &mut Out, json: bool, tally: &Tally, stop: Stop) -> Result<(), Failure> {
    if json {
        out.json(&json!({
            "summary": {
                "delivered": tally.delivered,
                "skipped": tally.skipped,
                "failed": tally.failed,
                "not_attempted": tally.not_attempted,
                "would_deliver": tally.dry_run,
            }
        }))
    } else {
        let mut line = format!(
            "replay: {} delivered, {} skipped (delivered before), {} failed",
            tally.delivered, tally.skipped, tally.failed
        );
        if tally.not_attempted > 0 || stop == Stop::Interrupted {
            let why = match stop {
                Stop::Interrupted => "interrupted",
                _ => "stopped after failures in a row",
            };
            line.push_str(&format!(", {} not attempted ({why})", tally.not_attempted));
        }
        if tally.dry_run > 0 {
            line.push_str(&format!(", {} would be delivered (dry run)", tally.dry_run));
        }
        out.line(line)
    }
}

#[cfg(test)]
mod tests {
    use super::receiver_key;

    #[test]
    fn the_receiver_key_drops_credentials_query_and_fragment() {
        assert_eq!(
            receiver_key("https://user:pw@Hooks.Example.com:8443/Revolut?token=abc#x"),
            "https://hooks.example.com:8443/Revolut"
        );
        assert_eq!(
            receiver_key("http://127.0.0.1:3000"),
            "http://127.0.0.1:3000"
        );
        assert_eq!(receiver_key("HTTP://a.example/p/q"), "http://a.example/p/q");
    }
}
