//! What `replay` prints: one line per event, and the summary.

use revolut_webhooks::FailedEvent;
use serde_json::json;

use crate::failure::Failure;
use crate::output::{self, Out};

#[derive(Debug, Default)]
pub(super) struct Tally {
    pub(super) delivered: usize,
    pub(super) skipped: usize,
    pub(super) failed: usize,
    pub(super) not_attempted: usize,
    pub(super) dry_run: usize,
}

/// Why the deliveries stopped before the last event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stop {
    Finished,
    FailuresInARow,
    Interrupted,
}

pub(super) fn report(
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

pub(super) fn summary(out: &mut Out, json: bool, tally: &Tally, stop: Stop) -> Result<(), Failure> {
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
