//! Tables for people, JSON lines for scripts, all through one locked stdout.

use std::fmt::Display;
use std::io::{IsTerminal, StdoutLock, Write};

use revolut_webhooks::pagination::WalkError;
use revolut_webhooks::{CreatedBefore, EventType, FailedEvent, Webhook, WebhookWithSecret};
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::failure::Failure;

/// Standard output, locked once for the whole run. Every write says whether it
/// landed: a reader that went away (`| head -1`) ends the run quietly instead of
/// panicking the way `println!` does.
pub(crate) struct Out {
    stdout: StdoutLock<'static>,
}

impl Out {
    pub(crate) fn new() -> Out {
        Out {
            stdout: std::io::stdout().lock(),
        }
    }

    /// Writes one line.
    pub(crate) fn line(&mut self, text: impl Display) -> Result<(), Failure> {
        writeln!(self.stdout, "{text}").map_err(Failure::output)
    }

    /// Writes bytes as they are (a generated script).
    pub(crate) fn bytes(&mut self, bytes: &[u8]) -> Result<(), Failure> {
        self.stdout.write_all(bytes).map_err(Failure::output)
    }

    /// One JSON object on one line. Characters JSON may carry as they are but a
    /// terminal acts on (DEL, C1 controls, bidi and other invisible formatting
    /// characters, line and paragraph separators) are written as `\uXXXX` escapes:
    /// the same string to a JSON reader, inert on a screen.
    pub(crate) fn json(&mut self, value: &Value) -> Result<(), Failure> {
        self.line(inert_json(&value.to_string()))
    }

    pub(crate) fn flush(&mut self) -> Result<(), Failure> {
        self.stdout.flush().map_err(Failure::output)
    }
}

/// Text from outside (a sender, a file) made fit for one line on a terminal: `\`,
/// line breaks, tabs, every control character and invisible formatting character
/// are written as escapes (`\\`, `\n`, `\r`, `\t`, `\u{1b}`), all else as it is.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || is_hazard(c) => {
                out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out
}

/// Serialized JSON with the characters of `is_hazard` written as `\uXXXX`: they
/// only ever stand inside strings, so a JSON reader reads the same value.
pub(crate) fn inert_json(text: &str) -> String {
    let mut safe = String::with_capacity(text.len());
    for c in text.chars() {
        if is_hazard(c) {
            safe.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            safe.push(c);
        }
    }
    safe
}

/// Characters a terminal acts on or hides that JSON leaves as they are: DEL, the C1
/// controls (CSI among them), bidi controls, zero-width and other format characters,
/// line and paragraph separators.
fn is_hazard(c: char) -> bool {
    matches!(c,
        '\u{7f}'..='\u{9f}'
        | '\u{ad}'
        | '\u{061c}'
        | '\u{180e}'
        | '\u{200b}'..='\u{200f}'
        | '\u{2028}'..='\u{202e}'
        | '\u{2060}'..='\u{206f}'
        | '\u{feff}'
        | '\u{fff9}'..='\u{fffb}')
}

/// A line for people on stderr. A closed stderr is no reason to fail the run.
pub(crate) fn note(text: impl Display) {
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

/// Aligned columns: a header row, then one row per item. Prints `empty` instead
/// when there are no rows.
pub(crate) fn table(
    out: &mut Out,
    headers: &[&str],
    rows: &[Vec<String>],
    empty: &str,
) -> Result<(), Failure> {
    if rows.is_empty() {
        return out.line(empty);
    }
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut text = String::new();
        for (i, (cell, w)) in cells.zip(&widths).enumerate() {
            if i + 1 == widths.len() {
                text.push_str(cell);
            } else {
                text.push_str(&format!("{cell:<w$}  "));
            }
        }
        text.trim_end().to_owned()
    };
    out.line(line(&mut headers.iter().copied()))?;
    for row in rows {
        out.line(line(&mut row.iter().map(String::as_str)))?;
    }
    Ok(())
}

/// An instant as the API writes it: UTC, always six fractional digits, so
/// columns align and text compares equal to what Revolut sent.
pub(crate) fn time(t: OffsetDateTime) -> String {
    CreatedBefore::DateTime(t).to_string()
}

fn events(events: &[EventType]) -> String {
    events
        .iter()
        .map(EventType::as_str)
        .collect::<Vec<_>>()
        .join(",")
}

/// A webhook as JSON, with its secret only when `secret` is given.
pub(crate) fn webhook_json(hook: &Webhook, secret: Option<&str>) -> Value {
    let mut value = json!({ "id": hook.id, "url": hook.url, "events": hook.events });
    if let Some(secret) = secret {
        value["signing_secret"] = json!(secret);
    }
    value
}

