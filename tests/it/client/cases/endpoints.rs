//! Each endpoint's request and answer, and building the client.

#[allow(unused_imports)]
use super::*;

pub(crate) fn building_without_a_token_provider_fails() {
    let err = Client::builder().build().unwrap_err();
    assert!(
        matches!(&err, Error::Validation(v) if v.field == "token_provider"),
        "{err:?}"
    );
    let err = Client::builder()
        .token_provider(StaticToken::new(TOKEN))
        .timeout(Duration::ZERO)
        .build()
        .unwrap_err();
    assert!(
        matches!(&err, Error::Validation(v) if v.field == "timeout"),
        "{err:?}"
    );
    let c = Client::builder()
        .token_provider(StaticToken::new(TOKEN))
        .build()
        .unwrap();
    assert_eq!(c.environment(), &Environment::Production);
    assert!(!format!("{c:?}").contains(TOKEN));
}

pub(crate) fn client_is_send_sync_clone() {
    fn assert_traits<T: Send + Sync + Clone + 'static>() {}
    assert_traits::<Client>();
    let _: Arc<dyn TokenProvider> = Arc::new(StaticToken::new(TOKEN));
}

#[maybe_io]
pub(crate) async fn list_sends_get_with_bearer_token_and_parses() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(GET)
            .path(WEBHOOKS)
            .header("authorization", format!("Bearer {TOKEN}"))
            .header("accept", "application/json")
            .header(
                "user-agent",
                concat!("revolut-webhooks/", env!("CARGO_PKG_VERSION")),
            )
            .is_true(|req| req.body().is_empty());
        then.status(200)
            .header("content-type", "application/json")
            .body(fixture("webhooks_list.json"));
    });
    let hooks = client(&server).webhooks().list().await.unwrap();
    mock.assert();
    assert_eq!(hooks.len(), 2);
    assert_eq!(hooks[0].id, id());
    assert_eq!(hooks[0].url, "https://www.example.com");
    assert_eq!(
        hooks[0].events,
        [EventType::TransactionCreated, EventType::PayoutLinkCreated]
    );
    assert_eq!(hooks[1].events.len(), 4);
}

#[maybe_io]
pub(crate) async fn unknown_event_types_and_fields_never_fail_a_list() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET).path(WEBHOOKS);
        then.status(200)
            .body(fixture("webhooks_list_unknown_event.json"));
    });
    let hooks = client(&server).webhooks().list().await.unwrap();
    assert_eq!(
        hooks[0].events,
        [
            EventType::TransactionCreated,
            EventType::Unknown("CardIssued".into())
        ]
    );
}

#[maybe_io]
pub(crate) async fn get_returns_the_secret_but_debug_hides_it() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(GET)
            .path(format!("{WEBHOOKS}/{ID}"))
            .header("authorization", format!("Bearer {TOKEN}"));
        then.status(200).body(fixture("webhook_with_secret.json"));
    });
    let hook = client(&server).webhooks().get(id()).await.unwrap();
    mock.assert();
    assert_eq!(
        hook.signing_secret.expose_secret(),
        "wsk_4jETWMz1g1b37gCONjNp84t2KSSIT7dK"
    );
    assert!(!format!("{hook:?}").contains("4jETWMz1g1b37gCONjNp84t2KSSIT7dK"));
}

#[maybe_io]
pub(crate) async fn create_posts_the_exact_json_body() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(POST)
            .path(WEBHOOKS)
            .header("authorization", format!("Bearer {TOKEN}"))
            .header("content-type", "application/json")
            .body(r#"{"url":"https://www.example.com","events":["TransactionCreated","PayoutLinkCreated"]}"#);
        then.status(201).body(fixture("webhook_with_secret.json"));
    });
    let created = client(&server)
        .webhooks()
        .create(
            &CreateWebhook::new("https://www.example.com")
                .unwrap()
                .with_events([EventType::TransactionCreated, EventType::PayoutLinkCreated])
                .unwrap(),
        )
        .await
        .unwrap();
    mock.assert();
    assert_eq!(created.id, id());
    assert!(created.signing_secret.expose_secret().starts_with("wsk_"));
}

#[maybe_io]
pub(crate) async fn create_without_events_omits_them() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(POST)
            .path(WEBHOOKS)
            .body(r#"{"url":"https://www.example.com"}"#);
        then.status(201).body(fixture("webhook_with_secret.json"));
    });
    client(&server)
        .webhooks()
        .create(&CreateWebhook::new("https://www.example.com").unwrap())
        .await
        .unwrap();
    mock.assert();
}

