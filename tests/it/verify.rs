//! Signature verification: the published vectors, rotation, tolerance, header formats and
//! every error. Runs with no crate feature.

use std::sync::Arc;
use std::time::Duration;

use proptest::prelude::*;
use revolut_webhooks::events::EventData;
use revolut_webhooks::signature::{
    DEFAULT_TOLERANCE, InvalidSecret, SIGNATURE_HEADER, TIMESTAMP_HEADER, Verifier, VerifyError,
    sign_delivery, sign_delivery_all, timestamp_ms,
};
use revolut_webhooks::{ManualClock, SigningSecret};
use time::OffsetDateTime;

/// The official example secret and timestamp (Revolut's verify guide).
const SECRET: &str = "wsk_r59a4HfWVAKycbCaNO1RvgCJec02gRd8";
const TS: &str = "1683650202360";
const TS_MS: u64 = 1_683_650_202_360;
/// TV-1, computed with Python's hmac from the official inputs.
const TV1: &str = "v1=bca326fb378d0da7f7c490ad584a8106bab9723d8d9cdd0d50b4c5b3be3837c0";
/// TV-3: the guide's obfuscated-ID example body.
const TV3: &str = "v1=e0081c3c3d4019449671648596e1868a168d337d5ae711282f32eba42e02eeab";
/// TV-4: the Merchant guide's body (with spaces).
const TV4: &str = "v1=281b1f1aebe9357b7b128fd6a3aae0fe202c901add4ce75e6d038e498871d7fd";
/// TV-2: the same inputs keyed without the `wsk_` prefix.
const TV2_NO_PREFIX: &str = "v1=5144b095ff5b87c8615470110d754e9c7d5d509b41c90eedbeaecc56e7c03b1f";

const TV1_BODY: &[u8] = include_bytes!("../fixtures/transaction_state_changed.json");
const TV3_BODY: &[u8] = include_bytes!("../fixtures/transaction_state_changed_obfuscated.json");
const TV4_BODY: &[u8] = include_bytes!("../fixtures/merchant_order_completed.json");

fn at_ms(ms: i128) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(ms * 1_000_000).unwrap()
}

/// "Now" equal to the official timestamp.
fn now() -> OffsetDateTime {
    at_ms(i128::from(TS_MS))
}

fn verifier() -> Verifier {
    Verifier::new(SECRET).unwrap()
}

fn secret(s: &str) -> SigningSecret {
    SigningSecret::from(s)
}

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
    verifier().verify_at(TV1_BODY, TS, TV1, now()).unwrap();
}

#[test]
fn tv1_verify_and_parse_gives_the_event() {
    let event = verifier()
        .verify_and_parse_at(TV1_BODY, TS, TV1, now())
        .unwrap();
    assert!(matches!(event.data, EventData::TransactionStateChanged(_)));
}

#[test]
fn tv2_body_with_trailing_newline_does_not_match() {
    let mut body = TV1_BODY.to_vec();
    body.push(b'\n');
    let err = verifier().verify_at(&body, TS, TV1, now()).unwrap_err();
    assert!(matches!(err, VerifyError::NoMatch), "{err:?}");
}

#[test]
fn tv2_timestamp_plus_one_ms_does_not_match() {
    let err = verifier()
        .verify_at(TV1_BODY, "1683650202361", TV1, now())
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
        .verify_at(TV1_BODY, TS, TV2_NO_PREFIX, now())
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
    verifier().verify_at(TV1_BODY, TS, &header, now()).unwrap();
}

#[test]
fn tv2_stale_by_300001_ms_is_rejected() {
    let err = verifier()
        .verify_at(TV1_BODY, TS, TV1, at_ms(i128::from(TS_MS) + 300_001))
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
    verifier().verify_at(TV3_BODY, TS, TV3, now()).unwrap();
    // The two guide examples differ: neither signature verifies the other body.
    assert!(verifier().verify_at(TV3_BODY, TS, TV1, now()).is_err());
    assert!(verifier().verify_at(TV1_BODY, TS, TV3, now()).is_err());
}

