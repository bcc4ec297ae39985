//! A batch job that drains every failed event of a webhook and processes each one
//! once across restarts, with a [`Checkpoint`]: a crash mid-way loses at most the
//! event being processed, which the next run processes again.
//!
//! ```text
//! cargo run --example batch_drain --features emulator
//! ```
//!
//! With no arguments it runs on the local emulator: it makes five failed events,
//! runs the job once and "crashes" after two of them, runs it again, and checks
//! that each event was processed exactly once.
//!
//! Against the API (the Sandbox, or production), with `REVOLUT_ENVIRONMENT` and
//! `REVOLUT_ACCESS_TOKEN` set:
//!
//! ```text
//! cargo run --example batch_drain --features emulator -- WEBHOOK_ID [CHECKPOINT_FILE] [--crash-after N]
//! ```
//!
//! `--crash-after N` aborts the process (no cleanup, no destructors) in the middle
//! of the event after the N-th: run the same command again and it resumes.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use revolut_webhooks::auth::StaticToken;
use revolut_webhooks::blocking::Client;
use revolut_webhooks::checkpoint::Checkpoint;
use revolut_webhooks::emulator::{Emulator, Event};
use revolut_webhooks::pagination::WalkError;
use revolut_webhooks::{
    CreateWebhook, Environment, EventType, FailedEvent, FailedEventId, FailedEventsQuery, WebhookId,
};

type Error = Box<dyn std::error::Error>;

/// The name the checkpoint records as having processed the events: one
/// checkpoint per job, so two jobs never skip each other's work.
const CONSUMER: &str = "batch_drain example";

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() {
        return demo();
    }
    let webhook: WebhookId = args[0].parse()?;
    let checkpoint = args
        .get(1)
        .filter(|a| !a.starts_with("--"))
        .cloned()
        .unwrap_or_else(|| format!("batch-drain-{webhook}.checkpoint"));
    let crash_after = match args.iter().position(|a| a == "--crash-after") {
        Some(i) => Some(args.get(i + 1).ok_or("--crash-after needs N")?.parse()?),
        None => None,
    };
    // `production` (the default), `sandbox` or a base URL, as the CLI reads it.
    let environment = Environment::from_env()?;
    let token = std::env::var("REVOLUT_ACCESS_TOKEN").map_err(|_| "set REVOLUT_ACCESS_TOKEN")?;
    let client = Client::builder()
        .environment(environment)
        .token_provider(StaticToken::new(token.trim()))
        .build()?;
    let summary = drain(
        &client,
        webhook,
        Path::new(&checkpoint),
        crash_after,
        |event| {
            println!("processing {} ({})", event.id, event_name(event));
            Ok(())
        },
    )?;
    println!("{summary}");
    Ok(())
}

/// What one run did.
struct Summary {
    processed: usize,
    skipped: usize,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} processed, {} skipped (processed by an earlier run)",
            self.processed, self.skipped
        )
    }
}

/// Processes every failed event of `webhook` that the checkpoint does not list,
/// recording each one once `process` has finished with it. With `crash_after`,
/// stops dead in the middle of the next event, as a crash would.
fn drain(
    client: &Client,
    webhook: WebhookId,
    checkpoint: &Path,
    crash_after: Option<usize>,
    mut process: impl FnMut(&FailedEvent) -> Result<(), Error>,
) -> Result<Summary, Error> {
    let mut done = Checkpoint::builder(checkpoint, webhook, CONSUMER).open()?;
    let mut summary = Summary {
        processed: 0,
        skipped: 0,
    };
    // Every failed event exactly once, page after page, newest first.
    for event in client
        .webhooks()
        .failed_events_all(webhook, &FailedEventsQuery::new())?
    {
        let event = match event {
            Ok(event) => event,
            // More than 1000 events at one instant: some could not be read. Say so
            // and go on; the walk continues with older events.
            Err(WalkError::TiedEventsOverflow(overflow)) => {
                eprintln!("warning: {overflow}");
                continue;
            }
            // A request failed: the walk ends. Run the job again later; the
            // checkpoint keeps what was done.
            Err(other) => return Err(other.into()),
        };
        if done.contains(event.id) {
            summary.skipped += 1;
            continue;
        }
        if crash_after == Some(summary.processed) {
            crash();
        }
        process(&event)?;
        // Synced to disk before it returns: from here on, no run processes it again.
        done.record(event.id)?;
        summary.processed += 1;
    }
    Ok(summary)
}

/// A crash: the process ends without running anything else.
fn crash() -> ! {
    eprintln!("crash! (run the same command again)");
    std::process::abort()
}

fn event_name(event: &FailedEvent) -> String {
    event
        .event()
        .map(|e| e.event.as_str().to_owned())
        .unwrap_or_else(|_| "?".into())
}

/// The same job on the emulator, with a crash simulated in-process.
fn demo() -> Result<(), Error> {
    println!("batch_drain on the local emulator (no account needed)");
    let emulator = Emulator::builder()
        .retry_interval(Duration::from_millis(1))
        .start()?;
    let client = Client::builder()
        .environment(emulator.environment())
        .token_provider(StaticToken::new(emulator.access_token().expose_secret()))
        .build()?;
    // Nothing listens on port 1: every delivery fails and becomes a failed event.
    let hook = client.webhooks().create(
        &CreateWebhook::new("https://127.0.0.1:1/down")?
            .with_events([EventType::TransactionCreated])?,
    )?;
    for _ in 0..5 {
        emulator.emit_and_wait(Event::transaction_created());
    }
    let dir = std::env::temp_dir().join(format!("batch-drain-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let checkpoint = dir.join("checkpoint");

    let mut times: HashMap<FailedEventId, usize> = HashMap::new();
    // The first run "crashes" in the middle of its third event: drain() would
    // abort the process, so here processing fails instead, after two records.
    let mut n = 0;
    let first = drain(&client, hook.id, &checkpoint, None, |event| {
        if n == 2 {
            return Err("simulated crash while processing".into());
        }
        n += 1;
        *times.entry(event.id).or_default() += 1;
        Ok(())
    });
    println!(
        "run 1: {}",
        first.err().map(|e| e.to_string()).unwrap_or_default()
    );
    let second = drain(&client, hook.id, &checkpoint, None, |event| {
        *times.entry(event.id).or_default() += 1;
        Ok(())
    })?;
    println!("run 2: {second}");
    let third = drain(&client, hook.id, &checkpoint, None, |_| {
        Err("nothing should be left to process".into())
    })?;
    println!("run 3: {third}");

    assert_eq!(times.len(), 5, "every failed event processed");
    assert!(times.values().all(|&n| n == 1), "each one exactly once");
    assert_eq!((second.processed, second.skipped), (3, 2));
    assert_eq!((third.processed, third.skipped), (0, 5));
    println!("each of the 5 failed events was processed exactly once");
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
