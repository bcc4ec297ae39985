//! `emulator`: run the local emulator, with a live log of its delivery attempts.

use crate::Outcome;
use crate::args::EmulatorArgs;
use crate::failure::Failure;
use crate::output::Out;

#[cfg(feature = "emulator")]
pub(crate) fn run(out: &mut Out, json: bool, args: &EmulatorArgs) -> Outcome {
    use std::sync::mpsc;
    use std::time::Duration;

    use revolut_webhooks::emulator::Emulator;
    use serde_json::json;

    let mut builder = Emulator::builder()
        .port(args.port)
        .retry_interval(Duration::from_millis(args.retry_interval_ms))
        .delivery_timeout(Duration::from_millis(args.delivery_timeout_ms))
        .duplicate_every(args.duplicate_every)
        .reorder_every(args.reorder_every)
        .keep_tokens_on_refresh(args.keep_tokens_on_refresh)
        .allow_loopback_http(!args.https_only);
    builder = if args.no_rate_limit {
        builder.no_rate_limit()
    } else {
        builder.rate_limit(
            args.rate_limit,
            Duration::from_secs(args.rate_limit_window_secs),
        )
    };
    if let Some(token) = &args.token {
        builder = builder.access_token(token.clone());
    }
    // Delivery threads hand each attempt to this thread, which alone holds stdout.
    let (attempts, log) = mpsc::channel();
    if !args.quiet {
        builder = builder.on_attempt(move |attempt| {
            let _ = attempts.send(attempt.clone());
        });
    }
    let emulator = builder
        .start()
        .map_err(|e| Failure::usage(format!("cannot start the emulator: {e}")))?;
    let base = emulator.base_url();
    // The emulator's own token: printing it is the point (it opens nothing real).
    let token = emulator.access_token().expose_secret();
    if json {
        out.json(&json!({ "base_url": base, "access_token": token }))?;
    } else {
        out.line(format_args!(
            "Revolut webhooks emulator listening on {base}\n\n  \
             export REVOLUT_ENVIRONMENT={base}\n  \
             export REVOLUT_ACCESS_TOKEN={token}\n\n\
             Emit an event to every subscribed webhook:\n  \
             revolut-webhooks trigger TransactionCreated\n\n\
             Press Ctrl-C to stop."
        ))?;
    }
    out.flush()?;
    // Never ends while the emulator runs (it or this scope holds the sender); with
    // --quiet nothing is ever sent.
    for attempt in log {
        if json {
            out.json(&log_json(&attempt))?;
        } else {
            out.line(log_line(&attempt, args.retry_interval_ms))?;
        }
        out.flush()?;
    }
    loop {
        std::thread::park();
    }
}

/// One log line for people: time, event, webhook, URL, answer and latency, attempt n of 4.
#[cfg(feature = "emulator")]
fn log_line(a: &revolut_webhooks::emulator::AttemptLog, retry_interval_ms: u64) -> String {
    use revolut_webhooks::emulator::AttemptResult;

    let latency = crate::trigger::latency(a.latency.as_secs_f64() * 1000.0);
    let answer = match &a.result {
        AttemptResult::Status(status) => format!("HTTP {status} in {latency}"),
        AttemptResult::Error(error) => format!("error: {error} after {latency}"),
        _ => format!("{} after {latency}", a.result),
    };
    let mut line = format!(
        "{}  {}  {}  {}  {answer}  attempt {} of {}",
        crate::output::time(a.sent_at),
        a.event_type,
        a.webhook_id,
        a.url,
        a.attempt,
        a.max_attempts
    );
    if let Some(id) = a.recorded_as_failed {
        line.push_str(&format!(", recorded as failed ({id})"));
    } else if !a.result.is_success() && a.attempt < a.max_attempts {
        line.push_str(&format!(
            ", retry in {}",
            crate::commands::human_duration(retry_interval_ms)
        ));
    }
    line
}

/// The same as one JSON object, for scripts.
#[cfg(feature = "emulator")]
fn log_json(a: &revolut_webhooks::emulator::AttemptLog) -> serde_json::Value {
    use revolut_webhooks::emulator::AttemptResult;

    let (status, error) = match &a.result {
        AttemptResult::Status(status) => (Some(*status), None),
        other => (None, Some(other.to_string())),
    };
    serde_json::json!({
        "time": crate::output::time(a.sent_at),
        "event": a.event_type,
        "webhook_id": a.webhook_id,
        "url": a.url,
        "attempt": a.attempt,
        "max_attempts": a.max_attempts,
        "delivered": a.result.is_success(),
        "status": status,
        "error": error,
        "latency_ms": a.latency.as_secs_f64() * 1000.0,
        "signatures": a.signatures,
        "recorded_as_failed": a.recorded_as_failed,
    })
}

#[cfg(not(feature = "emulator"))]
pub(crate) fn run(_out: &mut Out, _json: bool, _args: &EmulatorArgs) -> Outcome {
    Err(Failure::usage(
        "this binary was built without the emulator: install it with \
         `cargo install revolut-webhooks --features cli,emulator`, or run \
         `cargo run --features emulator --example emulator` from the source",
    ))
}