#[maybe_io]
pub(crate) async fn update_patches_only_what_is_set() {
    let server = MockServer::start();
    let by_events = server.mock(|when, then| {
        when.method(PATCH)
            .path(format!("{WEBHOOKS}/{ID}"))
            .header("content-type", "application/json")
            .body(r#"{"events":["TransactionCreated","PayoutLinkCreated"]}"#);
        then.status(200).body(fixture("webhook_updated.json"));
    });
    let by_url = server.mock(|when, then| {
        when.method(PATCH)
            .path(format!("{WEBHOOKS}/{ID}"))
            .body(r#"{"url":"https://www.example.com/"}"#);
        then.status(200).body(fixture("webhook_updated.json"));
    });
    let hooks = client(&server);
    let updated = hooks
        .webhooks()
        .update(
            id(),
            &UpdateWebhook::from_events([
                EventType::TransactionCreated,
                EventType::PayoutLinkCreated,
            ])
            .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(updated.id, id());
    hooks
        .webhooks()
        .update(
            id(),
            &UpdateWebhook::from_url("https://www.example.com/").unwrap(),
        )
        .await
        .unwrap();
    by_events.assert();
    by_url.assert();
}

#[maybe_io]
pub(crate) async fn delete_accepts_204_without_body() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(DELETE)
            .path(format!("{WEBHOOKS}/{ID}"))
            .header("authorization", format!("Bearer {TOKEN}"));
        then.status(204);
    });
    client(&server).webhooks().delete(id()).await.unwrap();
    mock.assert();
}

#[maybe_io]
pub(crate) async fn rotate_always_sends_a_json_body() {
    let server = MockServer::start();
    let bare = server.mock(|when, then| {
        when.method(POST)
            .path(format!("{WEBHOOKS}/{ID}/rotate-signing-secret"))
            .header("content-type", "application/json")
            .body("{}");
        then.status(200).body(fixture("webhook_with_secret.json"));
    });
    let with_expiry = server.mock(|when, then| {
        when.method(POST)
            .path(format!("{WEBHOOKS}/{ID}/rotate-signing-secret"))
            .body(r#"{"expiration_period":"PT5H30M"}"#);
        then.status(200).body(fixture("webhook_with_secret.json"));
    });
    let c = client(&server);
    let rotated = c
        .webhooks()
        .rotate_signing_secret(id(), None)
        .await
        .unwrap();
    assert!(rotated.signing_secret.expose_secret().starts_with("wsk_"));
    let expiry = SecretExpiration::from_hours(5)
        .unwrap()
        .checked_add_minutes(30)
        .unwrap();
    c.webhooks()
        .rotate_signing_secret(id(), Some(expiry))
        .await
        .unwrap();
    bare.assert();
    with_expiry.assert();
}

#[maybe_io]
pub(crate) async fn failed_events_sends_limit_and_bound_and_keeps_payloads() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(GET)
            .path(format!("{WEBHOOKS}/{ID}/failed-events"))
            .query_param("limit", "2")
            .query_param("created_before", "2026-11-20T10:00:00.000000Z");
        then.status(200).body(fixture("failed_events.json"));
    });
    let by_date = server.mock(|when, then| {
        when.method(GET)
            .path(format!("{WEBHOOKS}/{ID}/failed-events"))
            .query_param("created_before", "2026-11-20")
            .query_param_missing("limit");
        then.status(200).body("[]");
    });
    let c = client_at(&server, clock());
    let query = FailedEventsQuery::new()
        .with_limit(2)
        .unwrap()
        .with_created_before(datetime!(2026-11-20 10:00 UTC));
    let events = c.webhooks().failed_events(id(), &query).await.unwrap();
    mock.assert();
    assert_eq!(events.len(), 2);
    assert_eq!(
        events[0].created_at,
        datetime!(2023-01-26 16:22:21.29757 UTC)
    );
    assert_eq!(
        events[1].last_sent_date,
        Some(datetime!(2023-07-22 12:52:21.534798 UTC))
    );
    // A failed event's payload is the same typed event a receiver gets.
    let replayed = events[0].event().unwrap();
    assert_eq!(replayed.event, EventType::TransactionCreated);
    match &replayed.data {
        revolut_webhooks::events::EventData::TransactionCreated(t) => assert_eq!(t.legs.len(), 1),
        other => panic!("{other:?}"),
    }
    let payload: serde_json::Value = events[1].payload_as().unwrap();
    assert_eq!(payload["event"], "PayoutLinkStateChanged");
    assert_eq!(payload["data"]["new_state"], "processed");
    assert!(
        events[0]
            .payload_json()
            .contains(r#""request_id": "6a8b2ad9-d8b9-4348-9207-1c5737ccf11b""#)
    );

    let by_day = FailedEventsQuery::new().with_created_before(time::macros::date!(2026 - 11 - 20));
    let none = c.webhooks().failed_events(id(), &by_day).await.unwrap();
    assert!(none.is_empty());
    by_date.assert();
}

