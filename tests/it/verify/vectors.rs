//! The published test vectors, rotation between secrets, and the timestamp tolerance.

use super::*;

// ---- Test vectors -------------------------------------------------------------------

#[test]
fn tv1_body_is_the_official_240_bytes() {
    assert_eq!(TV1_BODY.len(), 240);
    assert!(!TV1_BODY.ends_with(b"\n"));
}

#[test]
fn tv1_sign_gives_the_expected_header() {
    assert_eq!(sign_delivery(&secret(SECRET), TS_MS, TV1_BODY), TV1);
}

#[test]
fn tv1_verifies() {
    verifier().at(now()).verify(TV1_BODY, TS, TV1).unwrap();
}

#[test]
fn tv1_verified_event_parses() {
    let event = verifier()
        .at(now())
        .verify(TV1_BODY, TS, TV1)
        .and_then(|v| v.event())
        .unwrap();
    assert!(matches!(event.data, EventData::TransactionStateChanged(_)));
}

#[test]
fn tv2_body_with_trailing_newline_does_not_match() {
    let mut body = TV1_BODY.to_vec();
    body.push(b'\n');
    let err = verifier().at(now()).verify(&body, TS, TV1).unwrap_err();
    assert!(matches!(err, VerifyError::NoMatch), "{err:?}");
}

#[test]
fn tv2_timestamp_plus_one_ms_does_not_match() {
    let err = verifier()
        .at(now())
        .verify(TV1_BODY, "1683650202361", TV1)
        .unwrap_err();
    assert!(matches!(err, VerifyError::NoMatch), "{err:?}");
}

#[test]
fn tv2_key_without_wsk_prefix_gives_another_signature() {
    let unprefixed = SECRET.strip_prefix("wsk_").unwrap();
    assert_eq!(
        sign_delivery(&secret(unprefixed), TS_MS, TV1_BODY),
        TV2_NO_PREFIX
    );
    let err = verifier()
        .at(now())
        .verify(TV1_BODY, TS, TV2_NO_PREFIX)
        .unwrap_err();
    assert!(matches!(err, VerifyError::NoMatch), "{err:?}");
    // And such a key cannot even be configured.
    assert_eq!(
        Verifier::new(unprefixed).unwrap_err(),
        InvalidSecret::MissingPrefix
    );
}

#[test]
fn tv2_rotation_header_with_a_bad_first_entry_matches() {
    let header = format!("v1=deadbeef,{TV1}");
    verifier().at(now()).verify(TV1_BODY, TS, &header).unwrap();
}

#[test]
fn tv2_stale_by_300001_ms_is_rejected() {
    let err = verifier()
        .at(at_ms(i128::from(TS_MS) + 300_001))
        .verify(TV1_BODY, TS, TV1)
        .unwrap_err();
    assert!(
        matches!(err, VerifyError::TimestampTooOld { skew_ms: 300_001 }),
        "{err:?}"
    );
    assert_eq!(err.status_code(), 401);
}

#[test]
fn tv3_obfuscated_guide_example() {
    assert_eq!(sign_delivery(&secret(SECRET), TS_MS, TV3_BODY), TV3);
    verifier().at(now()).verify(TV3_BODY, TS, TV3).unwrap();
    // The two guide examples differ: neither signature verifies the other body.
    assert!(verifier().at(now()).verify(TV3_BODY, TS, TV1).is_err());
    assert!(verifier().at(now()).verify(TV1_BODY, TS, TV3).is_err());
}

#[test]
fn tv4_merchant_body_with_spaces() {
    assert_eq!(sign_delivery(&secret(SECRET), TS_MS, TV4_BODY), TV4);
    verifier().at(now()).verify(TV4_BODY, TS, TV4).unwrap();
}

// ---- Rotation -----------------------------------------------------------------------

#[test]
fn rotation_two_signatures_either_secret_alone_verifies() {
    let (new, old) = (secret("wsk_newNewNew"), secret("wsk_oldOldOld"));
    let header = sign_delivery_all([&new, &old], TS_MS, TV1_BODY);
    assert_eq!(header.matches("v1=").count(), 2);
    Verifier::new(new.clone())
        .unwrap()
        .at(now())
        .verify(TV1_BODY, TS, &header)
        .unwrap();
    Verifier::new(old.clone())
        .unwrap()
        .at(now())
        .verify(TV1_BODY, TS, &header)
        .unwrap();
    let err = Verifier::new("wsk_unrelated")
        .unwrap()
        .at(now())
        .verify(TV1_BODY, TS, &header)
        .unwrap_err();
    assert!(matches!(err, VerifyError::NoMatch));
}

#[test]
fn rotation_three_signatures_and_a_verifier_holding_two_secrets() {
    let secrets = [
        secret("wsk_one111"),
        secret("wsk_two222"),
        secret("wsk_three333"),
    ];
    let header = sign_delivery_all(&secrets, TS_MS, TV1_BODY);
    assert_eq!(header.split(',').count(), 3);
    // The receiver only knows the oldest, plus one that is not in the header.
    let v = Verifier::new("wsk_notsent")
        .unwrap()
        .and_secret(secrets[2].clone())
        .unwrap();
    v.at(now()).verify(TV1_BODY, TS, &header).unwrap();
    // Each signature alone, in any position, is enough.
    for s in &secrets {
        let v = Verifier::from_secrets([s.clone()]).unwrap();
        v.at(now()).verify(TV1_BODY, TS, &header).unwrap();
    }
}