#[test]
fn tv4_merchant_body_with_spaces() {
    assert_eq!(sign_delivery(&secret(SECRET), TS_MS, TV4_BODY), TV4);
    verifier().verify_at(TV4_BODY, TS, TV4, now()).unwrap();
}

// ---- Rotation -----------------------------------------------------------------------

#[test]
fn rotation_two_signatures_either_secret_alone_verifies() {
    let (new, old) = (secret("wsk_newNewNew"), secret("wsk_oldOldOld"));
    let header = sign_delivery_all([&new, &old], TS_MS, TV1_BODY);
    assert_eq!(header.matches("v1=").count(), 2);
    Verifier::new(new.clone())
        .unwrap()
        .verify_at(TV1_BODY, TS, &header, now())
        .unwrap();
    Verifier::new(old.clone())
        .unwrap()
        .verify_at(TV1_BODY, TS, &header, now())
        .unwrap();
    let err = Verifier::new("wsk_unrelated")
        .unwrap()
        .verify_at(TV1_BODY, TS, &header, now())
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
    v.verify_at(TV1_BODY, TS, &header, now()).unwrap();
    // Each signature alone, in any position, is enough.
    for s in &secrets {
        let v = Verifier::from_secrets([s.clone()]).unwrap();
        v.verify_at(TV1_BODY, TS, &header, now()).unwrap();
    }
}

#[test]
fn rotation_verifier_with_secrets_accepts_each_single_signature() {
    let v = Verifier::from_secrets(["wsk_a1", "wsk_b2", "wsk_c3"]).unwrap();
    assert_eq!(v.secret_count(), 3);
    for s in ["wsk_a1", "wsk_b2", "wsk_c3"] {
        let header = sign_delivery(&secret(s), TS_MS, TV1_BODY);
        v.verify_at(TV1_BODY, TS, &header, now()).unwrap();
    }
}

// ---- Tolerance ----------------------------------------------------------------------

#[test]
fn tolerance_exactly_300000_ms_is_accepted_both_ways() {
    let v = verifier();
    v.verify_at(TV1_BODY, TS, TV1, at_ms(i128::from(TS_MS) + 300_000))
        .unwrap();
    v.verify_at(TV1_BODY, TS, TV1, at_ms(i128::from(TS_MS) - 300_000))
        .unwrap();
}

#[test]
fn tolerance_300001_ms_is_rejected_both_ways() {
    let v = verifier();
    let old = v
        .verify_at(TV1_BODY, TS, TV1, at_ms(i128::from(TS_MS) + 300_001))
        .unwrap_err();
    assert!(matches!(
        old,
        VerifyError::TimestampTooOld { skew_ms: 300_001 }
    ));
    let future = v
        .verify_at(TV1_BODY, TS, TV1, at_ms(i128::from(TS_MS) - 300_001))
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
    v.verify_at(TV1_BODY, TS, TV1, at_ms(i128::from(TS_MS) + 10))
        .unwrap();
    assert!(matches!(
        v.verify_at(TV1_BODY, TS, TV1, at_ms(i128::from(TS_MS) + 11)),
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
        v.verify_and_parse(TV1_BODY, TS, TV1),
        Err(VerifyError::TimestampInFuture { .. })
    ));
}

#[test]
fn timestamp_in_seconds_is_treated_as_ms_and_is_stale() {
    // A sender that wrongly uses seconds produces a time in January 1970.
    let header = sign_delivery(&secret(SECRET), 1_683_650_202, TV1_BODY);
    let err = verifier()
        .verify_at(TV1_BODY, "1683650202", &header, now())
        .unwrap_err();
    assert!(matches!(err, VerifyError::TimestampTooOld { .. }));
}

// ---- Header formats -----------------------------------------------------------------

#[test]
fn header_whitespace_and_ordering() {
    let other = sign_delivery(&secret("wsk_someoneElse"), TS_MS, TV1_BODY);
    let v = verifier();
    for header in [
        format!("{TV1},{other}"),
        format!("{other},{TV1}"),
        format!("{other}, {TV1}"),
        format!(" {other} ,  {TV1} "),
        format!("{other}\t{TV1}"),
        format!("{other} {TV1}"),
        format!("{other},,{TV1},"),
        format!("v0=abc,{TV1},v2=zzz"),
    ] {
        v.verify_at(TV1_BODY, TS, &header, now())
            .unwrap_or_else(|e| panic!("{header:?}: {e:?}"));
    }
    // Whitespace around the timestamp is tolerated too.
    v.verify_at(TV1_BODY, &format!(" {TS}\t"), TV1, now())
        .unwrap();
}

