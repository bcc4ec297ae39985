//! One function per subcommand.

use std::io::Read;
use std::time::Duration;

use revolut_webhooks::signature::{Verifier, VerifyError};
use revolut_webhooks::{
    CreateWebhook, EventType, FailedEventsQuery, SecretExpiration, UpdateWebhook, ValidationError,
};
use revolut_webhooks::{FAILED_EVENTS_WINDOW, MAX_PAGE_SIZE};
use serde_json::json;

use crate::args::{Api, Cli, Command, Format, VerifyArgs};
use crate::failure::{self, Failure};
use crate::output::{self, Out};
use crate::time_arg::TimeArg;
use crate::{Outcome, config, listen, replay};

/// The API's page size when none is asked for.
const DEFAULT_PAGE: u32 = 100;

pub(crate) fn run(out: &mut Out, cli: Cli) -> Outcome {
    let json = cli.global.output == Format::Json;
    match cli.command {
        Command::List { api } => {
            let hooks = config::client(&api)?.webhooks().list()?;
            output::webhooks(out, json, &hooks)?;
        }
        Command::Get {
            id,
            show_secret,
            api,
        } => {
            let hook = config::client(&api)?.webhooks().get(id)?;
            output::webhook_with_secret(out, json, &hook, show_secret)?;
        }
        Command::Create {
            url,
            events,
            show_secret,
            api,
        } => {
            let mut create = CreateWebhook::new(url).map_err(flag("URL"))?;
            if !events.is_empty() {
                create = create
                    .with_events(event_types(&events)?)
                    .map_err(flag("--events"))?;
            }
            let hook = config::client(&api)?.webhooks().create(&create)?;
            output::webhook_with_secret(out, json, &hook, show_secret)?;
        }
        Command::Update {
            id,
            url,
            events,
            api,
        } => {
            let events = (!events.is_empty())
                .then(|| event_types(&events))
                .transpose()?;
            let update = match (url, events) {
                (Some(url), events) => {
                    let update = UpdateWebhook::with_url(url).map_err(flag("--url"))?;
                    match events {
                        Some(events) => update.and_events(events).map_err(flag("--events"))?,
                        None => update,
                    }
                }
                (None, Some(events)) => {
                    UpdateWebhook::with_events(events).map_err(flag("--events"))?
                }
                (None, None) => {
                    return Err(Failure::usage("update needs --url, --events, or both"));
                }
            };
            let hook = config::client(&api)?.webhooks().update(id, &update)?;
            output::webhooks(out, json, &[hook])?;
        }
        Command::Delete { id, api } => {
            config::client(&api)?.webhooks().delete(id)?;
            if json {
                out.json(&json!({ "id": id, "deleted": true }))?;
            } else {
                out.line(format_args!("deleted {id}"))?;
            }
        }
        Command::Rotate {
            id,
            expire_after,
            show_secret,
            api,
        } => {
            let expiration = expire_after
                .as_deref()
                .map(str::parse::<SecretExpiration>)
                .transpose()
                .map_err(flag("--expire-after"))?;
            let hook = config::client(&api)?
                .webhooks()
                .rotate_signing_secret(id, expiration)?;
            output::webhook_with_secret(out, json, &hook, show_secret)?;
        }
        Command::Failed {
            id,
            all,
            limit,
            before,
            api,
        } => failed(out, &api, json, id, all, limit, before)?,
        Command::Replay(args) => return replay::run(out, json, &args),
        Command::Verify(args) => return verify(out, json, &args),
        Command::Emulator(args) => return crate::emulator::run(out, json, &args),
        Command::Trigger(args) => return crate::trigger::run(out, json, &args),
        Command::Listen(args) => return listen::run(out, json, &args),
        Command::Sandbox(args) => return crate::sandbox::run(out, json, &args),
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(
                shell,
                &mut <Cli as clap::CommandFactory>::command(),
                "revolut-webhooks",
                &mut script,
            );
            out.bytes(&script)?;
        }
    }
    Ok(failure::OK)
}

/// A refused value, in the words the user typed: the flag's name, not the API field's.
pub(crate) fn flag(name: &'static str) -> impl Fn(ValidationError) -> Failure {
    move |e| Failure::usage(format!("{name}: {}", e.reason))
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
                    "--events: unknown event type {name:?}; known: {}",
                    known.join(", ")
                )))
            } else {
                Ok(t)
            }
        })
        .collect()
}

pub(crate) fn query(
    limit: Option<u32>,
    before: Option<TimeArg>,
    before_flag: &'static str,
) -> Result<FailedEventsQuery, Failure> {
    let mut query = FailedEventsQuery::new();
    if let Some(limit) = limit {
        query = query.with_limit(limit).map_err(flag("--limit"))?;
    }
    if let Some(before) = before {
        // The library checks the 21-day window too, but names the API's field.
        let oldest = time::OffsetDateTime::now_utc() - FAILED_EVENTS_WINDOW;
        if before.instant() < oldest {
            return Err(Failure::usage(format!(
                "{before_flag} {}: more than 21 days ago; Revolut keeps failed events for 21 days",
                before.0
            )));
        }
        query = query.with_created_before(before.0);
    }
    Ok(query)
}

