//! `trigger`: ask a running emulator to emit an event, and show how each receiver
//! answered its first attempt.

use std::io::Read;
use std::time::Duration;

use revolut_webhooks::Environment;
use serde_json::{Value, json};

use crate::args::TriggerArgs;
use crate::failure::Outcome;
use crate::failure::{self, Failure};
use crate::output::{self, Out};

/// How long to wait for the emulator's answer: it answers after every first
/// attempt, each bounded by its delivery timeout (10 s by default), eight at a time.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(120);

pub(crate) fn run(out: &mut Out, json: bool, args: &TriggerArgs) -> Outcome {
    let name = args.event.trim();
    if name.is_empty() {
        return Err(Failure::usage(
            "EVENT: give an event type, such as TransactionCreated",
        ));
    }
    let base = emulator_base(&args.environment)?;
    let mut request = json!({ "event": name });
    if let Some(path) = &args.data {
        request["data"] = data(path)?;
    }
    if let Some(id) = args.webhook {
        request["webhook"] = json!(id);
    }
    let answer = post(&base, &request)?;
    let deliveries = answer
        .get("deliveries")
        .and_then(Value::as_array)
        .ok_or_else(|| not_an_emulator(&base, "its answer has no \"deliveries\""))?;
    if deliveries.is_empty() {
        let hint = if revolut_webhooks::EventType::from(name).is_unknown() {
            "Revolut's API subscribes webhooks to its known event types only".to_owned()
        } else {
            format!("subscribe one: `revolut-webhooks create URL --events {name}`")
        };
        output::note(format_args!(
            "no webhook is subscribed to {name}: nothing was delivered ({hint})"
        ));
        return Ok(failure::DELIVERY);
    }
    if json {
        for delivery in deliveries {
            let mut line = delivery.clone();
            line["event"] = json!(name);
            out.json(&line)?;
        }
    } else {
        let rows: Vec<Vec<String>> = deliveries.iter().map(row).collect();
        output::table(
            out,
            &["WEBHOOK", "URL", "RESULT", "LATENCY", "SIGNATURES"],
            &rows,
            "",
        )?;
    }
    let delivered = deliveries
        .iter()
        .filter(|d| d["delivered"].as_bool() == Some(true))
        .count();
    if delivered == deliveries.len() {
        return Ok(failure::OK);
    }
    output::note(format_args!(
        "{name}: {} of {} deliveries failed on the first attempt; the emulator retries \
         them (its log shows each attempt)",
        deliveries.len() - delivered,
        deliveries.len()
    ));
    Ok(failure::DELIVERY)
}

/// The emulator's base URL: `trigger` drives only an emulator, never Revolut.
fn emulator_base(environment: &str) -> Result<String, Failure> {
    match crate::config::environment(environment)? {
        custom @ Environment::Custom(_) => Ok(custom.base_url().to_owned()),
        _ => Err(Failure::usage(format!(
            "trigger drives a local emulator, not {:?}: set REVOLUT_ENVIRONMENT (or -e) to the \
             URL `revolut-webhooks emulator` prints",
            environment.trim()
        ))),
    }
}

/// `--data`: the event's `data` as JSON, from a file or standard input.
fn data(path: &std::path::Path) -> Result<Value, Failure> {
    let text = if path.as_os_str() == "-" {
        let mut text = Vec::new();
        std::io::stdin()
            .read_to_end(&mut text)
            .map_err(|e| Failure::usage(format!("--data: cannot read standard input: {e}")))?;
        text
    } else {
        std::fs::read(path)
            .map_err(|e| Failure::usage(format!("--data: cannot read {}: {e}", path.display())))?
    };
    serde_json::from_slice(&text)
        .map_err(|e| Failure::usage(format!("--data {}: not JSON: {e}", path.display())))
}

fn post(base: &str, request: &Value) -> Result<Value, Failure> {
    let url = format!("{base}/_emulator/events");
    let agent = crate::agent::for_url(&url, ANSWER_TIMEOUT, "REVOLUT_ENVIRONMENT / --environment")?;
    let mut response = agent
        .post(&url)
        .header("content-type", "application/json")
        .send(request.to_string().as_bytes())
        .map_err(|e| {
            Failure::new(
                failure::API,
                format!(
                    "cannot reach the emulator at {base}: {e} (is `revolut-webhooks emulator` running there?)"
                ),
            )
        })?;
    let status = response.status().as_u16();
    let body: Option<Value> = response
        .body_mut()
        .with_config()
        .limit(1024 * 1024)
        .read_to_vec()
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    match (status, body) {
        (202, Some(body)) => Ok(body),
        (404 | 422 | 400, Some(body)) if body.get("message").is_some_and(Value::is_string) => {
            Err(Failure::new(
                failure::API,
                format!(
                    "the emulator refused the event: {}",
                    body["message"].as_str().unwrap_or_default()
                ),
            ))
        }
        (status, _) => Err(not_an_emulator(base, &format!("it answered HTTP {status}"))),
    }
}

fn not_an_emulator(base: &str, why: &str) -> Failure {
    Failure::new(
        failure::API,
        format!("{base} does not look like a `revolut-webhooks emulator`: {why}"),
    )
}

/// One table row: webhook, URL, the receiver's answer, latency, signatures sent.
fn row(delivery: &Value) -> Vec<String> {
    let result = match (delivery["status"].as_u64(), delivery["error"].as_str()) {
        (Some(status), _) => format!("HTTP {status}"),
        (None, Some(error)) => error.to_owned(),
        (None, None) => "?".to_owned(),
    };
    vec![
        delivery["webhook_id"].as_str().unwrap_or("?").to_owned(),
        delivery["url"].as_str().unwrap_or("?").to_owned(),
        result,
        delivery["latency_ms"]
            .as_f64()
            .map_or_else(|| "-".to_owned(), crate::human::latency),
        delivery["signatures"].as_u64().unwrap_or(0).to_string(),
    ]
}
