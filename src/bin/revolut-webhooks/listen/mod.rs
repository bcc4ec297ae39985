//! `listen`: a local receiver for development. It verifies each delivery with the
//! secrets given, prints one line about it, and with `--forward-to` passes it on to
//! the user's app unchanged and answers the sender with the app's status.
//!
//! Connections are served one at a time, each bounded in size and time: this is a
//! tool for one developer's loop, and one at a time keeps the printed lines in the
//! order the deliveries arrived.

mod forward;
mod wire;

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use revolut_webhooks::signature::{SIGNATURE_HEADER, TIMESTAMP_HEADER, Verifier, VerifyError};
use serde_json::{Value, json};
use time::OffsetDateTime;

use self::forward::Forward;
use self::wire::{Answer, IO_TIMEOUT, read_request, write_answer};
use crate::Outcome;
use crate::args::ListenArgs;
use crate::commands::{human_duration, verify_reason};
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

    let mut served: u64 = 0;
    for stream in listener.incoming() {
        let Ok(stream) = stream else {
            // A connection that failed before it was accepted is the sender's problem.
            continue;
        };
        serve(
            out,
            json,
            args,
            &verifier,
            forward.as_ref(),
            stream,
            tolerance,
        )?;
        out.flush()?;
        served += 1;
        if args.max_deliveries.is_some_and(|max| served >= max) {
            break;
        }
    }
    Ok(failure::OK)
}

#[allow(clippy::too_many_arguments)]
fn serve(
    out: &mut Out,
    json: bool,
    args: &ListenArgs,
    verifier: &Verifier,
    forward: Option<&Forward>,
    mut stream: TcpStream,
    tolerance: Duration,
) -> Result<(), Failure> {
    let _ = stream.set_read_timeout(Some(IO_TIMEOUT));
    let _ = stream.set_write_timeout(Some(IO_TIMEOUT));
    let request = match read_request(&mut stream) {
        Ok(request) => request,
        Err(answer) => {
            let reason = String::from_utf8_lossy(&answer.body).trim().to_owned();
            let _ = write_answer(&mut stream, &answer);
            return report_refusal(out, json, answer.status, &reason);
        }
    };
    if request.method != "POST" {
        let answer = Answer::text(405, "revolut-webhooks listen takes POSTed deliveries only");
        let _ = write_answer(&mut stream, &answer);
        return report_refusal(
            out,
            json,
            405,
            &format!("{} {}: not a delivery", request.method, request.path),
        );
    }

    let received = OffsetDateTime::now_utc();
    let timestamp = request.header(TIMESTAMP_HEADER);
    let signature = request.header(SIGNATURE_HEADER);
    let verdict = verifier.verify(
        &request.body,
        timestamp.unwrap_or(""),
        signature.unwrap_or(""),
    );
    let verified = match &verdict {
        // Secrets are numbered from 1 for people.
        Ok(verified) => Ok(verified.secret_index() + 1),
        Err(why) => Err(why_not(why, tolerance.as_secs())),
    };
    let age_ms = timestamp
        .and_then(|t| t.trim().parse::<i128>().ok())
        .map(|t| received.unix_timestamp_nanos() / 1_000_000 - t);

    let parsed: Option<Value> = serde_json::from_slice(&request.body).ok();
    let event = parsed
        .as_ref()
        .and_then(|v| v.get("event"))
        .and_then(Value::as_str)
        .unwrap_or("?")
        .to_owned();
    let data_id = parsed
        .as_ref()
        .and_then(|v| v.pointer("/data/id"))
        .and_then(Value::as_str)
        .unwrap_or("-")
        .to_owned();

    let (answer, forwarded) = match forward {
        Some(forward) => match forward.send(&request) {
            Ok(answer) => {
                let status = answer.status;
                (answer, Some(Ok(status)))
            }
            Err(why) => (
                Answer::text(502, &format!("could not reach the app: {why}")),
                Some(Err(why)),
            ),
        },
        // Without an app, the verdict is the answer: the sender sees a refusal.
        None => match &verified {
            Ok(_) => (Answer::text(200, "ok"), None),
            Err(why) => (Answer::text(401, why), None),
        },
    };
    let answered = write_answer(&mut stream, &answer)
        .err()
        .map(|e| format!("could not answer the sender: {e}"));

    let secret_count = verifier.secret_count();
    if json {
        let mut line = json!({
            "event": event,
            "data_id": data_id,
            "verified": verified.is_ok(),
            "age_ms": age_ms.map(|a| a as i64),
            "status": answer.status,
        });
        match &verified {
            Ok(index) => line["secret"] = json!(index),
            Err(why) => line["reason"] = json!(why),
        }
        if let Some(Err(why)) = &forwarded {
            line["forward_error"] = json!(why);
        }
        if let Some(why) = &answered {
            line["answer_error"] = json!(why);
        }
        if args.print_body {
            line["body"] = parsed
                .clone()
                .unwrap_or_else(|| json!(String::from_utf8_lossy(&request.body)));
        }
        out.json(&line)?;
    } else {
        let verdict = match &verified {
            Ok(_) if secret_count == 1 => "verified".to_owned(),
            Ok(index) => format!("verified with secret {index} of {secret_count}"),
            Err(why) => format!("NOT VERIFIED: {why}"),
        };
        let age = match age_ms {
            Some(ms) if ms >= 0 => format!("age {}", human_duration(ms as u64)),
            Some(ms) => format!("{} ahead", human_duration(ms.unsigned_abs() as u64)),
            None => "age ?".to_owned(),
        };
        let status = match &forwarded {
            Some(Ok(status)) => format!("app answered {status}"),
            Some(Err(why)) => format!("app unreachable ({why}), answered 502"),
            None => format!("answered {}", answer.status),
        };
        // Padded to the longest known event type, so the ids line up.
        let mut line = format!("{event:<23}  {data_id}  {verdict}  {age}  {status}");
        if let Some(why) = &answered {
            line.push_str(&format!("  ({why})"));
        }
        out.line(line)?;
        if args.print_body {
            match &parsed {
                Some(value) => out.line(
                    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string()),
                )?,
                None => out.line(String::from_utf8_lossy(&request.body))?,
            }
        }
    }
    Ok(())
}

/// Why a delivery did not verify, in `verify`'s words and without its flag hints.
fn why_not(why: &VerifyError, tolerance_secs: u64) -> String {
    match why {
        VerifyError::TimestampTooOld { .. } | VerifyError::TimestampInFuture { .. } => {
            verify_reason(why, tolerance_secs)
                .replace(" (--tolerance, or --ignore-age for a capture this old)", "")
        }
        VerifyError::NoMatch => {
            "no signature matches the secret(s) given: is it this webhook's secret?".to_owned()
        }
        other => other.to_string(),
    }
}

fn report_refusal(out: &mut Out, json: bool, status: u16, reason: &str) -> Result<(), Failure> {
    if json {
        out.json(&json!({ "refused": status, "reason": reason }))
    } else {
        out.line(format_args!("refused ({status}): {reason}"))
    }
}