/// RetryDecision: hex case does not matter. Revolut sends lowercase; some signers (e.g. .NET's
/// `Convert.ToHexString`) produce uppercase. The decoded bytes are what is compared, in
/// constant time, so accepting either case changes nothing about security.
#[test]
fn uppercase_and_mixed_case_hex_are_accepted() {
    let upper = format!("v1={}", TV1[3..].to_ascii_uppercase());
    verifier().verify_at(TV1_BODY, TS, &upper, now()).unwrap();
    let mixed: String = TV1
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i % 2 == 0 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect::<String>()
        .replacen("V1=", "v1=", 1);
    verifier().verify_at(TV1_BODY, TS, &mixed, now()).unwrap();
    // The version tag itself is case-sensitive.
    let err = verifier()
        .verify_at(TV1_BODY, TS, &TV1.replacen("v1=", "V1=", 1), now())
        .unwrap_err();
    assert!(matches!(err, VerifyError::NoV1Signature), "{err:?}");
}

// ---- Secrets ------------------------------------------------------------------------

#[test]
fn construction_rejects_bad_secrets() {
    assert_eq!(Verifier::new("").unwrap_err(), InvalidSecret::Empty);
    assert_eq!(Verifier::new("wsk_").unwrap_err(), InvalidSecret::Empty);
    assert_eq!(
        Verifier::new("r59a4HfWVAKycbCaNO1RvgCJec02gRd8").unwrap_err(),
        InvalidSecret::MissingPrefix
    );
    assert_eq!(
        Verifier::new("WSK_abc").unwrap_err(),
        InvalidSecret::MissingPrefix
    );
    assert_eq!(
        Verifier::new(format!("{SECRET}\n")).unwrap_err(),
        InvalidSecret::Whitespace
    );
    assert_eq!(
        Verifier::from_secrets(Vec::<SigningSecret>::new()).unwrap_err(),
        InvalidSecret::NoSecrets
    );
    assert_eq!(
        Verifier::from_secrets([SECRET, "bad"]).unwrap_err(),
        InvalidSecret::MissingPrefix
    );
    assert_eq!(verifier().and_secret("").unwrap_err(), InvalidSecret::Empty);
}

#[test]
fn messages_never_contain_the_secret() {
    let errors = [
        Verifier::new("").unwrap_err().to_string(),
        Verifier::new("nope_secretvalue").unwrap_err().to_string(),
        Verifier::new("wsk_secret value").unwrap_err().to_string(),
    ];
    for e in &errors {
        assert!(
            !e.contains("secretvalue") && !e.contains("secret value"),
            "{e}"
        );
    }
    let v = verifier();
    assert!(!format!("{v:?}").contains("r59a4"));
    let err = v.verify_at(TV1_BODY, TS, TV2_NO_PREFIX, now()).unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(
        !text.contains("r59a4") && !text.contains("bca326"),
        "{text}"
    );
}

// ---- Every error --------------------------------------------------------------------

#[test]
fn error_missing_headers() {
    let v = verifier();
    let err = v.verify_at(TV1_BODY, "", TV1, now()).unwrap_err();
    assert!(matches!(
        err,
        VerifyError::MissingHeader {
            name: TIMESTAMP_HEADER
        }
    ));
    assert_eq!(err.status_code(), 400);
    assert!(err.to_string().contains("Revolut-Request-Timestamp"));
    for sig in ["", "  ", ",", " , ,"] {
        let err = v.verify_at(TV1_BODY, TS, sig, now()).unwrap_err();
        assert!(
            matches!(
                err,
                VerifyError::MissingHeader {
                    name: SIGNATURE_HEADER
                }
            ),
            "{sig:?}: {err:?}"
        );
        assert_eq!(err.status_code(), 400);
    }
}

