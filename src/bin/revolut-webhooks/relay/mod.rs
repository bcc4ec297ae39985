//! `relay`: the inbox as a program. Takes Revolut's deliveries on any path, answers 200
//! only once an event is stored durably (SQLite file or PostgreSQL), and forwards each
//! stored event to the app, signed afresh, with its delivery key as `Idempotency-Key`,
//! until the app answers 2xx (retries with capped backoff, dead letters after
//! `--max-attempts`). Several relays may share one PostgreSQL store.
//!
//! The intake is tokio plus httparse rather than a web framework: one POST per
//! connection is all a sender does, and the bounds that matter (a deadline for the whole
//! request, a body cap checked before reading, a bounded number of connections) are a
//! few lines each here.

mod args;
mod forward;
mod intake;
mod log;
mod wire;
mod worker;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use revolut_webhooks::SigningSecret;
use revolut_webhooks::inbox::{Inbox, InboxOptions};
use revolut_webhooks::signature::Verifier;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::{Notify, mpsc, watch};

pub(crate) use self::args::{RelayArgs, StoreArg};
use self::forward::Forwarder;
pub(crate) use self::forward::IDEMPOTENCY_KEY;
use self::intake::Intake;
pub(crate) use self::log::escape;
use self::worker::Worker;
use crate::failure::Outcome;
use crate::failure::{self, Failure};
use crate::output::Out;

/// The store's write timeout: a sender waits at most about this long for a 503.
const WRITE_TIMEOUT: Duration = Duration::from_secs(2);
/// The largest delivery taken; Revolut's events are a few kilobytes.
const MAX_BODY: usize = 1024 * 1024;
/// Lines waiting to be printed.
const LOG_QUEUE: usize = 1024;

pub(crate) fn run(out: &mut Out, json: bool, args: &RelayArgs) -> Outcome {
    let secrets: Vec<&str> = args
        .secrets
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    let Some(first) = secrets.first() else {
        return Err(Failure::usage(
            "relay needs the webhook's signing secret: set REVOLUT_WEBHOOK_SECRET or pass \
             --secret wsk_... (repeat it during a rotation; the first signs forwards)",
        ));
    };
    let verifier = Verifier::from_secrets(secrets.iter().copied())
        .map_err(|e| Failure::usage(format!("--secret: {e}")))?
        .with_tolerance(Duration::from_secs(args.tolerance));
    if args.timeout >= args.lease {
        return Err(Failure::usage(format!(
            "--timeout ({:?}) must be shorter than --lease ({:?}): a forward still running \
             when its lease ends could be sent twice at once",
            args.timeout, args.lease
        )));
    }
    let forwarder = Arc::new(Forwarder::new(
        &args.forward_to,
        args.timeout,
        SigningSecret::from(*first),
    )?);
    let options = InboxOptions::default()
        .with_lease(args.lease)
        .with_max_attempts(args.max_attempts)
        .with_backoff(args.retry_min, args.retry_max)
        .with_write_timeout(WRITE_TIMEOUT)
        .with_max_body(MAX_BODY)
        .with_max_connections(8 + args.workers);

    let runtime = runtime()?;
    let result = runtime.block_on(relay(out, json, args, verifier, forwarder, options));
    // Forwards still on blocking threads (a stop after a print failed) are not waited for.
    runtime.shutdown_timeout(Duration::from_secs(1));
    result
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::new(failure::API, format!("cannot start the async runtime: {e}")))
}

