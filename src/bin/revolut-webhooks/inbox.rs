//! `inbox status|reconcile|dead|retry`: the relay's inbox (or any receiver's), from a shell.

use clap::{Args, Subcommand};
use revolut_webhooks::events::DeliveryKey;
use revolut_webhooks::inbox::{Inbox, InboxError};
use revolut_webhooks::pagination::WalkError;
use revolut_webhooks::{FailedEventsQuery, WebhookId};
use serde_json::json;

use crate::args::Api;
use crate::failure::Outcome;
use crate::failure::{self, Failure};
use crate::output::{self, Out};
use crate::relay::{StoreArg, escape, redacted, runtime, store_failure};

/// The most dead letters `inbox dead` lists at once.
const MAX_LIST: u32 = 10_000;

#[derive(Debug, Args)]
pub(crate) struct InboxArgs {
    #[command(subcommand)]
    pub command: InboxCommand,
}

#[derive(Debug, Subcommand)]
pub(crate) enum InboxCommand {
    /// Counts by state (received, pending, done, dead) and the oldest pending event's age.
    Status {
        #[command(flatten)]
        store: StoreArg,
    },
    /// Store a webhook's failed events (the last 21 days) that the inbox lacks; events
    /// already there are counted as known. The relay then forwards the new ones.
    Reconcile {
        /// The webhook whose failed events to take.
        id: WebhookId,
        #[command(flatten)]
        store: StoreArg,
        #[command(flatten)]
        api: Api,
    },
    /// List dead letters (events the app refused on every attempt), oldest first.
    Dead {
        /// At most this many (1..=10000).
        #[arg(long, default_value_t = 100, value_name = "N",
              value_parser = clap::value_parser!(u32).range(1..=MAX_LIST as i64))]
        limit: u32,
        #[command(flatten)]
        store: StoreArg,
    },
    /// Put dead letters back in line, with a fresh count of attempts: those with the
    /// keys given, or every one with --all.
    Retry {
        /// Delivery keys, as `inbox dead` lists them.
        keys: Vec<String>,
        /// Every dead letter.
        #[arg(long, conflicts_with = "keys")]
        all: bool,
        #[command(flatten)]
        store: StoreArg,
    },
}

pub(crate) fn run(out: &mut Out, json: bool, args: &InboxArgs) -> Outcome {
    let runtime = runtime()?;
    let result = runtime.block_on(command(out, json, &args.command));
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    result
}

async fn open(store: &StoreArg) -> Result<Inbox, Failure> {
    let store = store.store.trim();
    Inbox::open(store)
        .await
        .map_err(|e| store_failure(store, &e))
}

fn store_error(store: &StoreArg) -> impl Fn(InboxError) -> Failure + '_ {
    move |e| store_failure(store.store.trim(), &e)
}