#[test]
fn error_malformed_timestamp() {
    for ts in [
        "abc",
        "+1683650202360",
        "-1683650202360",
        "1683650202.360",
        "1683650202360ms",
        "1_683_650_202_360",
        "99999999999999999999999",
        "2023-05-09T16:36:42Z",
        "16836 50202360",
    ] {
        let err = verifier().verify_at(TV1_BODY, ts, TV1, now()).unwrap_err();
        assert!(
            matches!(err, VerifyError::MalformedTimestamp),
            "{ts}: {err:?}"
        );
        assert_eq!(err.status_code(), 400);
    }
}

#[test]
fn error_timestamp_too_old_and_in_future() {
    let v = verifier();
    let err = v
        .verify_at(TV1_BODY, TS, TV1, at_ms(i128::from(TS_MS) + 3_600_000))
        .unwrap_err();
    assert!(matches!(
        err,
        VerifyError::TimestampTooOld { skew_ms: 3_600_000 }
    ));
    assert!(err.to_string().contains("3600000"));
    let err = v.verify_at(TV1_BODY, "0", TV1, now()).unwrap_err();
    assert!(matches!(err, VerifyError::TimestampTooOld { skew_ms } if skew_ms == TS_MS));
    let err = v
        .verify_at(TV1_BODY, "9999999999999", TV1, now())
        .unwrap_err();
    assert!(matches!(err, VerifyError::TimestampInFuture { .. }));
}

#[test]
fn error_no_v1_signature() {
    for sig in [
        "v0=abc",
        "v2=bca326fb378d0da7f7c490ad584a8106bab9723d8d9cdd0d50b4c5b3be3837c0",
        "sha256=ab, t=1",
    ] {
        let err = verifier().verify_at(TV1_BODY, TS, sig, now()).unwrap_err();
        assert!(matches!(err, VerifyError::NoV1Signature), "{sig}: {err:?}");
        assert_eq!(err.status_code(), 400);
    }
}

#[test]
fn error_malformed_signature() {
    let long = format!("{TV1}00");
    let short = &TV1[..TV1.len() - 2];
    let non_hex = TV1.replacen('b', "g", 1);
    for sig in [
        "v1=",
        "v1=deadbeef",
        short,
        long.as_str(),
        non_hex.as_str(),
        "bca326fb378d0da7f7c490ad584a8106bab9723d8d9cdd0d50b4c5b3be3837c0",
        "=abc",
        "v1=deadbeef,v0=abc",
    ] {
        let err = verifier().verify_at(TV1_BODY, TS, sig, now()).unwrap_err();
        assert!(
            matches!(err, VerifyError::MalformedSignature),
            "{sig}: {err:?}"
        );
        assert_eq!(err.status_code(), 400);
    }
}

#[test]
fn error_no_match() {
    let zero = format!("v1={}", "0".repeat(64));
    let err = verifier()
        .verify_at(TV1_BODY, TS, &zero, now())
        .unwrap_err();
    assert!(matches!(err, VerifyError::NoMatch));
    assert_eq!(err.status_code(), 401);
    // A malformed entry next to a well-formed wrong one is still a mismatch.
    let err = verifier()
        .verify_at(TV1_BODY, TS, &format!("v1=xyz,{zero}"), now())
        .unwrap_err();
    assert!(matches!(err, VerifyError::NoMatch));
}

#[test]
fn error_invalid_event_after_a_good_signature() {
    let body = br#"{"event":"TransactionStateChanged","timestamp":"2023-05-09T16:36:38Z","data":{"id":1}}"#;
    let header = sign_delivery(&secret(SECRET), TS_MS, body);
    let err = verifier()
        .verify_and_parse_at(body, TS, &header, now())
        .unwrap_err();
    assert!(matches!(err, VerifyError::InvalidEvent(_)), "{err:?}");
    assert_eq!(err.status_code(), 400);
    assert!(std::error::Error::source(&err).is_some());
    // The body is not parsed until the signature is good.
    let err = verifier()
        .verify_and_parse_at(b"not json", TS, TV1, now())
        .unwrap_err();
    assert!(matches!(err, VerifyError::NoMatch));
}

