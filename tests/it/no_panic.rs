//! No absurd number panics: every builder that takes a `Duration`, the token
//! endpoint's answer and the assertion's lifetime, over arbitrary values
//! (`Duration::MAX` included). Each either works or returns a clear error.

use std::time::{Duration, Instant};

use proptest::prelude::*;
use revolut_webhooks::auth::{ClientAssertion, RefreshToken, refresh_token_request};
use revolut_webhooks::request::{HttpResponse, Repeat};
use revolut_webhooks::{AuthError, RateLimiter, RetryPolicy};
use time::OffsetDateTime;

/// Any `Duration`, weighted towards the edges where arithmetic overflows.
fn any_duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        Just(Duration::MAX),
        Just(Duration::ZERO),
        Just(Duration::from_secs(u64::MAX)),
        Just(Duration::from_secs(i64::MAX as u64)),
        Just(Duration::from_secs(i64::MAX as u64 + 1)),
        (0u64..=u64::MAX, 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
        (0u64..100_000).prop_map(Duration::from_millis),
    ]
}

/// Any instant the `time` crate can hold.
fn any_now() -> impl Strategy<Value = OffsetDateTime> {
    let min = time::Date::MIN.midnight().assume_utc().unix_timestamp();
    let max = time::Date::MAX
        .with_hms(23, 59, 59)
        .unwrap()
        .assume_utc()
        .unix_timestamp();
    prop_oneof![
        Just(min),
        Just(max),
        min..=max,
        Just(OffsetDateTime::now_utc().unix_timestamp())
    ]
    .prop_map(|s| OffsetDateTime::from_unix_timestamp(s).unwrap())
}

/// A JSON value for `expires_in`: numbers of every size and sign, strings of
/// numbers, and other shapes.
fn any_expires_in() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("9223372036854775807".to_owned()),
        Just("18446744073709551615".to_owned()),
        Just("-9223372036854775808".to_owned()),
        Just("1e308".to_owned()),
        Just("\"9223372036854775807\"".to_owned()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|f| serde_json::to_string(&f).unwrap()),
        any::<i64>().prop_map(|n| format!("\"{n}\"")),
        "\\PC{0,12}".prop_map(|s| serde_json::to_string(&s).unwrap()),
        Just("null".to_owned()),
        Just("[2399]".to_owned()),
        Just("{\"s\":1}".to_owned()),
    ]
}

fn signed_assertion() -> revolut_webhooks::auth::SignedAssertion {
    ClientAssertion::presigned("header.claims.signature")
        .assertion(OffsetDateTime::now_utc())
        .unwrap()
}

/// A port nothing listens on (on loopback): connecting to it is refused at once.
#[cfg(any(feature = "blocking", feature = "async"))]
fn refused_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

