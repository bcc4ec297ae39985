//! Robustness (huge, odd and non-UTF-8 input) and properties of sign-then-verify.

use super::*;

// ---- Robustness ---------------------------------------------------------------------

#[test]
fn huge_headers_do_not_panic() {
    let v = verifier();
    let huge_ts = "9".repeat(1 << 20);
    assert!(matches!(
        v.at(now()).verify(TV1_BODY, &huge_ts, TV1),
        Err(VerifyError::MalformedTimestamp)
    ));
    let many = vec![format!("v1={}", "ab".repeat(32)); 20_000].join(",");
    assert!(matches!(
        v.at(now()).verify(TV1_BODY, TS, &many),
        Err(VerifyError::NoMatch)
    ));
    // The right signature at the end of a huge header still counts.
    let many_then_good = format!("{many},{TV1}");
    v.at(now()).verify(TV1_BODY, TS, &many_then_good).unwrap();
    let junk = "=".repeat(1 << 20);
    assert!(v.at(now()).verify(TV1_BODY, TS, &junk).is_err());
    let commas = ",".repeat(1 << 20);
    assert!(v.at(now()).verify(TV1_BODY, TS, &commas).is_err());
}

#[test]
fn non_utf8_bodies_and_unicode_headers_do_not_panic() {
    let body = [0xff, 0xfe, 0x00, 0x80, b'{', 0xc3];
    let header = sign_delivery(&secret(SECRET), TS_MS, &body);
    verifier().at(now()).verify(&body, TS, &header).unwrap();
    assert!(matches!(
        verifier()
            .at(now())
            .verify(&body, TS, &header)
            .and_then(|v| v.event()),
        Err(VerifyError::InvalidEvent(_))
    ));
    for weird in [
        "v1=é",
        "v1=ééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé",
        "🦀=🦀",
        "\u{0}",
    ] {
        assert!(verifier().at(now()).verify(&body, TS, weird).is_err());
        assert!(verifier().at(now()).verify(&body, weird, &header).is_err());
    }
    // A multi-byte character across the 64-digit boundary must not split a char.
    let tricky = format!("v1={}é", "a".repeat(63));
    assert!(verifier().at(now()).verify(&body, TS, &tricky).is_err());
}

#[test]
fn ten_megabyte_body() {
    let body = vec![b'x'; 10 * 1024 * 1024];
    let header = sign_delivery(&secret(SECRET), TS_MS, &body);
    verifier().at(now()).verify(&body, TS, &header).unwrap();
    let mut changed = body.clone();
    changed[5 * 1024 * 1024] = b'y';
    assert!(matches!(
        verifier().at(now()).verify(&changed, TS, &header),
        Err(VerifyError::NoMatch)
    ));
}

#[test]
fn verify_uses_the_system_clock_by_default() {
    let ts = timestamp_ms(OffsetDateTime::now_utc());
    let header = sign_delivery(&secret(SECRET), ts, TV1_BODY);
    verifier()
        .verify(TV1_BODY, &ts.to_string(), &header)
        .unwrap();
    assert!(matches!(
        verifier().verify(TV1_BODY, TS, TV1),
        Err(VerifyError::TimestampTooOld { .. })
    ));
}

#[test]
fn timestamp_ms_matches_the_documented_example() {
    assert_eq!(timestamp_ms(now()), TS_MS);
    assert_eq!(timestamp_ms(at_ms(-5)), 0);
}

// ---- Properties ---------------------------------------------------------------------

fn secret_strategy() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_\\-]{1,48}".prop_map(|s| format!("wsk_{s}"))
}

/// A byte change of the signature header that changes its meaning: not a hex digit
/// turned into the same digit in the other case.
fn changes_meaning(header: &[u8], index: usize, new: u8) -> bool {
    let old = header[index];
    new != old && !(index >= 3 && old.is_ascii_hexdigit() && new.eq_ignore_ascii_case(&old))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn sign_then_verify_accepts(
        secret in secret_strategy(),
        ts in 0u64..10_000_000_000_000,
        body in proptest::collection::vec(any::<u8>(), 0..2048),
    ) {
        let v = Verifier::new(secret.as_str()).unwrap();
        let header = sign_delivery(&SigningSecret::from(secret), ts, &body);
        prop_assert!(v.at(at_ms(i128::from(ts))).verify(&body, &ts.to_string(), &header).is_ok());
    }

    #[test]
    fn any_single_byte_change_is_rejected(
        secret in secret_strategy(),
        ts in 0u64..10_000_000_000_000,
        body in proptest::collection::vec(any::<u8>(), 1..512),
        index in any::<prop::sample::Index>(),
        xor in 1u8..=255,
    ) {
        let v = Verifier::new(secret.as_str()).unwrap();
        let header = sign_delivery(&SigningSecret::from(secret), ts, &body);
        let ts_text = ts.to_string();
        let now = at_ms(i128::from(ts));

        let mut changed_body = body.clone();
        let i = index.index(changed_body.len());
        changed_body[i] ^= xor;
        prop_assert!(v.at(now).verify(&changed_body, &ts_text, &header).is_err());

        let mut changed_ts = ts_text.clone().into_bytes();
        let i = index.index(changed_ts.len());
        changed_ts[i] ^= xor;
        if let Ok(changed_ts) = String::from_utf8(changed_ts) {
            prop_assert!(v.at(now).verify(&body, &changed_ts, &header).is_err(), "{}", changed_ts);
        }

        let mut changed_sig = header.clone().into_bytes();
        let i = index.index(changed_sig.len());
        let new = changed_sig[i] ^ xor;
        if changes_meaning(&changed_sig, i, new) {
            changed_sig[i] = new;
            if let Ok(changed_sig) = String::from_utf8(changed_sig) {
                prop_assert!(v.at(now).verify(&body, &ts_text, &changed_sig).is_err(), "{}", changed_sig);
            }
        }
    }

    #[test]
    fn a_different_secret_is_rejected(
        a in secret_strategy(),
        b in secret_strategy(),
        ts in 0u64..10_000_000_000_000,
        body in proptest::collection::vec(any::<u8>(), 0..256),
    ) {
        prop_assume!(a != b);
        let header = sign_delivery(&SigningSecret::from(a), ts, &body);
        let v = Verifier::new(b.as_str()).unwrap();
        prop_assert!(matches!(
            v.at(at_ms(i128::from(ts))).verify(&body, &ts.to_string(), &header),
            Err(VerifyError::NoMatch)
        ));
    }

    #[test]
    fn arbitrary_headers_never_panic(ts in ".{0,64}", sig in ".{0,300}") {
        let result = verifier().at(now()).verify(TV1_BODY, &ts, &sig);
        if let Err(e) = result {
            prop_assert!(e.status_code() == 400 || e.status_code() == 401);
        }
    }
}
