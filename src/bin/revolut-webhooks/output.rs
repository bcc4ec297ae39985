//! Tables for people, JSON lines for scripts.

use std::io::{IsTerminal, Write};

use revolut_webhooks::{EventType, FailedEvent, Webhook, WebhookWithSecret};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Aligned columns: a header row, then one row per item. Prints `empty` instead
/// when there are no rows.
pub fn table(headers: &[&str], rows: &[Vec<String>], empty: &str) {
    if rows.is_empty() {
        println!("{empty}");
        return;
    }
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut out = String::new();
        for (i, (cell, w)) in cells.zip(&widths).enumerate() {
            if i + 1 == widths.len() {
                out.push_str(cell);
            } else {
                out.push_str(&format!("{cell:<w$}  "));
            }
        }
        println!("{}", out.trim_end());
    };
    line(&mut headers.iter().copied());
    for row in rows {
        line(&mut row.iter().map(String::as_str));
    }
}

/// One JSON object on one line.
pub fn json_line(value: &Value) {
    println!("{value}");
}

pub fn time(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}

fn events(events: &[EventType]) -> String {
    events
        .iter()
        .map(EventType::as_str)
        .collect::<Vec<_>>()
        .join(",")
}

/// A webhook as JSON, with its secret only when `secret` is given.
pub fn webhook_json(hook: &Webhook, secret: Option<&str>) -> Value {
    let mut value = json!({ "id": hook.id, "url": hook.url, "events": hook.events });
    if let Some(secret) = secret {
        value["signing_secret"] = json!(secret);
    }
    value
}

/// Prints webhooks (which carry no secrets) in the chosen format.
pub fn webhooks(json: bool, hooks: &[Webhook]) {
    if json {
        for hook in hooks {
            json_line(&webhook_json(hook, None));
        }
    } else {
        let rows: Vec<Vec<String>> = hooks
            .iter()
            .map(|h| vec![h.id.to_string(), h.url.clone(), events(&h.events)])
            .collect();
        table(&["ID", "URL", "EVENTS"], &rows, "no webhooks");
    }
}

/// Prints one webhook that came with its secret; the secret only if `show_secret`.
pub fn webhook_with_secret(json: bool, hook: &WebhookWithSecret, show_secret: bool) {
    let plain = hook.without_secret();
    let secret = show_secret.then(|| hook.signing_secret.expose_secret());
    if json {
        json_line(&webhook_json(&plain, secret));
        return;
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
    table(&headers, &[row], "");
    if !show_secret {
        // A hint for people; JSON output stays free of it.
        eprintln!(
            "(signing secret hidden: `revolut-webhooks get {} --show-secret` shows it)",
            plain.id
        );
    }
}

/// The `event` field of a failed event's payload, if it has one.
pub fn event_name(event: &FailedEvent) -> String {
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

/// A failed event as JSON, payload as it came.
pub fn failed_json(event: &FailedEvent) -> Value {
    serde_json::to_value(event).unwrap_or_else(|_| json!({ "id": event.id }))
}

pub fn failed_row(event: &FailedEvent) -> Vec<String> {
    vec![
        event.id.to_string(),
        time(event.created_at),
        event.last_sent_date.map(time).unwrap_or_else(|| "-".into()),
        event_name(event),
    ]
}

pub const FAILED_HEADERS: [&str; 4] = ["ID", "CREATED AT", "LAST SENT", "EVENT"];

/// A progress line on stderr, only when stderr is a terminal.
pub struct Progress {
    on: bool,
}

impl Progress {
    pub fn new() -> Self {
        Progress {
            on: std::io::stderr().is_terminal(),
        }
    }

    pub fn show(&self, text: &str) {
        if self.on {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K{text}");
            let _ = err.flush();
        }
    }

    pub fn clear(&self) {
        self.show("");
    }
}
