//! One function per subcommand.

use std::io::Read;
use std::time::Duration;

use revolut_webhooks::pagination::WalkError;
use revolut_webhooks::{
    CreateWebhook, EventType, FailedEventsQuery, SecretExpiration, UpdateWebhook, Verifier,
};
use serde_json::json;

use crate::args::{Cli, Command, EmulatorArgs, Format, Global, VerifyArgs};
use crate::failure::{self, Failure};
use crate::time_arg::TimeArg;
use crate::{Outcome, config, output, replay};

pub fn run(cli: Cli) -> Outcome {
    let json = cli.global.output == Format::Json;
    let global = &cli.global;
    match cli.command {
        Command::List => {
            let hooks = config::client(global)?.webhooks().list()?;
            output::webhooks(json, &hooks);
        }
        Command::Get { id, show_secret } => {
            let hook = config::client(global)?.webhooks().get(id)?;
            output::webhook_with_secret(json, &hook, show_secret);
        }
        Command::Create {
            url,
            events,
            show_secret,
        } => {
            let mut create = CreateWebhook::new(url).map_err(usage)?;
            if !events.is_empty() {
                create = create.with_events(event_types(&events)?).map_err(usage)?;
            }
            let hook = config::client(global)?.webhooks().create(&create)?;
            output::webhook_with_secret(json, &hook, show_secret);
        }
        Command::Update { id, url, events } => {
            let events = (!events.is_empty())
                .then(|| event_types(&events))
                .transpose()?;
            let update = match (url, events) {
                (Some(url), events) => {
                    let update = UpdateWebhook::with_url(url).map_err(usage)?;
                    match events {
                        Some(events) => update.and_events(events).map_err(usage)?,
                        None => update,
                    }
                }
                (None, Some(events)) => UpdateWebhook::with_events(events).map_err(usage)?,
                (None, None) => {
                    return Err(Failure::usage("update needs --url, --events, or both"));
                }
            };
            let hook = config::client(global)?.webhooks().update(id, &update)?;
            output::webhooks(json, &[hook]);
        }
        Command::Delete { id } => {
            config::client(global)?.webhooks().delete(id)?;
            if json {
                output::json_line(&json!({ "id": id, "deleted": true }));
            } else {
                println!("deleted {id}");
            }
        }
        Command::Rotate {
            id,
            expire_after,
            show_secret,
        } => {
            let expiration = expire_after
                .as_deref()
                .map(str::parse::<SecretExpiration>)
                .transpose()
                .map_err(usage)?;
            let hook = config::client(global)?
                .webhooks()
                .rotate_signing_secret(id, expiration)?;
            output::webhook_with_secret(json, &hook, show_secret);
        }
        Command::Failed {
            id,
            all,
            limit,
            before,
        } => failed(global, json, id, all, limit, before)?,
        Command::Replay(args) => return replay::run(global, json, &args),
        Command::Verify(args) => return verify(json, &args),
        Command::Emulator(args) => return emulator(json, &args),
    }
    Ok(failure::OK)
}

fn usage(e: impl std::fmt::Display) -> Failure {
    Failure::usage(e.to_string())
}

/// Event type names; unknown names are refused here rather than by the API.
fn event_types(names: &[String]) -> Result<Vec<EventType>, Failure> {
    names
        .iter()
        .map(|name| {
            let t: EventType = name.trim().parse().unwrap_or_else(|e| match e {});
            if t.is_unknown() {
                let known: Vec<&str> = EventType::ALL.iter().map(EventType::as_str).collect();
                Err(Failure::usage(format!(
                    "unknown event type {name:?}; known: {}",
                    known.join(", ")
                )))
            } else {
                Ok(t)
            }
        })
        .collect()
}

pub fn query(limit: Option<u32>, before: Option<TimeArg>) -> Result<FailedEventsQuery, Failure> {
    let mut query = FailedEventsQuery::new();
    if let Some(limit) = limit {
        query = query.with_limit(limit).map_err(usage)?;
    }
    if let Some(before) = before {
        query = query.with_created_before(before.0);
    }
    Ok(query)
}

