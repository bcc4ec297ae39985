//! `verify`: check a captured delivery's signature and age.

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use revolut_webhooks::signature::Verifier;
use serde_json::json;

use crate::args::VerifyArgs;
use crate::failure::Outcome;
use crate::failure::{self, Failure};
use crate::human::verify_reason;
use crate::output::Out;

/// The largest body `verify` reads, as `listen` takes: Revolut's deliveries are a few
/// kilobytes, and a larger input (`--body /dev/zero`, a wrong file) is refused after
/// this many bytes rather than read to the end of memory.
const MAX_BODY_BYTES: u64 = 1024 * 1024;

pub(crate) fn run(out: &mut Out, json: bool, args: &VerifyArgs) -> Outcome {
    if args.secrets.iter().all(|s| s.trim().is_empty()) {
        return Err(Failure::usage(
            "verify needs the signing secret: set REVOLUT_WEBHOOK_SECRET or pass --secret wsk_...",
        ));
    }
    let body = read_body(&args.body)?;
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
        Ok(_) => {
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

/// `--body`: the file, or standard input for `-`, at most `MAX_BODY_BYTES`.
fn read_body(path: &Path) -> Result<Vec<u8>, Failure> {
    let (name, source): (String, Box<dyn Read>) = if path.as_os_str() == "-" {
        (
            "standard input".to_owned(),
            Box::new(std::io::stdin().lock()),
        )
    } else {
        let file = std::fs::File::open(path).map_err(|e| {
            Failure::usage(format!("cannot read the body file {}: {e}", path.display()))
        })?;
        (format!("the body file {}", path.display()), Box::new(file))
    };
    let mut body = Vec::new();
    // One byte more than allowed says whether there was more.
    source
        .take(MAX_BODY_BYTES + 1)
        .read_to_end(&mut body)
        .map_err(|e| Failure::usage(format!("cannot read {name}: {e}")))?;
    if body.len() as u64 > MAX_BODY_BYTES {
        return Err(Failure::usage(format!(
            "--body: {name} is larger than 1 MiB, the most verify reads (a delivery is a few \
             kilobytes): is it the body as received?"
        )));
    }
    Ok(body)
}
