//! `verify`: check a captured delivery's signature and age.

use std::io::Read;
use std::time::Duration;

use revolut_webhooks::signature::Verifier;
use serde_json::json;

use crate::Outcome;
use crate::args::VerifyArgs;
use crate::failure::{self, Failure};
use crate::human::verify_reason;
use crate::output::Out;

pub(crate) fn run(out: &mut Out, json: bool, args: &VerifyArgs) -> Outcome {
    if args.secrets.iter().all(|s| s.trim().is_empty()) {
        return Err(Failure::usage(
            "verify needs the signing secret: set REVOLUT_WEBHOOK_SECRET or pass --secret wsk_...",
        ));
    }
    let body = if args.body.as_os_str() == "-" {
        let mut body = Vec::new();
        std::io::stdin().read_to_end(&mut body).map_err(|e| {
            Failure::usage(format!("cannot read the body from standard input: {e}"))
        })?;
        body
    } else {
        std::fs::read(&args.body).map_err(|e| {
            Failure::usage(format!(
                "cannot read the body file {}: {e}",
                args.body.display()
            ))
        })?
    };
    let secrets: Vec<&str> = args.secrets.iter().map(|s| s.trim()).collect();
    let tolerance = if args.ignore_age {
        Duration::MAX
    } else {
        Duration::from_secs(args.tolerance)
    };
    let verifier = Verifier::from_secrets(secrets)
        .map_err(|e| Failure::usage(format!("--secret: {e}")))?
        .with_tolerance(tolerance);
    match verifier.verify(&body, &args.timestamp, &args.signature) {
        Ok(()) => {
            if json {
                out.json(&json!({ "valid": true }))?;
            } else {
                out.line("valid: the signature matches and the timestamp is within tolerance")?;
            }
            Ok(failure::OK)
        }
        Err(why) => {
            let reason = verify_reason(&why, args.tolerance);
            if json {
                out.json(&json!({ "valid": false, "reason": reason }))?;
            } else {
                out.line(format_args!("invalid: {reason}"))?;
            }
            Ok(failure::VERIFY)
        }
    }
}
