//! The relay's lines: one per received delivery and one per forward, for people or as
//! JSON lines. They are made on the runtime's threads and printed by the main thread,
//! which holds standard output.

use serde_json::{Value, json};

use crate::failure::Failure;
use crate::output::Out;

/// One thing the relay did, to print.
#[derive(Debug)]
pub(super) enum Line {
    /// A delivery taken, stored (new or duplicate) or refused.
    Delivery {
        status: u16,
        /// `new`, `duplicate`, or why it was refused.
        what: String,
        event: Option<String>,
        data_id: Option<String>,
        key: Option<String>,
    },
    /// One attempt to pass an event to the app.
    Forward {
        key: String,
        event: String,
        data_id: Option<String>,
        attempt: u32,
        /// The app's status, if it answered.
        status: Option<u16>,
        /// `done`, `retry in 2 s`, `dead`, `lease lost`, or `not recorded`.
        outcome: String,
        error: Option<String>,
    },
}

impl Line {
    pub(super) fn print(&self, out: &mut Out, json: bool) -> Result<(), Failure> {
        if json {
            return out.json(&self.json());
        }
        let text = match self {
            Line::Delivery {
                status,
                what,
                event,
                data_id,
                key,
            } => format!(
                "received  {:<23}  {}  {}  {what}  answered {status}",
                event.as_deref().unwrap_or("?"),
                data_id.as_deref().unwrap_or("-"),
                key.as_deref().unwrap_or("-"),
            ),
            Line::Forward {
                key,
                event,
                data_id,
                attempt,
                status,
                outcome,
                error,
            } => {
                let answer = match (status, error) {
                    (Some(status), _) => format!("app answered {status}"),
                    (None, Some(error)) => format!("app unreachable ({error})"),
                    (None, None) => "no answer".to_owned(),
                };
                format!(
                    "forwarded {event:<23}  {}  {key}  attempt {attempt}  {answer}  {outcome}",
                    data_id.as_deref().unwrap_or("-"),
                )
            }
        };
        out.line(escape(&text))
    }

    fn json(&self) -> Value {
        match self {
            Line::Delivery {
                status,
                what,
                event,
                data_id,
                key,
            } => {
                let mut line = json!({
                    "type": "delivery",
                    "status": status,
                    "event": event,
                    "data_id": data_id,
                    "key": key,
                });
                if *status < 300 {
                    line["stored"] = json!(what);
                } else {
                    line["reason"] = json!(what);
                }
                line
            }
            Line::Forward {
                key,
                event,
                data_id,
                attempt,
                status,
                outcome,
                error,
            } => json!({
                "type": "forward",
                "key": key,
                "event": event,
                "data_id": data_id,
                "attempt": attempt,
                "status": status,
                "outcome": outcome,
                "error": error,
            }),
        }
    }
}

/// A line a sender or an app wrote parts of, with every control character escaped, so
/// it cannot move the cursor, clear the screen or fake another line.
pub(crate) fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            escaped.extend(c.escape_default());
        } else {
            escaped.push(c);
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(
            escape("a\nb\r\x1b[2Jc\u{85}é"),
            "a\\nb\\r\\u{1b}[2Jc\\u{85}é"
        );
    }
}
