//! One request read off a connection, served: verified, passed on to the app with
//! `--forward-to`, answered. What happened is returned for printing.

use std::net::TcpStream;
use std::time::Duration;

use revolut_webhooks::signature::{SIGNATURE_HEADER, TIMESTAMP_HEADER, Verifier, VerifyError};
use serde_json::Value;
use time::OffsetDateTime;

use super::forward::Forward;
use super::wire::{Answer, Request, write_answer};
use crate::human::verify_reason;

/// What `listen` checks a delivery with, and where it passes it on.
pub(super) struct Checks {
    pub(super) verifier: Verifier,
    pub(super) tolerance: Duration,
    pub(super) forward: Option<Forward>,
}

/// A POSTed delivery, as served. Every string in it may come from the sender.
pub(super) struct Delivery {
    pub(super) event: Option<String>,
    pub(super) data_id: Option<String>,
    /// The number of the secret that matched (from 1), or why none did.
    pub(super) verified: Result<usize, String>,
    /// Now minus the timestamp header, when that is a number of milliseconds.
    pub(super) age_ms: Option<i64>,
    pub(super) status: u16,
    pub(super) forwarded: Option<Result<u16, String>>,
    /// Why the answer could not be written back, if it could not.
    pub(super) answer_error: Option<String>,
    pub(super) parsed: Option<Value>,
    pub(super) body: Vec<u8>,
}

/// What became of one connection.
pub(super) enum Served {
    Delivery(Box<Delivery>),
    Refused { status: u16, reason: String },
}

/// Answers a request that could not be read, and says so.
pub(super) fn refuse(stream: &mut TcpStream, answer: &Answer) -> Served {
    let reason = String::from_utf8_lossy(&answer.body).trim().to_owned();
    let _ = write_answer(stream, answer);
    Served::Refused {
        status: answer.status,
        reason,
    }
}

pub(super) fn serve(checks: &Checks, stream: &mut TcpStream, request: Request) -> Served {
    if request.method != "POST" {
        let answer = Answer::text(405, "revolut-webhooks listen takes POSTed deliveries only");
        let _ = write_answer(stream, &answer);
        return Served::Refused {
            status: 405,
            reason: format!("{} {}: not a delivery", request.method, request.path),
        };
    }
    let received = OffsetDateTime::now_utc();
    let timestamp = request.header(TIMESTAMP_HEADER).unwrap_or("");
    let signature = request.header(SIGNATURE_HEADER).unwrap_or("");
    let verified = match checks.verifier.verify(&request.body, timestamp, signature) {
        // Secrets are numbered from 1 for people.
        Ok(verified) => Ok(verified.secret_index() + 1),
        Err(why) => Err(why_not(&why, checks.tolerance.as_secs())),
    };
    let parsed: Option<Value> = serde_json::from_slice(&request.body).ok();
    let text = |pointer: &str| {
        parsed
            .as_ref()
            .and_then(|v| v.pointer(pointer))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let (answer, forwarded) = match &checks.forward {
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
    let answer_error = write_answer(stream, &answer)
        .err()
        .map(|e| format!("could not answer the sender: {e}"));
    Served::Delivery(Box::new(Delivery {
        event: text("/event"),
        data_id: text("/data/id"),
        verified,
        age_ms: age_ms(received, timestamp),
        status: answer.status,
        forwarded,
        answer_error,
        parsed,
        body: request.body,
    }))
}

/// `received` minus the timestamp header, in milliseconds; `None` when the header is
/// not a number of milliseconds or the difference does not fit (checked: the header
/// is the sender's, and may be any number).
fn age_ms(received: OffsetDateTime, timestamp: &str) -> Option<i64> {
    let sent: i64 = timestamp.trim().parse().ok()?;
    let now = i64::try_from(received.unix_timestamp_nanos() / 1_000_000).ok()?;
    now.checked_sub(sent)
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

#[cfg(test)]
mod tests {
    use super::age_ms;
    use time::OffsetDateTime;

    #[test]
    fn any_timestamp_header_gives_an_age_or_none_without_overflow() {
        let now = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        assert_eq!(age_ms(now, "1699999999000"), Some(1000));
        assert_eq!(age_ms(now, " 1700000002000 "), Some(-2000));
        for header in [
            "-170141183460469231731687303715884105728",
            "170141183460469231731687303715884105727",
            "-9223372036854775808",
            "x",
            "",
        ] {
            assert_eq!(age_ms(now, header), None, "{header}");
        }
        assert_eq!(
            age_ms(now, "9223372036854775807").map(i64::signum),
            Some(-1)
        );
    }
}
