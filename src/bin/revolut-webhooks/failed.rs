//! `failed`: a webhook's failed events, one page or `--all`.

use revolut_webhooks::{MAX_PAGE_SIZE, WebhookId};

use crate::args::Api;
use crate::config;
use crate::event_range::query;
use crate::failure::Outcome;
use crate::failure::{self, flag};
use crate::output::{self, Out};
use crate::time_arg::TimeArg;

/// The API's page size when none is asked for.
const DEFAULT_PAGE: u32 = 100;

pub(crate) fn run(
    out: &mut Out,
    json: bool,
    api: &Api,
    id: WebhookId,
    all: bool,
    limit: Option<u32>,
    before: Option<TimeArg>,
) -> Outcome {
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
        return Ok(failure::OK);
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
    Ok(failure::OK)
}
