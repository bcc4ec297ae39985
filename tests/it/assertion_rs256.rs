//! The RS256 client assertion verifies against the matching public key, with the
//! exact claims and `aud` written without escaped slashes. The key pair in
//! `tests/fixtures/test_only_rsa_*.pem` was generated for these tests only.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Validation};
use revolut_webhooks::auth::ClientAssertion;
use revolut_webhooks::{AuthError, AuthErrorKind};
use serde_json::json;
use time::OffsetDateTime;

const PRIVATE: &str = include_str!("../fixtures/test_only_rsa_private.pem");
const PUBLIC: &str = include_str!("../fixtures/test_only_rsa_public.pem");

fn now() -> OffsetDateTime {
    // Whole seconds, so the expected claims are exact.
    OffsetDateTime::from_unix_timestamp(OffsetDateTime::now_utc().unix_timestamp()).unwrap()
}

fn b64url_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let (mut out, mut acc, mut bits) = (Vec::new(), 0u32, 0);
    for c in text.bytes() {
        let v = ALPHABET.iter().position(|&a| a == c).expect("base64url") as u32;
        acc = acc << 6 | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// Verifies `jwt` with the test public key and returns its claims.
fn verify(jwt: &str) -> serde_json::Value {
    let key = DecodingKey::from_rsa_pem(PUBLIC.as_bytes()).unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&["https://revolut.com"]);
    validation.set_issuer(&["example.com"]);
    validation.set_required_spec_claims(&["exp", "iss", "sub", "aud"]);
    let header = jsonwebtoken::decode_header(jwt).unwrap();
    assert_eq!(header.alg, Algorithm::RS256);
    assert_eq!(header.typ.as_deref(), Some("JWT"));
    jsonwebtoken::decode::<serde_json::Value>(jwt, &key, &validation)
        .expect("the assertion verifies with the public key")
        .claims
}

fn assert_exact_claims(jwt: &str, now: OffsetDateTime, lifetime_secs: i64) {
    let claims = verify(jwt);
    let t = now.unix_timestamp();
    assert_eq!(
        claims,
        json!({
            "iss": "example.com",
            "sub": "client-id-123",
            "aud": "https://revolut.com",
            "iat": t - 60,
            "exp": t + lifetime_secs,
        })
    );
    // The payload as sent: `aud` with plain slashes, never `https:\/\/`.
    let payload = String::from_utf8(b64url_decode(jwt.split('.').nth(1).unwrap())).unwrap();
    assert!(
        payload.contains(r#""aud":"https://revolut.com""#),
        "{payload}"
    );
    assert!(!payload.contains(r"\/"), "{payload}");
}

#[test]
fn rs256_assertion_verifies_with_exact_claims_and_unescaped_aud() {
    let assertion = ClientAssertion::rs256_pem(
        PRIVATE,
        "client-id-123",
        "https://example.com/oauth/callback",
    )
    .unwrap();
    let now = now();
    let signed = assertion.assertion(now).unwrap();
    assert_exact_claims(signed.expose_secret(), now, 600);
    assert_eq!(signed.expires_at(), Some(now + time::Duration::minutes(10)));

    // Reused while it has more than a minute left; a fresh one when near expiry.
    let soon = now + time::Duration::minutes(8);
    assert_eq!(assertion.assertion(soon).unwrap(), signed);
    let later = now + time::Duration::minutes(9) + time::Duration::seconds(1);
    let renewed = assertion.assertion(later).unwrap();
    assert_ne!(renewed, signed);
    assert_eq!(
        renewed.expires_at(),
        Some(later + time::Duration::minutes(10))
    );

    // A configured lifetime.
    let short = ClientAssertion::rs256_pem(PRIVATE, "client-id-123", "example.com")
        .unwrap()
        .with_lifetime(std::time::Duration::from_secs(120));
    assert_exact_claims(short.assertion(now).unwrap().expose_secret(), now, 120);
}

#[test]
fn a_kms_style_signer_produces_a_verifiable_assertion() {
    let key = EncodingKey::from_rsa_pem(PRIVATE.as_bytes()).unwrap();
    let assertion = ClientAssertion::from_signer(
        move |message: &[u8]| -> Result<Vec<u8>, AuthError> {
            let signature = jsonwebtoken::crypto::sign(message, &key, Algorithm::RS256)
                .map_err(|e| AuthError::new(format!("signing failed: {e}")))?;
            Ok(b64url_decode(&signature))
        },
        "client-id-123",
        "https://example.com/cb",
    )
    .unwrap();
    let now = now();
    assert_exact_claims(assertion.assertion(now).unwrap().expose_secret(), now, 600);
}

#[test]
fn a_missing_or_bad_key_says_what_to_do() {
    let e = ClientAssertion::rs256_pem_file("/nonexistent/privatecert.pem", "cid", "example.com")
        .unwrap_err();
    assert_eq!(e.kind, AuthErrorKind::MissingKey);
    assert!(
        e.to_string().contains("/nonexistent/privatecert.pem"),
        "{e}"
    );

    let not_a_key =
        "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n-----END PRIVATE KEY-----\n";
    let e = ClientAssertion::rs256_pem(not_a_key, "cid", "example.com").unwrap_err();
    assert_eq!(e.kind, AuthErrorKind::MissingKey);
    let shown = format!("{e} {e:?}");
    assert!(shown.contains("openssl genrsa"), "{shown}");
    assert!(!shown.contains("c2VjcmV0"), "{shown}");

    // The public key is not a private key.
    let e = ClientAssertion::rs256_pem(PUBLIC, "cid", "example.com").unwrap_err();
    assert_eq!(e.kind, AuthErrorKind::MissingKey);

    let e = ClientAssertion::rs256_pem(PRIVATE, "cid", "https://").unwrap_err();
    assert_eq!(e.kind, AuthErrorKind::InvalidAssertion);
}

#[test]
fn the_key_never_prints() {
    let assertion = ClientAssertion::rs256_pem(PRIVATE, "cid", "example.com").unwrap();
    let signed = assertion.assertion(now()).unwrap();
    let shown = format!("{assertion:?} {assertion:#?} {signed:?} {signed:#?}");
    let key_line = PRIVATE.lines().nth(1).unwrap();
    assert!(!shown.contains(key_line), "{shown}");
    assert!(!shown.contains(signed.expose_secret()), "{shown}");
    assert!(shown.contains("RS256 private key"), "{shown}");
}