async fn relay(
    out: &mut Out,
    json: bool,
    args: &RelayArgs,
    verifier: Verifier,
    forwarder: Arc<Forwarder>,
    options: InboxOptions,
) -> Outcome {
    let store = args.store.store.trim();
    let inbox = Inbox::open_with(store, options)
        .await
        .map_err(|e| store_failure(store, &e))?;
    let addr = SocketAddr::new(args.bind, args.port);
    let listener = TcpListener::bind(addr).await.map_err(|e| {
        Failure::usage(format!(
            "cannot listen on {addr}: {e} (is another program using the port? --port 0 picks a free one)"
        ))
    })?;
    let local = listener
        .local_addr()
        .map_err(|e| Failure::new(failure::API, format!("cannot read the bound address: {e}")))?;
    let url = format!("http://{local}/");
    let shown_store = redacted(store);
    if json {
        out.json(
            &json!({ "listening": url, "store": shown_store, "forward_to": args.forward_to }),
        )?;
    } else {
        out.line(format_args!("relay listening on {url}"))?;
        out.line(format_args!(
            "storing in {shown_store}, forwarding to {}",
            args.forward_to
        ))?;
        out.line("SIGINT or SIGTERM stops it (in-flight forwards finish first)")?;
    }
    out.flush()?;

    let (stop_tx, stop) = watch::channel(false);
    let signals = signals()?;
    tokio::spawn(async move {
        signals.await;
        let _ = stop_tx.send(true);
    });

    let (log, mut lines) = mpsc::channel(LOG_QUEUE);
    let wake = Arc::new(Notify::new());
    let intake = Arc::new(Intake {
        verifier,
        tolerance_secs: args.tolerance,
        inbox: inbox.clone(),
        wake: wake.clone(),
        log: log.clone(),
        max_body: MAX_BODY,
    });
    let mut tasks = tokio::task::JoinSet::new();
    tasks.spawn(intake::serve(listener, intake, stop.clone()));
    for _ in 0..args.workers {
        let worker = Worker {
            inbox: inbox.clone(),
            forwarder: forwarder.clone(),
            wake: wake.clone(),
            log: log.clone(),
            lease: args.lease,
        };
        tasks.spawn(worker.run(stop.clone()));
    }
    drop(log);
    // Printed here, on the thread that holds standard output, until every task that
    // could send a line has ended (which they do once stopped).
    while let Some(line) = lines.recv().await {
        line.print(out, json)?;
        out.flush()?;
    }
    while tasks.join_next().await.is_some() {}
    inbox.close().await;
    Ok(failure::OK)
}

/// Completes on the first SIGINT or SIGTERM.
fn signals() -> Result<impl std::future::Future<Output = ()>, Failure> {
    use tokio::signal::unix::{SignalKind, signal};
    let cannot =
        |e: std::io::Error| Failure::new(failure::API, format!("cannot handle signals: {e}"));
    let mut interrupt = signal(SignalKind::interrupt()).map_err(cannot)?;
    let mut terminate = signal(SignalKind::terminate()).map_err(cannot)?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}

/// A store failure at start, naming the store without its password.
pub(crate) fn store_failure(store: &str, e: &revolut_webhooks::inbox::InboxError) -> Failure {
    Failure::new(failure::API, format!("inbox {}: {e}", redacted(store)))
}

/// The store for display: a URL's password replaced by `***`.
pub(crate) fn redacted(store: &str) -> String {
    let Some((scheme, rest)) = store.split_once("://") else {
        return store.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => authority.to_owned(),
        },
        None => authority.to_owned(),
    };
    // Query parameters may hold a password too (`?password=…`).
    let tail = match tail.split_once('?') {
        Some((path, query)) if query.to_ascii_lowercase().contains("password") => {
            format!("{path}?***")
        }
        _ => tail.to_owned(),
    };
    format!("{scheme}://{authority}{tail}")
}

#[cfg(test)]
mod tests {
    use super::redacted;

    #[test]
    fn passwords_are_not_shown() {
        assert_eq!(redacted("revolut-inbox.db"), "revolut-inbox.db");
        assert_eq!(
            redacted("postgres://app:s3cret@db:5432/inbox?sslmode=require"),
            "postgres://app:***@db:5432/inbox?sslmode=require"
        );
        assert_eq!(
            redacted("postgres://app@db/inbox"),
            "postgres://app@db/inbox"
        );
        assert_eq!(
            redacted("postgres://db/inbox?user=a&password=s3cret"),
            "postgres://db/inbox?***"
        );
    }
}