fn failed(
    global: &Global,
    json: bool,
    id: revolut_webhooks::WebhookId,
    all: bool,
    limit: Option<u32>,
    before: Option<TimeArg>,
) -> Result<(), Failure> {
    let client = config::client(global)?;
    let query = query(limit, before)?;
    let events = if all {
        let progress = output::Progress::new();
        let mut events = Vec::new();
        let mut count = 0usize;
        for event in client.webhooks().failed_events_all(id, &query)? {
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
            if json {
                // Stream: a script sees events as pages arrive.
                output::json_line(&output::failed_json(&event));
            } else {
                events.push(event);
            }
            count += 1;
            progress.show(&format!("fetched {count} failed events"));
        }
        progress.clear();
        events
    } else {
        let page = client.webhooks().failed_events(id, &query)?;
        if json {
            for event in &page {
                output::json_line(&output::failed_json(event));
            }
        }
        page
    };
    if !json {
        let rows: Vec<Vec<String>> = events.iter().map(output::failed_row).collect();
        output::table(&output::FAILED_HEADERS, &rows, "no failed events");
    }
    Ok(())
}

fn verify(json: bool, args: &VerifyArgs) -> Outcome {
    let body = if args.body.as_os_str() == "-" {
        let mut body = Vec::new();
        std::io::stdin().read_to_end(&mut body).map_err(|e| {
            Failure::usage(format!("cannot read the body from standard input: {e}"))
        })?;
        body
    } else {
        std::fs::read(&args.body).map_err(|e| {
            Failure::usage(format!(
                "cannot read the body file {}: {e}",
                args.body.display()
            ))
        })?
    };
    let secrets: Vec<&str> = args.secrets.iter().map(|s| s.trim()).collect();
    let tolerance = if args.ignore_age {
        Duration::MAX
    } else {
        Duration::from_secs(args.tolerance)
    };
    let verifier = Verifier::from_secrets(secrets)
        .map_err(|e| Failure::usage(format!("--secret: {e}")))?
        .with_tolerance(tolerance);
    match verifier.verify(&body, &args.timestamp, &args.signature) {
        Ok(()) => {
            if json {
                output::json_line(&json!({ "valid": true }));
            } else {
                println!("valid: the signature matches and the timestamp is within tolerance");
            }
            Ok(failure::OK)
        }
        Err(why) => {
            if json {
                output::json_line(&json!({ "valid": false, "reason": why.to_string() }));
            } else {
                println!("invalid: {why}");
            }
            Ok(failure::VERIFY)
        }
    }
}

#[cfg(feature = "emulator")]
fn emulator(json: bool, args: &EmulatorArgs) -> Outcome {
    use revolut_webhooks::emulator::Emulator;

    let mut builder = Emulator::builder()
        .port(args.port)
        .retry_interval(Duration::from_millis(args.retry_interval_ms))
        .allow_loopback_http(!args.https_only);
    if let Some(token) = &args.token {
        builder = builder.access_token(token.clone());
    }
    let emulator = builder
        .start()
        .map_err(|e| Failure::usage(format!("cannot start the emulator: {e}")))?;
    let base = emulator.base_url();
    // The emulator's own token: printing it is the point (it opens nothing real).
    let token = emulator.access_token().expose_secret();
    if json {
        output::json_line(&json!({ "base_url": base, "access_token": token }));
    } else {
        println!("Revolut webhooks emulator listening on {base}");
        println!();
        println!("  export REVOLUT_ENVIRONMENT={base}");
        println!("  export REVOLUT_ACCESS_TOKEN={token}");
        println!();
        println!("Emit an event to every subscribed webhook:");
        println!(
            "  curl -s -X POST {base}/_emulator/events -H 'Content-Type: application/json' -d '{{\"event\":\"TransactionCreated\"}}'"
        );
        println!();
        println!("Press Ctrl-C to stop.");
    }
    use std::io::Write;
    let _ = std::io::stdout().flush();
    loop {
        std::thread::park();
    }
}

#[cfg(not(feature = "emulator"))]
fn emulator(_json: bool, _args: &EmulatorArgs) -> Outcome {
    Err(Failure::usage(
        "this binary was built without the emulator: install it with \
         `cargo install revolut-webhooks --features cli,emulator`, or run \
         `cargo run --features emulator --example emulator` from the source",
    ))
}
