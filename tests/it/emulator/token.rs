//! The token endpoint over raw HTTP, and the authorization codes it exchanges.

use super::harness::*;
use crate::support::raw;
use revolut_webhooks::ManualClock;
use revolut_webhooks::emulator::Emulator;
use time::macros::datetime;

#[test]
fn token_endpoint_exchanges_a_code_once_and_refreshes() {
    let clock = ManualClock::new(datetime!(2026-11-25 12:00 UTC));
    let api = Api::with(
        Emulator::builder()
            .clock(clock.clone())
            .client_id("client-1")
            .authorization_code("preset-code"),
    );
    let r = api.token(&code_grant("preset-code"));
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["token_type"], "bearer");
    assert_eq!(r.body["expires_in"], 2400);
    let access = r.body["access_token"].as_str().unwrap().to_owned();
    let refresh = r.body["refresh_token"].as_str().unwrap().to_owned();
    // A code works once.
    let again = api.token(&code_grant("preset-code"));
    assert_eq!(
        (again.status, again.body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let fresh = api.emu.authorization_code();
    assert_eq!(api.token(&code_grant(&fresh)).status, 200);

    let base = api.emu.base_url();
    assert_eq!(
        raw(base, "GET", "/api/2.0/webhooks", Some(&access), None).status,
        200
    );
    clock.advance(time::Duration::minutes(40));
    assert_eq!(
        raw(base, "GET", "/api/2.0/webhooks", Some(&access), None).status,
        401
    );

    let r = api.token(&format!(
        "grant_type=refresh_token&refresh_token={refresh}&client_assertion_type={JWT_BEARER}&client_assertion=jwt"
    ));
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.body.get("refresh_token").is_none());
    let renewed = r.body["access_token"].as_str().unwrap();
    assert_ne!(renewed, access);
    assert_eq!(
        raw(base, "GET", "/api/2.0/webhooks", Some(renewed), None).status,
        200
    );

    let r = api.token(&format!(
        "grant_type=refresh_token&refresh_token=unknown&client_assertion_type={JWT_BEARER}&client_assertion=jwt"
    ));
    assert_eq!(
        (r.status, r.body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

#[test]
fn token_endpoint_validates_the_client_assertion_and_grant() {
    let api = Api::with(Emulator::builder().client_id("client-1"));
    let code = api.emu.authorization_code();
    let cases = [
        (
            format!("grant_type=authorization_code&code={code}&client_assertion=jwt"),
            401,
            "invalid_client",
        ),
        (
            format!(
                "grant_type=authorization_code&code={code}&client_assertion_type=basic&client_assertion=jwt"
            ),
            401,
            "invalid_client",
        ),
        (
            format!("grant_type=authorization_code&code={code}&client_assertion_type={JWT_BEARER}"),
            401,
            "invalid_client",
        ),
        (
            format!(
                "grant_type=authorization_code&code={code}&client_assertion_type={JWT_BEARER}&client_assertion="
            ),
            401,
            "invalid_client",
        ),
        (
            format!(
                "grant_type=authorization_code&code={code}&client_id=other&client_assertion_type={JWT_BEARER}&client_assertion=jwt"
            ),
            401,
            "invalid_client",
        ),
        (
            format!("grant_type=password&client_assertion_type={JWT_BEARER}&client_assertion=jwt"),
            400,
            "unsupported_grant_type",
        ),
        (
            format!("client_assertion_type={JWT_BEARER}&client_assertion=jwt"),
            400,
            "invalid_request",
        ),
        (
            format!(
                "grant_type=authorization_code&client_assertion_type={JWT_BEARER}&client_assertion=jwt"
            ),
            400,
            "invalid_request",
        ),
    ];
    for (form, status, error) in cases {
        let r = api.token(&form);
        assert_eq!(
            (r.status, r.body["error"].as_str()),
            (status, Some(error)),
            "{form}"
        );
    }
    let r = raw(
        api.emu.base_url(),
        "POST",
        "/api/1.0/auth/token",
        None,
        Some((JSON, r#"{"grant_type":"authorization_code"}"#)),
    );
    assert_eq!(
        (r.status, r.body["error"].as_str()),
        (400, Some("invalid_request"))
    );
    // None of the refusals used up the code.
    assert_eq!(api.token(&code_grant(&code)).status, 200);
}

#[test]
fn random_codes_are_uniform_at_every_position() {
    // Each position of a random string must be uniform over the 62 letters and
    // digits. Strings cut from UUIDv4 bytes are not: the version bits confine the
    // character drawn from byte 6 to 16 of them.
    const ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    const DRAWS: usize = 6200;
    let emu = Emulator::start().unwrap();
    let mut counts = vec![[0usize; 62]; 24];
    for _ in 0..DRAWS {
        let code = emu.authorization_code();
        let random = code.strip_prefix("oa_emu_code_").unwrap();
        assert_eq!(random.len(), 24, "{code}");
        for (position, c) in random.chars().enumerate() {
            let index = ALPHABET.find(c).unwrap_or_else(|| panic!("{code}"));
            counts[position][index] += 1;
        }
    }
    // Uniform: 100 of each character per position, standard deviation about 10.
    // Outside 33..=200 is more than 6.5 deviations away: it does not happen by chance.
    for (position, row) in counts.iter().enumerate() {
        for (index, &n) in row.iter().enumerate() {
            let c = &ALPHABET[index..=index];
            assert!(
                (33..=200).contains(&n),
                "position {position}: {c:?} drawn {n} times in {DRAWS}"
            );
        }
    }
}
