//! `emulator`: run the local emulator, with a live log of its delivery attempts.

use clap::Args;

use crate::failure::Failure;
use crate::failure::Outcome;
use crate::output::Out;

/// The longest `emulator --retry-interval-ms`: a day.
pub(crate) const MAX_RETRY_INTERVAL_MS: u64 = 86_400_000;

/// The `emulator` command's flags.
#[derive(Debug, Args)]
pub(crate) struct EmulatorArgs {
    /// The port on 127.0.0.1 (default: any free port).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Real time between delivery attempts, in milliseconds, at most 86400000 (Revolut: 10 minutes).
    #[arg(
        long,
        default_value_t = 600_000,
        value_name = "MS",
        value_parser = clap::value_parser!(u64).range(0..=MAX_RETRY_INTERVAL_MS)
    )]
    pub retry_interval_ms: u64,
    /// The never-expiring access token to accept (default: a random one).
    #[arg(long)]
    pub token: Option<String>,
    /// Refuse http:// webhook URLs even to loopback hosts.
    #[arg(long)]
    pub https_only: bool,
    /// Print no delivery log (by default: one line per delivery attempt).
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Milliseconds to wait for a receiver's answer (1..=3600000); a slower answer counts
    /// as a failed attempt and is retried, as Revolut does, even if the receiver did its work.
    #[arg(
        long,
        default_value_t = 10_000,
        value_name = "MS",
        value_parser = clap::value_parser!(u64).range(1..=3_600_000)
    )]
    pub delivery_timeout_ms: u64,
    /// Deliver every Nth delivery (one event to one webhook, counted from 1) twice, the
    /// second time right after the first 2xx answer (0: never).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub duplicate_every: u32,
    /// Hold back every Nth delivery and send it after the next one (at most 2 s later),
    /// so the receiver sees them out of order (0: never).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub reorder_every: u32,
    /// Most API requests in any window (Revolut: 60 a minute per business); beyond it,
    /// 429 with code 3162 and Retry-After.
    #[arg(long, default_value_t = 60, value_name = "N")]
    pub rate_limit: u32,
    /// The rate limit's window, in seconds (1..=86400).
    #[arg(
        long,
        default_value_t = 60,
        value_name = "SECONDS",
        value_parser = clap::value_parser!(u64).range(1..=86_400)
    )]
    pub rate_limit_window_secs: u64,
    /// Enforce no rate limit.
    #[arg(long, conflicts_with = "rate_limit")]
    pub no_rate_limit: bool,
    /// Keep access tokens valid after a refresh (by default a refresh revokes the access
    /// tokens issued before it, as Revolut does).
    #[arg(long)]
    pub keep_tokens_on_refresh: bool,
}

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

    let latency = crate::human::latency(a.latency.as_secs_f64() * 1000.0);
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
            crate::human::duration(retry_interval_ms)
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