#[test]
fn verify_reports_which_secret_matched() {
    let old = secret("wsk_old11111");
    let new = secret("wsk_new22222");
    let v = Verifier::new(new.clone())
        .unwrap()
        .and_secret(old.clone())
        .unwrap()
        .at(now());
    let by_old = sign_delivery(&old, TS_MS, TV1_BODY);
    let by_new = sign_delivery(&new, TS_MS, TV1_BODY);
    let by_both = sign_delivery_all([&old, &new], TS_MS, TV1_BODY);
    let verified = v.verify(TV1_BODY, TS, &by_old).unwrap();
    assert_eq!(verified.secret_index(), 1);
    assert_eq!(verified.timestamp_ms(), TS_MS);
    assert_eq!(verified.body(), TV1_BODY);
    assert_eq!(v.verify(TV1_BODY, TS, &by_new).unwrap().secret_index(), 0);
    // Both signatures present: the first secret the verifier holds wins.
    assert_eq!(v.verify(TV1_BODY, TS, &by_both).unwrap().secret_index(), 0);
    // Debug shows the size of the body, not the body.
    let shown = format!("{verified:?}");
    assert!(
        shown.contains("body_bytes: 240") && !shown.contains("Transaction"),
        "{shown}"
    );
}

#[test]
fn rotation_verifier_with_secrets_accepts_each_single_signature() {
    let v = Verifier::from_secrets(["wsk_a1", "wsk_b2", "wsk_c3"]).unwrap();
    assert_eq!(v.secret_count(), 3);
    for s in ["wsk_a1", "wsk_b2", "wsk_c3"] {
        let header = sign_delivery(&secret(s), TS_MS, TV1_BODY);
        v.at(now()).verify(TV1_BODY, TS, &header).unwrap();
    }
}

// ---- Tolerance ----------------------------------------------------------------------

#[test]
fn tolerance_exactly_300000_ms_is_accepted_both_ways() {
    let v = verifier();
    v.at(at_ms(i128::from(TS_MS) + 300_000))
        .verify(TV1_BODY, TS, TV1)
        .unwrap();
    v.at(at_ms(i128::from(TS_MS) - 300_000))
        .verify(TV1_BODY, TS, TV1)
        .unwrap();
}

#[test]
fn tolerance_300001_ms_is_rejected_both_ways() {
    let v = verifier();
    let old = v
        .at(at_ms(i128::from(TS_MS) + 300_001))
        .verify(TV1_BODY, TS, TV1)
        .unwrap_err();
    assert!(matches!(
        old,
        VerifyError::TimestampTooOld { skew_ms: 300_001 }
    ));
    let future = v
        .at(at_ms(i128::from(TS_MS) - 300_001))
        .verify(TV1_BODY, TS, TV1)
        .unwrap_err();
    assert!(
        matches!(future, VerifyError::TimestampInFuture { skew_ms: 300_001 }),
        "{future:?}"
    );
    assert_eq!(future.status_code(), 401);
}

#[test]
fn tolerance_is_configurable_and_default_is_five_minutes() {
    assert_eq!(DEFAULT_TOLERANCE, Duration::from_secs(300));
    assert_eq!(verifier().tolerance(), DEFAULT_TOLERANCE);
    let v = verifier().with_tolerance(Duration::from_millis(10));
    v.at(at_ms(i128::from(TS_MS) + 10))
        .verify(TV1_BODY, TS, TV1)
        .unwrap();
    assert!(matches!(
        v.at(at_ms(i128::from(TS_MS) + 11))
            .verify(TV1_BODY, TS, TV1),
        Err(VerifyError::TimestampTooOld { skew_ms: 11 })
    ));
}

#[test]
fn the_injected_clock_is_used_by_verify() {
    let clock = ManualClock::new(now());
    let v = verifier().with_clock(Arc::new(clock.clone()));
    v.verify(TV1_BODY, TS, TV1).unwrap();
    clock.advance(time::Duration::milliseconds(300_001));
    assert!(matches!(
        v.verify(TV1_BODY, TS, TV1),
        Err(VerifyError::TimestampTooOld { .. })
    ));
    clock.set(now() - time::Duration::minutes(6));
    assert!(matches!(
        v.verify(TV1_BODY, TS, TV1).and_then(|v| v.event()),
        Err(VerifyError::TimestampInFuture { .. })
    ));
}

#[test]
fn timestamp_in_seconds_is_treated_as_ms_and_is_stale() {
    // A sender that wrongly uses seconds produces a time in January 1970.
    let header = sign_delivery(&secret(SECRET), 1_683_650_202, TV1_BODY);
    let err = verifier()
        .at(now())
        .verify(TV1_BODY, "1683650202", &header)
        .unwrap_err();
    assert!(matches!(err, VerifyError::TimestampTooOld { .. }));
}