#[maybe_io]
pub(crate) async fn validation_errors_make_no_request() {
    let server = MockServer::start();
    let any = server.mock(|_, then| {
        then.status(500);
    });
    let c = client_at(&server, clock());
    let hooks = c.webhooks();
    // An empty update or event list cannot even be built (see the models' tests).
    assert!(UpdateWebhook::from_events([]).is_err());
    assert!(
        CreateWebhook::new("https://x.example")
            .unwrap()
            .with_events([])
            .is_err()
    );
    let too_old = FailedEventsQuery::new().with_created_before(datetime!(2026-11-04 11:59 UTC));
    let err = hooks.failed_events(id(), &too_old).await.unwrap_err();
    assert!(
        matches!(&err, Error::Validation(v) if v.field == "created_before"),
        "{err:?}"
    );
    assert_eq!(err.attempts(), 0);
    let walk = collect_all(&c, id(), &too_old).await;
    assert!(walk.is_err());
    assert!(CreateWebhook::new("http://x.example").is_err());
    assert!(FailedEventsQuery::new().with_limit(1001).is_err());
    assert!(SecretExpiration::from_days(8).is_err());
    assert_eq!(any.calls(), 0);
}

#[maybe_io]
pub(crate) async fn the_clock_decides_the_21_day_window() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(GET)
            .path(format!("{WEBHOOKS}/{ID}/failed-events"));
        then.status(200).body("[]");
    });
    let clock = clock();
    let c = client_at(&server, clock.clone());
    let bound = FailedEventsQuery::new().with_created_before(datetime!(2026-11-10 12:00 UTC));
    c.webhooks().failed_events(id(), &bound).await.unwrap();
    clock.advance(time::Duration::days(7));
    let late = c.webhooks().failed_events(id(), &bound).await;
    assert!(late.is_err());
    mock.assert_calls(1);
}

/// Three pages of three, with events sharing the timestamp at both page boundaries:
/// a cursor that passed the last `created_at` as is would lose `D` and `F`.
#[maybe_io]
pub(crate) async fn failed_events_all_loses_no_tie_across_three_pages() {
    let server = MockServer::start();
    let path = format!("{WEBHOOKS}/{ID}/failed-events");
    let ev = |n: u8, secs: u8| {
        json!({
            "id": format!("00000000-0000-0000-0000-0000000000{n:02}"),
            "created_at": format!("2026-11-20T10:00:{secs:02}.000000Z"),
            "updated_at": format!("2026-11-20T10:00:{secs:02}.000000Z"),
            "webhook_id": ID,
            "webhook_url": "https://www.example.com",
            "payload": {"event": "TransactionCreated", "timestamp": "2026-11-20T10:00:00Z", "data": {"n": n}}
        })
    };
    let (a, b, c, d, e, f) = (ev(1, 5), ev(2, 5), ev(3, 4), ev(4, 4), ev(5, 3), ev(6, 3));
    let page1 = server.mock(|when, then| {
        when.method(GET)
            .path(path.clone())
            .query_param("limit", "3")
            .query_param_missing("created_before");
        then.status(200).json_body(json!([a, b, c]));
    });
    let page2 = server.mock(|when, then| {
        when.method(GET)
            .path(path.clone())
            .query_param("limit", "3")
            .query_param("created_before", "2026-11-20T10:00:04.000001Z");
        then.status(200).json_body(json!([c, d, e]));
    });
    let page3 = server.mock(|when, then| {
        when.method(GET)
            .path(path.clone())
            .query_param("limit", "3")
            .query_param("created_before", "2026-11-20T10:00:03.000001Z");
        then.status(200).json_body(json!([e, f]));
    });
    let client = client_at(&server, clock());
    let events = collect_all(
        &client,
        id(),
        &FailedEventsQuery::new().with_limit(3).unwrap(),
    )
    .await
    .unwrap();
    let numbers: Vec<u128> = events.iter().map(|e| e.id.as_uuid().as_u128()).collect();
    assert_eq!(numbers, [1, 2, 3, 4, 5, 6]);
    page1.assert();
    page2.assert();
    page3.assert();
}

#[maybe_io]
pub(crate) async fn failed_events_all_stops_after_an_error() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(GET)
            .path(format!("{WEBHOOKS}/{ID}/failed-events"));
        then.status(404)
            .body(r#"{"message":"Webhook not found","code":3040}"#);
    });
    let client = client_at(&server, clock());
    let err = collect_all(&client, id(), &FailedEventsQuery::new())
        .await
        .unwrap_err();
    assert!(err.ends_walk());
    assert!(
        matches!(&err, revolut_webhooks::pagination::WalkError::Request(e) if e.is_not_found()),
        "{err:?}"
    );
    mock.assert_calls(1);
}