/// Prints webhooks (which carry no secrets) in the chosen format.
pub(crate) fn webhooks(out: &mut Out, json: bool, hooks: &[Webhook]) -> Result<(), Failure> {
    if json {
        for hook in hooks {
            out.json(&webhook_json(hook, None))?;
        }
        Ok(())
    } else {
        let rows: Vec<Vec<String>> = hooks
            .iter()
            .map(|h| vec![h.id.to_string(), h.url.clone(), events(&h.events)])
            .collect();
        table(out, &["ID", "URL", "EVENTS"], &rows, "no webhooks")
    }
}

/// Prints one webhook that came with its secret; the secret only if `show_secret`.
pub(crate) fn webhook_with_secret(
    out: &mut Out,
    json: bool,
    hook: &WebhookWithSecret,
    show_secret: bool,
) -> Result<(), Failure> {
    let plain = hook.without_secret();
    let secret = show_secret.then(|| hook.signing_secret.expose_secret());
    if json {
        return out.json(&webhook_json(&plain, secret));
    }
    let mut headers = vec!["ID", "URL", "EVENTS"];
    let mut row = vec![
        plain.id.to_string(),
        plain.url.clone(),
        events(&plain.events),
    ];
    if let Some(secret) = secret {
        headers.push("SIGNING SECRET");
        row.push(secret.to_owned());
    }
    table(out, &headers, &[row], "")?;
    if !show_secret {
        // A hint for people; JSON output stays free of it.
        note(format_args!(
            "(signing secret hidden: `revolut-webhooks get {} --show-secret` shows it)",
            plain.id
        ));
    }
    Ok(())
}

/// The `event` field of a failed event's payload, if it has one.
pub(crate) fn event_name(event: &FailedEvent) -> String {
    #[derive(serde::Deserialize)]
    struct Envelope {
        event: Option<String>,
    }
    event
        .payload_as::<Envelope>()
        .ok()
        .and_then(|e| e.event)
        .unwrap_or_else(|| "?".to_owned())
}

/// A failed event as JSON: the fields the API sent, times in its own format,
/// the payload as it came.
pub(crate) fn failed_json(event: &FailedEvent) -> Value {
    let payload: Value = serde_json::from_str(event.payload_json()).unwrap_or(Value::Null);
    json!({
        "id": event.id,
        "created_at": time(event.created_at),
        "updated_at": time(event.updated_at),
        "webhook_id": event.webhook_id,
        "webhook_url": event.webhook_url,
        "payload": payload,
        "last_sent_date": event.last_sent_date.map(time),
    })
}

pub(crate) fn failed_row(event: &FailedEvent) -> Vec<String> {
    vec![
        event.id.to_string(),
        time(event.created_at),
        event.last_sent_date.map(time).unwrap_or_else(|| "-".into()),
        event_name(event),
    ]
}

pub(crate) const FAILED_HEADERS: [&str; 4] = ["ID", "CREATED AT", "LAST SENT", "EVENT"];

/// A progress bar on stderr (count, rate, ETA) for long work. Drawn only when
/// both stdout and stderr are terminals and the output is for people: in a pipe,
/// a log or `-o json` it would be noise in someone else's data.
pub(crate) struct Progress {
    bar: indicatif::ProgressBar,
}

impl Progress {
    /// One item of a failed-events walk: the event, `None` to skip an overflow (after a
    /// warning: some events at one instant could not be read, and the walk goes on),
    /// or the request's error, which ends the walk.
    pub(crate) fn walked(
        &self,
        item: Result<FailedEvent, WalkError>,
    ) -> Result<Option<FailedEvent>, Failure> {
        match item {
            Ok(event) => Ok(Some(event)),
            Err(WalkError::Request(e)) => {
                self.clear();
                Err(e.into())
            }
            Err(other) => {
                self.suspend(|| note(format_args!("warning: {other}")));
                Ok(None)
            }
        }
    }

    /// A bar of `total` steps, or a counter when the total is not known yet.
    pub(crate) fn new(total: Option<u64>, json: bool) -> Self {
        let shown = !json && std::io::stdout().is_terminal() && std::io::stderr().is_terminal();
        let bar = indicatif::ProgressBar::with_draw_target(
            total,
            indicatif::ProgressDrawTarget::hidden(),
        );
        // Templates are constants: a parse error is a bug here, and then the default style stays.
        let template = if total.is_some() {
            "{msg} [{bar:30}] {pos}/{len}  {per_sec}  ETA {eta}"
        } else {
            "{msg} {pos}  {per_sec}"
        };
        if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        if shown {
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
        Progress { bar }
    }

    /// The words before the bar.
    pub(crate) fn message(&self, text: impl Into<String>) {
        self.bar.set_message(text.into());
    }

    /// One more step done.
    pub(crate) fn inc(&self) {
        self.bar.inc(1);
    }

    /// Runs `f` (which writes a line) with the bar out of the way, then redraws it.
    pub(crate) fn suspend<T>(&self, f: impl FnOnce() -> T) -> T {
        self.bar.suspend(f)
    }

    /// Removes the bar for good; the caller prints the summary line.
    pub(crate) fn clear(&self) {
        self.bar.finish_and_clear();
    }
}
