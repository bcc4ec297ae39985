//! Arbitrary `Revolut-Request-Timestamp` and `Revolut-Signature` values against a fixed
//! body and secrets: never panics, and accepts only when the header really holds the
//! right signature for a timestamp within the tolerance.
#![no_main]

use libfuzzer_sys::fuzz_target;
use revolut_webhooks::signature::{Verifier, VerifyError, sign_delivery};
use revolut_webhooks::SigningSecret;
use std::sync::Arc;

use revolut_webhooks::ManualClock;
use time::OffsetDateTime;

const BODY: &[u8] = br#"{"event":"TransactionStateChanged","timestamp":"2023-05-09T16:36:38.028960Z","data":{}}"#;
const NOW_MS: i128 = 1_683_650_202_360;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (timestamp, signature) = text.split_once('\n').unwrap_or((&text, ""));
    let secrets = [SigningSecret::from("wsk_fuzzOne"), SigningSecret::from("wsk_fuzzTwo")];
    let now = OffsetDateTime::from_unix_timestamp_nanos(NOW_MS * 1_000_000).unwrap();
    let verifier = Verifier::from_secrets(secrets.clone())
        .unwrap()
        .with_clock(Arc::new(ManualClock::new(now)));
    let result = verifier.verify(BODY, timestamp, signature);

    let trimmed = timestamp.trim_matches([' ', '\t']);
    match &result {
        Ok(_) => {
            let ts: u64 = trimmed.parse().expect("accepted a non-numeric timestamp");
            assert!((i128::from(ts) - NOW_MS).abs() <= 300_000);
            let lower = signature.to_ascii_lowercase();
            assert!(
                secrets.iter().any(|s| lower.contains(&sign_delivery(s, ts, BODY))),
                "accepted a header without a right signature"
            );
        }
        Err(VerifyError::MissingHeader { .. }) => {}
        Err(VerifyError::MalformedTimestamp) => {
            assert!(!trimmed.is_empty());
        }
        Err(e) => {
            // Everything else needs a numeric timestamp.
            assert!(trimmed.bytes().all(|b| b.is_ascii_digit()), "{e:?} for {trimmed:?}");
        }
    }
    if let Err(e) = result {
        let message = e.to_string();
        assert!(!message.contains("fuzzOne") && !message.contains("fuzzTwo"));
        assert!(matches!(e.status_code(), 400 | 401));
    }
});