#[test]
fn checks_run_in_order_400_before_401() {
    // Stale and malformed: the malformed header is reported.
    let err = verifier()
        .verify_at(TV1_BODY, TS, "v1=zz", at_ms(0))
        .unwrap_err();
    assert!(matches!(err, VerifyError::MalformedSignature));
    // Stale and wrong signature: stale is reported (no HMAC needed).
    let zero = format!("v1={}", "0".repeat(64));
    let err = verifier()
        .verify_at(TV1_BODY, TS, &zero, at_ms(0))
        .unwrap_err();
    assert!(matches!(err, VerifyError::TimestampInFuture { .. }));
}

// ---- Robustness ---------------------------------------------------------------------

#[test]
fn huge_headers_do_not_panic() {
    let v = verifier();
    let huge_ts = "9".repeat(1 << 20);
    assert!(matches!(
        v.verify_at(TV1_BODY, &huge_ts, TV1, now()),
        Err(VerifyError::MalformedTimestamp)
    ));
    let many = vec![format!("v1={}", "ab".repeat(32)); 20_000].join(",");
    assert!(matches!(
        v.verify_at(TV1_BODY, TS, &many, now()),
        Err(VerifyError::NoMatch)
    ));
    // The right signature at the end of a huge header still counts.
    let many_then_good = format!("{many},{TV1}");
    v.verify_at(TV1_BODY, TS, &many_then_good, now()).unwrap();
    let junk = "=".repeat(1 << 20);
    assert!(v.verify_at(TV1_BODY, TS, &junk, now()).is_err());
    let commas = ",".repeat(1 << 20);
    assert!(v.verify_at(TV1_BODY, TS, &commas, now()).is_err());
}

#[test]
fn non_utf8_bodies_and_unicode_headers_do_not_panic() {
    let body = [0xff, 0xfe, 0x00, 0x80, b'{', 0xc3];
    let header = sign_delivery(&secret(SECRET), TS_MS, &body);
    verifier().verify_at(&body, TS, &header, now()).unwrap();
    assert!(matches!(
        verifier().verify_and_parse_at(&body, TS, &header, now()),
        Err(VerifyError::InvalidEvent(_))
    ));
    for weird in [
        "v1=é",
        "v1=ééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé",
        "🦀=🦀",
        "\u{0}",
    ] {
        assert!(verifier().verify_at(&body, TS, weird, now()).is_err());
        assert!(verifier().verify_at(&body, weird, &header, now()).is_err());
    }
    // A multi-byte character across the 64-digit boundary must not split a char.
    let tricky = format!("v1={}é", "a".repeat(63));
    assert!(verifier().verify_at(&body, TS, &tricky, now()).is_err());
}

