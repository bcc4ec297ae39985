//! `listen`'s lines. Everything a sender wrote (event name, data id, request line,
//! body, reasons quoting them) is printed escaped: no control character, line break
//! or invisible formatting character reaches the terminal as itself, so a request
//! can neither start a line of its own nor move the cursor. A delivery that did not
//! verify starts its line with `UNVERIFIED`, which nothing a sender writes can move.

use serde_json::json;

use super::serve::{Delivery, Served};
use crate::failure::Failure;
use crate::human;
use crate::output::{Out, escape, inert_json};

pub(super) fn served(
    out: &mut Out,
    json: bool,
    print_body: bool,
    secret_count: usize,
    served: &Served,
) -> Result<(), Failure> {
    match served {
        Served::Refused { status, reason } => {
            if json {
                out.json(&json!({ "refused": status, "reason": reason }))
            } else {
                out.line(format_args!("refused ({status}): {}", escape(reason)))
            }
        }
        Served::Delivery(delivery) if json => out.json(&delivery_json(delivery, print_body)),
        Served::Delivery(delivery) => {
            out.line(delivery_line(delivery, secret_count))?;
            if print_body {
                body(out, delivery)?;
            }
            Ok(())
        }
    }
}

fn delivery_json(d: &Delivery, print_body: bool) -> serde_json::Value {
    // Strings go as they came: JSON escapes them (and `Out::json` the rest).
    let mut line = json!({
        "event": d.event.as_deref().unwrap_or("?"),
        "data_id": d.data_id.as_deref().unwrap_or("-"),
        "verified": d.verified.is_ok(),
        "age_ms": d.age_ms,
        "status": d.status,
    });
    match &d.verified {
        Ok(index) => line["secret"] = json!(index),
        Err(why) => line["reason"] = json!(why),
    }
    if let Some(Err(why)) = &d.forwarded {
        line["forward_error"] = json!(why);
    }
    if let Some(why) = &d.answer_error {
        line["answer_error"] = json!(why);
    }
    if print_body {
        line["body"] = d
            .parsed
            .clone()
            .unwrap_or_else(|| json!(String::from_utf8_lossy(&d.body)));
    }
    line
}

fn delivery_line(d: &Delivery, secret_count: usize) -> String {
    let event = escape(d.event.as_deref().unwrap_or("?"));
    let data_id = escape(d.data_id.as_deref().unwrap_or("-"));
    let age = match d.age_ms {
        Some(ms) if ms >= 0 => format!("age {}", human::duration(ms.unsigned_abs())),
        Some(ms) => format!("{} ahead", human::duration(ms.unsigned_abs())),
        None => "age ?".to_owned(),
    };
    let status = match &d.forwarded {
        Some(Ok(status)) => format!("app answered {status}"),
        Some(Err(why)) => format!("app unreachable ({}), answered 502", escape(why)),
        None => format!("answered {}", d.status),
    };
    // Padded to the longest known event type, so the ids line up.
    let mut line = match &d.verified {
        Ok(_) if secret_count == 1 => format!("{event:<23}  {data_id}  verified  {age}  {status}"),
        Ok(index) => format!(
            "{event:<23}  {data_id}  verified with secret {index} of {secret_count}  {age}  {status}"
        ),
        Err(why) => format!(
            "UNVERIFIED  {event}  {data_id}  rejected: {}  {age}  {status}",
            escape(why)
        ),
    };
    if let Some(why) = &d.answer_error {
        line.push_str(&format!("  ({})", escape(why)));
    }
    line
}

/// The body, each line indented (so no line of it reads as a delivery's line): pretty
/// JSON (its strings escaped by JSON), or the text escaped onto one line.
fn body(out: &mut Out, d: &Delivery) -> Result<(), Failure> {
    let text = match &d.parsed {
        // JSON escapes C0 controls in strings; the line breaks are the pretty-printer's.
        Some(value) => {
            inert_json(&serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string()))
        }
        None => escape(&String::from_utf8_lossy(&d.body)),
    };
    for line in text.lines() {
        out.line(format_args!("    {line}"))?;
    }
    Ok(())
}
