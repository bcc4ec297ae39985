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

mod deliver;
mod report;
mod state;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use revolut_webhooks::checkpoint::Checkpoint;
use revolut_webhooks::signature::Verifier;
use revolut_webhooks::{FailedEvent, FailedEventId, SigningSecret};

use self::deliver::deliver_unless_interrupted;
use self::report::{Stop, Tally, report, summary};
use self::state::{default_state, receiver_key, state_failure};
use crate::args::{Api, ReplayArgs};
use crate::event_range::query;
use crate::failure::Outcome;
use crate::failure::{self, Failure};
use crate::output::{self, Out};
use crate::{agent, config};

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
        None => default_state(args.id, &receiver),
    };
    let checkpoint = Checkpoint::builder(&state_path, args.id, receiver.as_str());
    let agent = agent::for_url(to, Duration::from_secs(args.timeout), "--to")?;
    // A reader that left (`| head -1`) ends a replay early, but not as a success: exit 0
    // means "all delivered" to a script. Every delivery is recorded before its line is
    // written, so the checkpoint holds exactly the events delivered. A dry run is a
    // listing, and ends quietly like `failed`.
    let closed = |failure: Failure| {
        if failure.quiet && !args.dry_run {
            Failure::new(
                failure::OUTPUT_CLOSED,
                format!(
                    "standard output was closed, so replay stopped early; the events delivered \
                     so far are recorded in {}: run the same command again to send the rest",
                    state_path.display()
                ),
            )
        } else {
            failure
        }
    };

    let events = fetch(&args.api, args, json)?;

    let (done, mut state) = if args.dry_run {
        (checkpoint.peek().map_err(state_failure)?, None)
    } else {
        let state = checkpoint.open().map_err(state_failure)?;
        (state.ids().collect::<HashSet<FailedEventId>>(), Some(state))
    };

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
            report(out, json, &progress, event, "skipped", None).map_err(closed)?;
            continue;
        }
        let Some(state) = state.as_mut() else {
            tally.dry_run += 1;
            report(out, json, &progress, event, "would-deliver", None).map_err(closed)?;
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
                    summary(out, json, &tally, Stop::Finished).map_err(closed)?;
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
                )
                .map_err(closed)?;
            }
            Err(why) => {
                tally.failed += 1;
                consecutive_failures += 1;
                report(out, json, &progress, event, "failed", Some(why)).map_err(closed)?;
                if consecutive_failures >= args.max_consecutive_failures.max(1) {
                    tally.not_attempted = total - n - 1;
                    stop = Stop::FailuresInARow;
                    break;
                }
            }
        }
    }
    progress.clear();
    summary(out, json, &tally, stop).map_err(closed)?;
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

/// The failed events in the range, oldest first.
fn fetch(api: &Api, args: &ReplayArgs, json: bool) -> Result<Vec<FailedEvent>, Failure> {
    let client = config::client(api)?;
    let query = query(Some(1000), args.until, "--until")?;
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