#[test]
fn the_numbers_from_the_issue() {
    let now = OffsetDateTime::now_utc();
    // An expiry from the token endpoint that overflows any date: believed for a day.
    let call = refresh_token_request(&RefreshToken::new("rt"), &signed_assertion());
    let body = br#"{"access_token":"at","token_type":"bearer","expires_in":9223372036854775807}"#;
    let tokens = call
        .parse(&HttpResponse::new(200, body.to_vec()), now)
        .unwrap();
    assert_eq!(tokens.expires_at, now + time::Duration::DAY);
    // An assertion lifetime past the year 9999: refused, saying which setting.
    let signer = |_: &[u8]| Ok::<_, AuthError>(vec![1]);
    let err = ClientAssertion::from_signer(signer, "client-id", "https://example.com/cb")
        .unwrap()
        .with_lifetime(Duration::MAX)
        .assertion(now)
        .unwrap_err();
    assert!(
        err.to_string().contains("ClientAssertion::lifetime"),
        "{err}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn the_token_response_parser_never_panics(
        expires_in in any_expires_in(),
        now in any_now(),
        token_type in prop_oneof![Just("\"Bearer\""), Just("null"), Just("1")],
        with_refresh in any::<bool>(),
    ) {
        let call = refresh_token_request(&RefreshToken::new("rt-not-a-secret"), &signed_assertion());
        let refresh = if with_refresh { r#","refresh_token":"rt2""# } else { "" };
        let body = format!(
            r#"{{"access_token":"at-not-a-secret","token_type":{token_type},"expires_in":{expires_in}{refresh}}}"#
        );
        match call.parse(&HttpResponse::new(200, body.into_bytes()), now) {
            Ok(tokens) => prop_assert!(tokens.expires_at >= now),
            Err(e) => prop_assert!(!e.to_string().contains("not-a-secret"), "{e}"),
        }
    }

    #[test]
    fn any_token_response_body_is_an_answer_or_an_error(body in "\\PC{0,64}", now in any_now()) {
        let call = refresh_token_request(&RefreshToken::new("rt"), &signed_assertion());
        let _ = call.parse(&HttpResponse::new(200, body.into_bytes()), now);
    }

    #[test]
    fn any_assertion_lifetime_signs_or_says_why(lifetime in any_duration(), now in any_now()) {
        let signer = |_: &[u8]| Ok::<_, AuthError>(vec![1, 2, 3]);
        let assertion = ClientAssertion::from_signer(signer, "client-id", "https://example.com/cb")
            .unwrap()
            .with_lifetime(lifetime);
        match assertion.assertion(now) {
            Ok(signed) => prop_assert!(signed.expires_at().is_some_and(|exp| exp >= now)),
            Err(e) => prop_assert!(e.to_string().contains("lifetime"), "{e}"),
        }
    }

    #[test]
    fn any_rate_limiter_window_is_kept_or_refused(requests in any::<u32>(), per in any_duration()) {
        let limiter = RateLimiter::new(requests, per);
        let now = Instant::now();
        for _ in 0..3 {
            match limiter.try_acquire_at(now) {
                Ok(permit) => permit.release_at(now),
                Err(wait) => prop_assert!(!wait.is_zero()),
            }
        }
    }

    #[test]
    fn any_retry_policy_decides_without_panicking(
        base in any_duration(),
        max in any_duration(),
        cap in any_duration(),
        budget in any_duration(),
        elapsed in any_duration(),
        retries in any::<u32>(),
        attempt in any::<u32>(),
        random in any::<u64>(),
    ) {
        let policy = RetryPolicy::default()
            .with_max_retries(retries)
            .with_base_delay(base)
            .with_max_delay(max)
            .with_max_retry_after(cap)
            .with_total_budget(budget);
        let response = HttpResponse::new(503, b"{}".to_vec()).with_retry_after("18446744073709551616");
        let errors = [
            revolut_webhooks::Error::Api(revolut_webhooks::request::api_error(&response, OffsetDateTime::UNIX_EPOCH)),
            revolut_webhooks::Error::Api(revolut_webhooks::request::api_error(
                &HttpResponse::new(500, b"{}".to_vec()),
                OffsetDateTime::UNIX_EPOCH,
            )),
        ];
        for error in &errors {
            for repeat in [Repeat::Safe, Repeat::Unsafe { on_unknown: "x" }] {
                let _ = policy.decide(attempt, repeat, error.into(), elapsed, random);
            }
        }
    }
}

#[cfg(feature = "blocking")]
mod blocking {
    use super::*;
    use revolut_webhooks::auth::StaticToken;
    use revolut_webhooks::blocking::{Client, RefreshingTokenProvider, TokenProvider};
    use revolut_webhooks::{Environment, TransportErrorKind};

    #[test]
    fn a_connect_timeout_of_duration_max_is_no_timeout() {
        let client = Client::builder()
            .environment(Environment::custom(&refused_url()).unwrap())
            .token_provider(StaticToken::new("t"))
            .connect_timeout(Duration::MAX)
            .timeout(Duration::MAX)
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap();
        let err = client.webhooks().list().unwrap_err();
        assert!(
            matches!(&err, revolut_webhooks::Error::Transport(e) if e.kind == TransportErrorKind::Connect),
            "{err:?}"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn any_client_timeouts_build_and_send_or_say_why(
            connect in any_duration(),
            total in any_duration(),
            budget in any_duration(),
        ) {
            let built = Client::builder()
                .environment(Environment::custom(&refused_url()).unwrap())
                .token_provider(StaticToken::new("t"))
                .connect_timeout(connect)
                .timeout(total)
                .retry_policy(RetryPolicy::none().with_total_budget(budget))
                .build();
            match built {
                Ok(client) => {
                    let err = client.webhooks().list().unwrap_err();
                    prop_assert!(err.attempts() <= 1, "{err}");
                }
                Err(e) => prop_assert!(e.to_string().contains("timeout"), "{e}"),
            }
        }

        #[test]
        fn any_refreshing_provider_durations_build_and_refresh_or_say_why(
            margin in any_duration(),
            total in any_duration(),
        ) {
            let built = RefreshingTokenProvider::builder(
                RefreshToken::new("rt"),
                ClientAssertion::presigned("header.claims.signature"),
            )
            .environment(Environment::custom(&refused_url()).unwrap())
            .refresh_margin(margin)
            .timeout(total)
            .build();
            match built {
                Ok(provider) => prop_assert!(provider.access_token().is_err()),
                Err(e) => prop_assert!(
                    e.to_string().contains("margin") || e.to_string().contains("timeout"),
                    "{e}"
                ),
            }
        }
    }
}

#[cfg(feature = "async")]
mod nonblocking {
    use super::*;
    use revolut_webhooks::Environment;
    use revolut_webhooks::auth::StaticToken;
    use revolut_webhooks::nonblocking::{Client, RefreshingTokenProvider, TokenProvider};

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn any_client_timeouts_build_and_send_or_say_why(
            connect in any_duration(),
            total in any_duration(),
            budget in any_duration(),
        ) {
            runtime().block_on(async {
                let built = Client::builder()
                    .environment(Environment::custom(&refused_url()).unwrap())
                    .token_provider(StaticToken::new("t"))
                    .connect_timeout(connect)
                    .timeout(total)
                    .retry_policy(RetryPolicy::none().with_total_budget(budget))
                    .build();
                match built {
                    Ok(client) => {
                        let err = client.webhooks().list().await.unwrap_err();
                        prop_assert!(err.attempts() <= 1, "{err}");
                    }
                    Err(e) => prop_assert!(e.to_string().contains("timeout"), "{e}"),
                }
                Ok(())
            })?;
        }

        #[test]
        fn any_refreshing_provider_durations_build_and_refresh_or_say_why(
            margin in any_duration(),
            total in any_duration(),
        ) {
            runtime().block_on(async {
                let built = RefreshingTokenProvider::builder(
                    RefreshToken::new("rt"),
                    ClientAssertion::presigned("header.claims.signature"),
                )
                .environment(Environment::custom(&refused_url()).unwrap())
                .refresh_margin(margin)
                .timeout(total)
                .build();
                match built {
                    Ok(provider) => prop_assert!(provider.access_token().await.is_err()),
                    Err(e) => prop_assert!(
                        e.to_string().contains("margin") || e.to_string().contains("timeout"),
                        "{e}"
                    ),
                }
                Ok(())
            })?;
        }
    }
}
