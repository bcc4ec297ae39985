//! Sign arbitrary bodies at arbitrary timestamps: what `sign` makes, `verify` accepts;
//! changing one byte of the body, the timestamp or the signature is rejected.
#![no_main]

use libfuzzer_sys::fuzz_target;
use revolut_webhooks::SigningSecret;
use revolut_webhooks::signature::{Verifier, sign_delivery};
use std::sync::Arc;

use revolut_webhooks::ManualClock;
use time::OffsetDateTime;

fuzz_target!(|data: &[u8]| {
    if data.len() < 11 {
        return;
    }
    let (head, body) = data.split_at(11);
    let ts = u64::from_le_bytes(head[..8].try_into().unwrap()) % 10_000_000_000_000;
    let position = usize::from(u16::from_le_bytes([head[8], head[9]]));
    let flip = head[10] | 1; // never zero

    let secret = SigningSecret::from("wsk_fuzzSecret");
    let now = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ts) * 1_000_000).unwrap();
    let verifier = Verifier::new(secret.clone())
        .unwrap()
        .with_clock(Arc::new(ManualClock::new(now)));
    let header = sign_delivery(&secret, ts, body);
    let ts_text = ts.to_string();
    verifier.verify(body, &ts_text, &header).expect("sign/verify round trip");

    if !body.is_empty() {
        let mut changed = body.to_vec();
        changed[position % body.len()] ^= flip;
        assert!(verifier.verify(&changed, &ts_text, &header).is_err());
    }

    let mut ts_bytes = ts_text.clone().into_bytes();
    let i = position % ts_bytes.len();
    ts_bytes[i] ^= flip;
    if let Ok(changed) = String::from_utf8(ts_bytes) {
        assert!(verifier.verify(body, &changed, &header).is_err());
    }

    // Skip the `v1=` prefix's case-insensitive twin: hex case does not change the value.
    let mut sig_bytes = header.clone().into_bytes();
    let i = position % sig_bytes.len();
    let before = sig_bytes[i];
    sig_bytes[i] ^= flip;
    let same_digit = i >= 3 && sig_bytes[i].eq_ignore_ascii_case(&before);
    if let Ok(changed) = String::from_utf8(sig_bytes) {
        if !same_digit {
            assert!(verifier.verify(body, &ts_text, &changed).is_err());
        }
    }
});