async fn command(out: &mut Out, json: bool, command: &InboxCommand) -> Outcome {
    match command {
        InboxCommand::Status { store } => {
            let inbox = open(store).await?;
            let status = inbox.status().await.map_err(store_error(store))?;
            inbox.close().await;
            let age = status.oldest_pending_age.map(|a| a.as_secs());
            if json {
                out.json(&json!({
                    "received": status.received,
                    "pending": status.pending,
                    "in_progress": status.in_progress,
                    "done": status.done,
                    "dead": status.dead,
                    "oldest_pending_age_secs": age,
                }))?;
            } else {
                out.line(format_args!(
                    "store        {}",
                    redacted(store.store.trim())
                ))?;
                out.line(format_args!("received     {}", status.received))?;
                out.line(format_args!(
                    "pending      {} ({} being forwarded)",
                    status.pending, status.in_progress
                ))?;
                out.line(format_args!("done         {}", status.done))?;
                out.line(format_args!("dead         {}", status.dead))?;
                match age {
                    Some(secs) => {
                        out.line(format_args!("oldest pending event waiting {secs} s"))?
                    }
                    None => out.line("no pending event")?,
                }
            }
        }
        InboxCommand::Reconcile { id, store, api } => {
            return reconcile(out, json, *id, store, api).await;
        }
        InboxCommand::Dead { limit, store } => {
            let inbox = open(store).await?;
            let dead = inbox
                .dead_letters(*limit)
                .await
                .map_err(store_error(store))?;
            inbox.close().await;
            let mut rows = Vec::new();
            for letter in &dead {
                let event = &letter.event;
                let died = letter.died_at.and_then(|t| {
                    t.format(&time::format_description::well_known::Rfc3339)
                        .ok()
                });
                if json {
                    out.json(&json!({
                        "key": event.key,
                        "event": event.event_type,
                        "data_id": event.object_id,
                        "timestamp": event.timestamp.format(&time::format_description::well_known::Rfc3339).ok(),
                        "attempts": event.attempt,
                        "died_at": died,
                        "last_error": letter.last_error,
                    }))?;
                } else {
                    rows.push(vec![
                        event.key.to_string(),
                        escape(&event.event_type),
                        escape(event.object_id.as_deref().unwrap_or("-")),
                        event.attempt.to_string(),
                        died.unwrap_or_else(|| "-".into()),
                        escape(letter.last_error.as_deref().unwrap_or("-")),
                    ]);
                }
            }
            if !json {
                output::table(
                    out,
                    &["KEY", "EVENT", "DATA ID", "ATTEMPTS", "DIED", "LAST ERROR"],
                    &rows,
                    "no dead letters",
                )?;
            }
        }
        InboxCommand::Retry { keys, all, store } => {
            if keys.is_empty() && !all {
                return Err(Failure::usage(
                    "inbox retry needs the keys of dead letters (see `inbox dead`), or --all",
                ));
            }
            let parsed = keys
                .iter()
                .map(|k| {
                    k.trim().parse::<DeliveryKey>().map_err(|e| {
                        Failure::usage(format!("{:?}: not a delivery key: {e}", escape(k)))
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            let inbox = open(store).await?;
            let mut requeued = 0u64;
            let mut missing = Vec::new();
            if *all {
                requeued = inbox.requeue_all_dead().await.map_err(store_error(store))?;
            }
            for key in &parsed {
                if inbox.requeue(key).await.map_err(store_error(store))? {
                    requeued += 1;
                } else {
                    missing.push(key.to_string());
                }
            }
            inbox.close().await;
            if json {
                out.json(&json!({ "requeued": requeued, "not_dead": missing }))?;
            } else {
                out.line(format_args!("re-queued {requeued} dead letter(s)"))?;
                for key in &missing {
                    out.line(format_args!("not a dead letter: {key}"))?;
                }
            }
            if !missing.is_empty() {
                return Ok(failure::PARTIAL);
            }
        }
    }
    Ok(failure::OK)
}

async fn reconcile(
    out: &mut Out,
    json: bool,
    id: WebhookId,
    store: &StoreArg,
    api: &Api,
) -> Outcome {
    let client = crate::config::client(api)?;
    let inbox = open(store).await?;
    let walk = client
        .webhooks()
        .failed_events_all(id, &FailedEventsQuery::new())?;
    let report = inbox
        .reconcile_iter(walk)
        .await
        .map_err(store_error(store))?;
    inbox.close().await;
    let invalid: Vec<String> = report.invalid.iter().map(ToString::to_string).collect();
    if json {
        out.json(&json!({
            "new": report.new,
            "known": report.known,
            "invalid": invalid,
            "walk_errors": report.walk_errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
        }))?;
    } else {
        out.line(format_args!(
            "{} new, {} already known",
            report.new, report.known
        ))?;
        for id in &invalid {
            out.line(format_args!("not an event, not stored: failed event {id}"))?;
        }
    }
    for error in &report.walk_errors {
        output::note(format_args!("warning: {error}"));
    }
    // A walk cut short by a failed request: its error decides the exit code (auth, API).
    if let Some(WalkError::Request(e)) = report.walk_errors.into_iter().find(WalkError::ends_walk) {
        return Err(Failure::from(e));
    }
    Ok(if invalid.is_empty() {
        failure::OK
    } else {
        failure::PARTIAL
    })
}
