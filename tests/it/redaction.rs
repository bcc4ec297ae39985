//! Secrets never print: `Debug` (plain and `#`) and `Display` of every type that holds
//! a token, a refresh token, an assertion or a key, and of every auth error.
//! (The per-mode provider and its builder are checked in `auth/cases.rs`.)

use std::fmt::{Debug, Display};

use revolut_webhooks::auth::{AccessToken, StaticToken};
use revolut_webhooks::auth::{
    ClientAssertion, ConsentUrl, RefreshToken, TokenSet, authorization_code_request,
    refresh_token_request,
};
use revolut_webhooks::request::HttpResponse;
use revolut_webhooks::{AuthError, Environment, Error};
use time::macros::datetime;

const ACCESS: &str = "oa_sand_ACCESS-secret";
const REFRESH: &str = "oa_sand_REFRESH-secret";
const CODE: &str = "oa_sand_CODE-secret";
const JWT: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjaWQifQ.SIGNATURE-secret";
const SECRETS: [&str; 5] = [ACCESS, REFRESH, CODE, JWT, "SIGNATURE-secret"];

fn shown(value: &(impl Debug + Display)) -> String {
    format!("{value:?}\n{value:#?}\n{value}")
}

fn debug_only(value: &impl Debug) -> String {
    format!("{value:?}\n{value:#?}")
}

fn assert_clean(what: &str, text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{what} shows {secret}: {text}");
    }
}

#[test]
fn every_secret_holding_type_and_error_is_redacted() {
    let now = datetime!(2026-11-25 12:00 UTC);
    let access = AccessToken::new(ACCESS);
    let refresh = RefreshToken::new(REFRESH);
    let set = TokenSet::new(access.clone(), refresh.clone(), now);
    let presigned = ClientAssertion::presigned(JWT);
    let signed = presigned.assertion(now).unwrap();
    let custom = ClientAssertion::from_signer(
        |_: &[u8]| Ok(b"SIGNATURE-secret".to_vec()),
        "cid",
        "example.com",
    )
    .unwrap();
    let custom_signed = custom.assertion(now).unwrap();
    let refresh_call = refresh_token_request(&refresh, &signed);
    let code_call = authorization_code_request(CODE, &signed);

    // A token endpoint that echoes what it was sent, in every field.
    let echo = |status: u16, sent: &str| {
        HttpResponse::new(
            status,
            format!(
                r#"{{"error":"invalid_grant {sent}","error_description":"{sent} {JWT} bad","message":"{sent}"}}"#
            )
            .into_bytes(),
        )
    };
    let mut errors: Vec<AuthError> = Vec::new();
    for status in [400, 401, 403, 429, 500] {
        errors.push(refresh_call.parse(&echo(status, REFRESH), now).unwrap_err());
        errors.push(code_call.parse(&echo(status, CODE), now).unwrap_err());
    }
    // Success bodies that are not token responses, quoting the token.
    for body in [
        format!(r#"{{"access_token":"{ACCESS}","token_type":"{ACCESS}","expires_in":1}}"#),
        format!(r#"{{"access_token":"{ACCESS}","expires_in":"{ACCESS}"}}"#),
        format!(r#"{{"access_token":["{ACCESS}"],"expires_in":1}}"#),
        format!("{ACCESS} not json"),
    ] {
        errors.push(
            refresh_call
                .parse(&HttpResponse::new(200, body.into_bytes()), now)
                .unwrap_err(),
        );
    }
    // A code answer without a refresh token.
    errors.push(
        code_call
            .parse(
                &HttpResponse::new(
                    200,
                    format!(r#"{{"access_token":"{ACCESS}","expires_in":60}}"#).into_bytes(),
                ),
                now,
            )
            .unwrap_err(),
    );

    let mut all = String::new();
    for (what, text) in [
        ("AccessToken", debug_only(&access)),
        ("StaticToken", debug_only(&StaticToken::new(ACCESS))),
        ("RefreshToken", debug_only(&refresh)),
        ("TokenSet", debug_only(&set)),
        ("ClientAssertion (presigned)", debug_only(&presigned)),
        ("ClientAssertion (signer)", debug_only(&custom)),
        ("SignedAssertion", debug_only(&signed)),
        ("SignedAssertion (signer)", debug_only(&custom_signed)),
        ("TokenCall (refresh)", debug_only(&refresh_call)),
        ("TokenCall (code)", debug_only(&code_call)),
        ("HttpRequest", debug_only(refresh_call.request())),
        (
            "ConsentUrl",
            shown(&ConsentUrl::new(
                &Environment::Sandbox,
                "cid",
                "https://example.com/cb",
            )),
        ),
    ] {
        assert_clean(what, &text);
        all += &text;
    }
    for error in errors {
        assert_clean("AuthError", &shown(&error));
        assert_clean(
            "AuthError fields",
            &format!("{:?} {:?}", error.code, error.server_message),
        );
        let error = Error::from(error);
        assert_clean("Error::Auth", &shown(&error));
        all += &shown(&error);
    }
    // The checks above did look at something.
    assert!(all.contains("redacted") && all.contains("authentication failed"));
}
