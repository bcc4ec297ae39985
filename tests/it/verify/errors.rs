//! Header formats, secrets, and every `VerifyError`, in the order the checks run.

use super::*;

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
        v.at(now())
            .verify(TV1_BODY, TS, &header)
            .unwrap_or_else(|e| panic!("{header:?}: {e:?}"));
    }
    // Whitespace around the timestamp is tolerated too.
    v.at(now())
        .verify(TV1_BODY, &format!(" {TS}\t"), TV1)
        .unwrap();
}

/// RetryDecision: hex case does not matter. Revolut sends lowercase; some signers (e.g. .NET's
/// `Convert.ToHexString`) produce uppercase. The decoded bytes are what is compared, in
/// constant time, so accepting either case changes nothing about security.
#[test]
fn uppercase_and_mixed_case_hex_are_accepted() {
    let upper = format!("v1={}", TV1[3..].to_ascii_uppercase());
    verifier().at(now()).verify(TV1_BODY, TS, &upper).unwrap();
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
    verifier().at(now()).verify(TV1_BODY, TS, &mixed).unwrap();
    // The version tag itself is case-sensitive.
    let err = verifier()
        .at(now())
        .verify(TV1_BODY, TS, &TV1.replacen("v1=", "V1=", 1))
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
    let err = v.at(now()).verify(TV1_BODY, TS, TV2_NO_PREFIX).unwrap_err();
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
    let err = v.at(now()).verify(TV1_BODY, "", TV1).unwrap_err();
    assert!(matches!(
        err,
        VerifyError::MissingHeader {
            name: TIMESTAMP_HEADER
        }
    ));
    assert_eq!(err.status_code(), 400);
    assert!(err.to_string().contains("Revolut-Request-Timestamp"));
    for sig in ["", "  ", ",", " , ,"] {
        let err = v.at(now()).verify(TV1_BODY, TS, sig).unwrap_err();
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
        let err = verifier().at(now()).verify(TV1_BODY, ts, TV1).unwrap_err();
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
        .at(at_ms(i128::from(TS_MS) + 3_600_000))
        .verify(TV1_BODY, TS, TV1)
        .unwrap_err();
    assert!(matches!(
        err,
        VerifyError::TimestampTooOld { skew_ms: 3_600_000 }
    ));
    assert!(err.to_string().contains("3600000"));
    let err = v.at(now()).verify(TV1_BODY, "0", TV1).unwrap_err();
    assert!(matches!(err, VerifyError::TimestampTooOld { skew_ms } if skew_ms == TS_MS));
    let err = v
        .at(now())
        .verify(TV1_BODY, "9999999999999", TV1)
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
        let err = verifier().at(now()).verify(TV1_BODY, TS, sig).unwrap_err();
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
        let err = verifier().at(now()).verify(TV1_BODY, TS, sig).unwrap_err();
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
        .at(now())
        .verify(TV1_BODY, TS, &zero)
        .unwrap_err();
    assert!(matches!(err, VerifyError::NoMatch));
    assert_eq!(err.status_code(), 401);
    // A malformed entry next to a well-formed wrong one is still a mismatch.
    let err = verifier()
        .at(now())
        .verify(TV1_BODY, TS, &format!("v1=xyz,{zero}"))
        .unwrap_err();
    assert!(matches!(err, VerifyError::NoMatch));
}

#[test]
fn error_invalid_event_after_a_good_signature() {
    let body = br#"{"event":"TransactionStateChanged","timestamp":"2023-05-09T16:36:38Z","data":{"id":1}}"#;
    let header = sign_delivery(&secret(SECRET), TS_MS, body);
    let err = verifier()
        .at(now())
        .verify(body, TS, &header)
        .and_then(|v| v.event())
        .unwrap_err();
    assert!(matches!(err, VerifyError::InvalidEvent(_)), "{err:?}");
    assert_eq!(err.status_code(), 400);
    assert!(std::error::Error::source(&err).is_some());
    // The body is not parsed until the signature is good.
    let err = verifier()
        .at(now())
        .verify(b"not json", TS, TV1)
        .and_then(|v| v.event())
        .unwrap_err();
    assert!(matches!(err, VerifyError::NoMatch));
}

#[test]
fn checks_run_in_order_400_before_401() {
    // Stale and malformed: the malformed header is reported.
    let err = verifier()
        .at(at_ms(0))
        .verify(TV1_BODY, TS, "v1=zz")
        .unwrap_err();
    assert!(matches!(err, VerifyError::MalformedSignature));
    // Stale and wrong signature: stale is reported (no HMAC needed).
    let zero = format!("v1={}", "0".repeat(64));
    let err = verifier()
        .at(at_ms(0))
        .verify(TV1_BODY, TS, &zero)
        .unwrap_err();
    assert!(matches!(err, VerifyError::TimestampInFuture { .. }));
}