fn failed(
    out: &mut Out,
    api: &Api,
    json: bool,
    id: revolut_webhooks::WebhookId,
    all: bool,
    limit: Option<u32>,
    before: Option<TimeArg>,
) -> Result<(), Failure> {
    let client = config::client(api)?;
    if all {
        let query = query(limit, before, "--before")?;
        let progress = output::Progress::new(None, json);
        progress.message("fetching failed events");
        let mut rows = Vec::new();
        let mut count = 0usize;
        for event in client.webhooks().failed_events_all(id, &query)? {
            let Some(event) = progress.walked(event)? else {
                continue;
            };
            if json {
                // Stream: a script sees events as pages arrive.
                out.json(&output::failed_json(&event))
                    .inspect_err(|_| progress.clear())?;
            } else {
                rows.push(output::failed_row(&event));
            }
            count += 1;
            progress.inc();
        }
        progress.clear();
        if !json {
            output::table(out, &output::FAILED_HEADERS, &rows, "no failed events")?;
        }
        // The summary goes to stderr: stdout stays the table or the JSON lines.
        output::note(format_args!(
            "({count} failed event{} in all)",
            if count == 1 { "" } else { "s" }
        ));
        return Ok(());
    }
    // One more than shown says whether there is more, without a second request.
    let shown = limit.unwrap_or(DEFAULT_PAGE);
    let asked = shown.saturating_add(1).min(MAX_PAGE_SIZE);
    let query = query(Some(shown), before, "--before")?
        .with_limit(asked)
        .map_err(flag("--limit"))?;
    let mut page = client.webhooks().failed_events(id, &query)?;
    let more = if asked > shown {
        let more = page.len() > shown as usize;
        page.truncate(shown as usize);
        Some(more)
    } else {
        // A full page of the largest size: only the next page can tell.
        (page.len() >= shown as usize).then_some(false)
    };
    if json {
        for event in &page {
            out.json(&output::failed_json(event))?;
        }
    } else {
        let rows: Vec<Vec<String>> = page.iter().map(output::failed_row).collect();
        output::table(out, &output::FAILED_HEADERS, &rows, "no failed events")?;
    }
    match more {
        Some(true) => output::note(format_args!(
            "(more failed events than the {shown} shown: `--all` lists every one)"
        )),
        Some(false) => {}
        None => output::note(format_args!(
            "(there may be more failed events than the {shown} shown: `--all` lists every one)"
        )),
    }
    Ok(())
}

fn verify(out: &mut Out, json: bool, args: &VerifyArgs) -> Outcome {
    if args.secrets.iter().all(|s| s.trim().is_empty()) {
        return Err(Failure::usage(
            "verify needs the signing secret: set REVOLUT_WEBHOOK_SECRET or pass --secret wsk_...",
        ));
    }
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
                out.json(&json!({ "valid": true }))?;
            } else {
                out.line("valid: the signature matches and the timestamp is within tolerance")?;
            }
            Ok(failure::OK)
        }
        Err(why) => {
            let reason = verify_reason(&why, args.tolerance);
            if json {
                out.json(&json!({ "valid": false, "reason": reason }))?;
            } else {
                out.line(format_args!("invalid: {reason}"))?;
            }
            Ok(failure::VERIFY)
        }
    }
}

/// Why a delivery is invalid, with ages in units a person reads.
pub(crate) fn verify_reason(why: &VerifyError, tolerance_secs: u64) -> String {
    let tolerance = human_duration(tolerance_secs.saturating_mul(1000));
    match why {
        VerifyError::TimestampTooOld { skew_ms } => format!(
            "webhook timestamp is too old: {} ago, more than the {tolerance} tolerance \
             (--tolerance, or --ignore-age for a capture this old)",
            human_duration(*skew_ms)
        ),
        VerifyError::TimestampInFuture { skew_ms } => format!(
            "webhook timestamp is too far in the future: {} ahead, more than the {tolerance} \
             tolerance (is this machine's clock right?)",
            human_duration(*skew_ms)
        ),
        other => other.to_string(),
    }
}

/// `1 day 2 h`, `3 h 5 min`, `4 min 10 s`, `12 s`, `250 ms`: the two largest units.
pub(crate) fn human_duration(ms: u64) -> String {
    const S: u64 = 1000;
    const MIN: u64 = 60 * S;
    const H: u64 = 60 * MIN;
    const DAY: u64 = 24 * H;
    let two = |big: u64, big_unit: &str, small: u64, small_unit: &str| {
        if small == 0 {
            format!("{big} {big_unit}")
        } else {
            format!("{big} {big_unit} {small} {small_unit}")
        }
    };
    if ms >= DAY {
        let days = ms / DAY;
        let unit = if days == 1 { "day" } else { "days" };
        two(days, unit, ms % DAY / H, "h")
    } else if ms >= H {
        two(ms / H, "h", ms % H / MIN, "min")
    } else if ms >= MIN {
        two(ms / MIN, "min", ms % MIN / S, "s")
    } else if ms >= S {
        format!("{} s", ms / S)
    } else {
        format!("{ms} ms")
    }
}

#[cfg(test)]
mod tests {
    use super::human_duration;

    #[test]
    fn durations_in_the_two_largest_units() {
        assert_eq!(human_duration(96_168_013_444), "1113 days 1 h");
        assert_eq!(human_duration(93_600_000), "1 day 2 h");
        assert_eq!(human_duration(86_400_000), "1 day");
        assert_eq!(
            human_duration(3 * 3_600_000 + 5 * 60_000 + 999),
            "3 h 5 min"
        );
        assert_eq!(human_duration(250_000), "4 min 10 s");
        assert_eq!(human_duration(300_000), "5 min");
        assert_eq!(human_duration(12_345), "12 s");
        assert_eq!(human_duration(250), "250 ms");
        assert_eq!(human_duration(u64::MAX), "213503982334 days 14 h");
    }
}