#[test]
fn ten_megabyte_body() {
    let body = vec![b'x'; 10 * 1024 * 1024];
    let header = sign_delivery(&secret(SECRET), TS_MS, &body);
    verifier().verify_at(&body, TS, &header, now()).unwrap();
    let mut changed = body.clone();
    changed[5 * 1024 * 1024] = b'y';
    assert!(matches!(
        verifier().verify_at(&changed, TS, &header, now()),
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
        prop_assert!(v.verify_at(&body, &ts.to_string(), &header, at_ms(i128::from(ts))).is_ok());
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
        prop_assert!(v.verify_at(&changed_body, &ts_text, &header, now).is_err());

        let mut changed_ts = ts_text.clone().into_bytes();
        let i = index.index(changed_ts.len());
        changed_ts[i] ^= xor;
        if let Ok(changed_ts) = String::from_utf8(changed_ts) {
            prop_assert!(v.verify_at(&body, &changed_ts, &header, now).is_err(), "{}", changed_ts);
        }

        let mut changed_sig = header.clone().into_bytes();
        let i = index.index(changed_sig.len());
        let new = changed_sig[i] ^ xor;
        if changes_meaning(&changed_sig, i, new) {
            changed_sig[i] = new;
            if let Ok(changed_sig) = String::from_utf8(changed_sig) {
                prop_assert!(v.verify_at(&body, &ts_text, &changed_sig, now).is_err(), "{}", changed_sig);
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
            v.verify_at(&body, &ts.to_string(), &header, at_ms(i128::from(ts))),
            Err(VerifyError::NoMatch)
        ));
    }

    #[test]
    fn arbitrary_headers_never_panic(ts in ".{0,64}", sig in ".{0,300}") {
        let result = verifier().verify_at(TV1_BODY, &ts, &sig, now());
        if let Err(e) = result {
            prop_assert!(e.status_code() == 400 || e.status_code() == 401);
        }
    }
}

// ---- http feature -------------------------------------------------------------------

#[cfg(feature = "http")]
mod http_headers {
    use super::*;
    use http::{HeaderMap, HeaderValue};

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn reads_headers_case_insensitively() {
        for (ts_name, sig_name) in [
            ("revolut-request-timestamp", "revolut-signature"),
            ("REVOLUT-REQUEST-TIMESTAMP", "REVOLUT-SIGNATURE"),
            ("Revolut-Request-Timestamp", "Revolut-Signature"),
        ] {
            let mut map = HeaderMap::new();
            map.insert(
                http::HeaderName::from_bytes(ts_name.as_bytes()).unwrap(),
                HeaderValue::from_static(TS),
            );
            map.insert(
                http::HeaderName::from_bytes(sig_name.as_bytes()).unwrap(),
                HeaderValue::from_static(TV1),
            );
            verifier().verify_headers_at(TV1_BODY, &map, now()).unwrap();
        }
    }

    #[test]
    fn missing_headers_name_the_header() {
        let err = verifier()
            .verify_headers_at(TV1_BODY, &headers(&[("revolut-signature", TV1)]), now())
            .unwrap_err();
        assert!(matches!(
            err,
            VerifyError::MissingHeader {
                name: TIMESTAMP_HEADER
            }
        ));
        let err = verifier()
            .verify_headers_at(
                TV1_BODY,
                &headers(&[("revolut-request-timestamp", TS)]),
                now(),
            )
            .unwrap_err();
        assert!(matches!(
            err,
            VerifyError::MissingHeader {
                name: SIGNATURE_HEADER
            }
        ));
    }

    #[test]
    fn several_signature_lines_form_one_list() {
        let other = sign_delivery(&secret("wsk_other"), TS_MS, TV1_BODY);
        let map = headers(&[
            ("revolut-request-timestamp", TS),
            ("revolut-signature", &other),
            ("revolut-signature", TV1),
        ]);
        verifier().verify_headers_at(TV1_BODY, &map, now()).unwrap();
    }

    #[test]
    fn two_timestamps_or_non_ascii_values_are_malformed() {
        let map = headers(&[
            ("revolut-request-timestamp", TS),
            ("revolut-request-timestamp", TS),
            ("revolut-signature", TV1),
        ]);
        assert!(matches!(
            verifier().verify_headers_at(TV1_BODY, &map, now()),
            Err(VerifyError::MalformedTimestamp)
        ));
        let mut map = headers(&[("revolut-signature", TV1)]);
        map.insert(
            "revolut-request-timestamp",
            HeaderValue::from_bytes(b"16836\xff50202360").unwrap(),
        );
        assert!(matches!(
            verifier().verify_headers_at(TV1_BODY, &map, now()),
            Err(VerifyError::MalformedTimestamp)
        ));
        let mut map = headers(&[("revolut-request-timestamp", TS)]);
        map.insert(
            "revolut-signature",
            HeaderValue::from_bytes(b"v1=\xfe").unwrap(),
        );
        assert!(matches!(
            verifier().verify_headers_at(TV1_BODY, &map, now()),
            Err(VerifyError::MalformedSignature)
        ));
    }

    #[test]
    fn verify_headers_and_parse_uses_the_clock() {
        let v = verifier().with_clock(Arc::new(ManualClock::new(now())));
        let map = headers(&[
            ("revolut-request-timestamp", TS),
            ("revolut-signature", TV1),
        ]);
        let event = v.verify_headers_and_parse(TV1_BODY, &map).unwrap();
        assert!(matches!(event.data, EventData::TransactionStateChanged(_)));
        v.verify_headers(TV1_BODY, &map).unwrap();
    }
}
