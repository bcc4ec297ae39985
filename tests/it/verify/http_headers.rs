//! The `http::HeaderMap` adapter (feature `http`).

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
        verifier().at(now()).verify_headers(TV1_BODY, &map).unwrap();
    }
}

#[test]
fn missing_headers_name_the_header() {
    let err = verifier()
        .at(now())
        .verify_headers(TV1_BODY, &headers(&[("revolut-signature", TV1)]))
        .unwrap_err();
    assert!(matches!(
        err,
        VerifyError::MissingHeader {
            name: TIMESTAMP_HEADER
        }
    ));
    let err = verifier()
        .at(now())
        .verify_headers(TV1_BODY, &headers(&[("revolut-request-timestamp", TS)]))
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
    verifier().at(now()).verify_headers(TV1_BODY, &map).unwrap();
}

#[test]
fn two_timestamps_or_non_ascii_values_are_malformed() {
    let map = headers(&[
        ("revolut-request-timestamp", TS),
        ("revolut-request-timestamp", TS),
        ("revolut-signature", TV1),
    ]);
    assert!(matches!(
        verifier().at(now()).verify_headers(TV1_BODY, &map),
        Err(VerifyError::MalformedTimestamp)
    ));
    let mut map = headers(&[("revolut-signature", TV1)]);
    map.insert(
        "revolut-request-timestamp",
        HeaderValue::from_bytes(b"16836\xff50202360").unwrap(),
    );
    assert!(matches!(
        verifier().at(now()).verify_headers(TV1_BODY, &map),
        Err(VerifyError::MalformedTimestamp)
    ));
    let mut map = headers(&[("revolut-request-timestamp", TS)]);
    map.insert(
        "revolut-signature",
        HeaderValue::from_bytes(b"v1=\xfe").unwrap(),
    );
    assert!(matches!(
        verifier().at(now()).verify_headers(TV1_BODY, &map),
        Err(VerifyError::MalformedSignature)
    ));
}

#[test]
fn verify_headers_uses_the_clock() {
    let v = verifier().with_clock(Arc::new(ManualClock::new(now())));
    let map = headers(&[
        ("revolut-request-timestamp", TS),
        ("revolut-signature", TV1),
    ]);
    let event = v
        .verify_headers(TV1_BODY, &map)
        .and_then(|v| v.event())
        .unwrap();
    assert!(matches!(event.data, EventData::TransactionStateChanged(_)));
    v.verify_headers(TV1_BODY, &map).unwrap();
}
