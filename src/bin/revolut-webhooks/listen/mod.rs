//! `listen`: a local receiver for development. It verifies each delivery with the
//! secrets given, prints one line about it, and with `--forward-to` passes it on to
//! the user's app unchanged and answers the sender with the app's status.
//!
//! Requests are read concurrently, a bounded number at a time, each within one
//! deadline for the whole request (`accept`); verifying, forwarding and printing
//! stay on this thread, one request after another, so lines never interleave.

mod accept;
mod forward;
mod print;
mod serve;
mod wire;

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::time::Duration;

use revolut_webhooks::signature::Verifier;
use serde_json::json;

use self::accept::Arrival;
use self::forward::Forward;
use self::serve::{Checks, refuse, serve};
use crate::args::ListenArgs;
use crate::failure::Outcome;
use crate::failure::{self, Failure};
use crate::output::Out;

pub(crate) fn run(out: &mut Out, json: bool, args: &ListenArgs) -> Outcome {
    let secrets: Vec<&str> = args
        .secrets
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    if secrets.is_empty() {
        return Err(Failure::usage(
            "listen needs the webhook's signing secret: set REVOLUT_WEBHOOK_SECRET or pass \
             --secret wsk_... (repeat it during a rotation)",
        ));
    }
    let tolerance = Duration::from_secs(args.tolerance);
    let verifier = Verifier::from_secrets(secrets.iter().copied())
        .map_err(|e| Failure::usage(format!("--secret: {e}")))?
        .with_tolerance(tolerance);
    let forward = match &args.forward_to {
        Some(url) => Some(Forward::new(url, args.timeout)?),
        None => None,
    };
    let checks = Checks {
        verifier,
        tolerance,
        forward,
    };

    let listener =
        TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, args.port))).map_err(|e| {
            Failure::usage(format!(
                "cannot listen on 127.0.0.1:{}: {e} (is another program using the port? \
                 --port 0 picks a free one)",
                args.port
            ))
        })?;
    let addr = listener
        .local_addr()
        .map_err(|e| Failure::new(failure::API, format!("cannot read the bound address: {e}")))?;
    let url = format!("http://{addr}/");
    if json {
        out.json(&json!({ "listening": url, "forward_to": args.forward_to }))?;
    } else {
        out.line(format_args!("listening on {url}"))?;
        if let Some(to) = &args.forward_to {
            out.line(format_args!("forwarding to {to}"))?;
        }
        // The emulator delivers to a loopback https URL over plain http; Revolut
        // itself needs a public https URL (a tunnel) in front of this port.
        out.line(format_args!(
            "with the emulator, point a webhook here: `revolut-webhooks create https://{addr}/`; \
             Ctrl-C stops"
        ))?;
    }
    out.flush()?;

    let deadline = Duration::from_millis(args.request_deadline_ms);
    let arrivals = accept::spawn(listener, deadline)
        .map_err(|e| Failure::new(failure::API, format!("cannot start listening: {e}")))?;
    for (served, Arrival { mut stream, read }) in (1u64..).zip(arrivals) {
        let outcome = match read {
            Ok(request) => serve(&checks, &mut stream, request),
            Err(answer) => refuse(&mut stream, &answer),
        };
        drop(stream);
        print::served(
            out,
            json,
            args.print_body,
            checks.verifier.secret_count(),
            &outcome,
        )?;
        out.flush()?;
        if args.max_deliveries.is_some_and(|max| served >= max) {
            break;
        }
    }
    Ok(failure::OK)
}
