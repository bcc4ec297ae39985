// The client against the emulator, written once and compiled per mode
// (`blocking.rs` under `must_be_sync`, `nonblocking.rs` under `must_be_async`).
// Every rule here is enforced by the emulator's server side; the client's own checks
// are bypassed where needed by giving it a different clock.

use std::time::Duration;

use revolut_webhooks::auth::StaticToken;
use revolut_webhooks::codes;
use revolut_webhooks::emulator::{Emulator, Event, Outcome};
use revolut_webhooks::{
    CreateWebhook, Error, EventType, FailedEventsQuery, ManualClock, SecretExpiration,
    UpdateWebhook,
};
use time::macros::datetime;
use uuid::Uuid;

use super::{Client, collect_all, maybe_io};

/// Calls `$m!` with every case's name, so each mode's test file lists them once, here.
macro_rules! all_cases {
    ($m:ident) => {
        $m!(
            crud_round_trip_shows_secrets_only_where_documented,
            create_without_events_subscribes_to_the_two_transaction_types,
            an_eleventh_webhook_is_refused_with_3352,
            unknown_ids_are_404_with_3040_on_every_endpoint,
            a_rotation_with_expiry_keeps_the_old_secret_until_then,
            at_most_three_signing_keys_are_active,
            an_immediate_rotation_invalidates_the_old_secret,
            failed_events_are_newest_first_paged_and_bounded,
            the_server_enforces_the_21_day_window_on_its_own_clock,
            access_tokens_expire_after_40_minutes_on_the_emulator_clock,
            unknown_tokens_are_refused_with_401_code_1000
        );
    };
}

fn clock() -> ManualClock {
    ManualClock::new(datetime!(2026-11-25 12:00 UTC))
}

fn emulator(clock: &ManualClock) -> Emulator {
    Emulator::builder()
        .clock(clock.clone())
        .retry_interval(Duration::from_millis(1))
        .start()
        .unwrap()
}

fn client_with(emulator: &Emulator, token: &str, clock: ManualClock) -> Client {
    Client::builder()
        .environment(emulator.environment())
        .token_provider(StaticToken::new(token))
        .clock(clock)
        .build()
        .unwrap()
}

fn client(emulator: &Emulator, clock: &ManualClock) -> Client {
    client_with(
        emulator,
        emulator.access_token().expose_secret(),
        clock.clone(),
    )
}

fn api_error(result: Result<impl std::fmt::Debug, Error>) -> revolut_webhooks::ApiError {
    match result {
        Err(Error::Api(e)) => e,
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// Nothing listens on port 1 of 127.0.0.1: every delivery there fails at once.
const DEAD: &str = "https://127.0.0.1:1/hook";

#[maybe_io]
pub(super) async fn crud_round_trip_shows_secrets_only_where_documented() {
    let clock = clock();
    let emu = emulator(&clock);
    let hooks = client(&emu, &clock);
    let created = hooks
        .webhooks()
        .create(
            &CreateWebhook::new("https://www.example.com")
                .unwrap()
                .with_events([EventType::TransactionCreated, EventType::PayoutLinkCreated])
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(created.url, "https://www.example.com");
    assert_eq!(
        created.events,
        [EventType::TransactionCreated, EventType::PayoutLinkCreated]
    );
    let secret = created.signing_secret.expose_secret().to_owned();
    assert!(secret.starts_with("wsk_") && secret.len() == 36, "{secret}");

    let got = hooks.webhooks().get(created.id).await.unwrap();
    assert_eq!(got, created);

    let listed = hooks.webhooks().list().await.unwrap();
    assert_eq!(listed, [created.without_secret()]);

    let moved = hooks
        .webhooks()
        .update(
            created.id,
            &UpdateWebhook::with_url("https://www.example.com/v2").unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(moved.url, "https://www.example.com/v2");
    assert_eq!(
        moved.events, created.events,
        "events were not given, so kept"
    );
    let retyped = hooks
        .webhooks()
        .update(
            created.id,
            &UpdateWebhook::with_events([EventType::PayoutLinkStateChanged]).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(retyped.url, "https://www.example.com/v2", "url kept");
    assert_eq!(retyped.events, [EventType::PayoutLinkStateChanged]);

    hooks.webhooks().delete(created.id).await.unwrap();
    let gone = hooks.webhooks().get(created.id).await;
    assert!(gone.unwrap_err().is_not_found());
    let listed = hooks.webhooks().list().await.unwrap();
    assert!(listed.is_empty());
}

#[maybe_io]
pub(super) async fn create_without_events_subscribes_to_the_two_transaction_types() {
    let clock = clock();
    let emu = emulator(&clock);
    let created = client(&emu, &clock)
        .webhooks()
        .create(&CreateWebhook::new("https://www.example.com").unwrap())
        .await
        .unwrap();
    assert_eq!(
        created.events,
        [
            EventType::TransactionCreated,
            EventType::TransactionStateChanged
        ]
    );
}

#[maybe_io]
pub(super) async fn an_eleventh_webhook_is_refused_with_3352() {
    let clock = clock();
    let emu = emulator(&clock);
    let hooks = client(&emu, &clock);
    for i in 0..10 {
        let url = format!("https://example.com/{i}");
        hooks
            .webhooks()
            .create(&CreateWebhook::new(url).unwrap())
            .await
            .unwrap();
    }
    let e = api_error(
        hooks
            .webhooks()
            .create(&CreateWebhook::new("https://example.com/11").unwrap())
            .await,
    );
    assert_eq!((e.status, e.code), (422, Some(codes::TOO_MANY_WEBHOOKS)));
    assert!(
        e.message.starts_with("Owner [ownerId=")
            && e.message
                .ends_with(",ownerType=BUSINESS] already has 10 webhooks. Only 10 are allowed."),
        "{}",
        e.message
    );
    // Deleting one makes room again.
    let first = hooks.webhooks().list().await.unwrap()[0].id;
    hooks.webhooks().delete(first).await.unwrap();
    hooks
        .webhooks()
        .create(&CreateWebhook::new("https://example.com/11").unwrap())
        .await
        .unwrap();
}

#[maybe_io]
pub(super) async fn unknown_ids_are_404_with_3040_on_every_endpoint() {
    let clock = clock();
    let emu = emulator(&clock);
    let hooks = client(&emu, &clock);
    let id = revolut_webhooks::WebhookId::from(Uuid::new_v4());
    let mut errors = Vec::new();
    errors.push(api_error(hooks.webhooks().get(id).await));
    errors.push(api_error(
        hooks
            .webhooks()
            .update(
                id,
                &UpdateWebhook::with_events([EventType::PayoutLinkCreated]).unwrap(),
            )
            .await,
    ));
    errors.push(api_error(hooks.webhooks().delete(id).await));
    errors.push(api_error(
        hooks.webhooks().rotate_signing_secret(id, None).await,
    ));
    errors.push(api_error(
        hooks
            .webhooks()
            .failed_events(id, &FailedEventsQuery::new())
            .await,
    ));
    for e in errors {
        assert_eq!(
            (e.status, e.code, e.message.as_str()),
            (404, Some(codes::WEBHOOK_NOT_FOUND), "Webhook not found")
        );
    }
}

#[maybe_io]
pub(super) async fn a_rotation_with_expiry_keeps_the_old_secret_until_then() {
    let clock = clock();
    let emu = emulator(&clock);
    let hooks = client(&emu, &clock);
    let created = hooks
        .webhooks()
        .create(&CreateWebhook::new(DEAD).unwrap())
        .await
        .unwrap();
    let first = created.signing_secret.clone();
    let rotated = hooks
        .webhooks()
        .rotate_signing_secret(created.id, Some(SecretExpiration::from_hours(1).unwrap()))
        .await
        .unwrap();
    assert_ne!(rotated.signing_secret, first);
    let got = hooks.webhooks().get(created.id).await.unwrap();
    assert_eq!(
        got.signing_secret, rotated.signing_secret,
        "get shows the new one"
    );
    assert_eq!(
        emu.active_signing_secrets(created.id),
        [rotated.signing_secret.clone(), first.clone()]
    );
    clock.advance(time::Duration::minutes(59));
    assert_eq!(emu.active_signing_secrets(created.id).len(), 2);
    clock.advance(time::Duration::minutes(1));
    assert_eq!(
        emu.active_signing_secrets(created.id),
        [rotated.signing_secret],
        "expired exactly an hour after the rotation"
    );
}

#[maybe_io]
pub(super) async fn at_most_three_signing_keys_are_active() {
    let clock = clock();
    let emu = emulator(&clock);
    let hooks = client(&emu, &clock);
    let id = hooks
        .webhooks()
        .create(&CreateWebhook::new(DEAD).unwrap())
        .await
        .unwrap()
        .id;
    let day = Some(SecretExpiration::from_days(1).unwrap());
    hooks
        .webhooks()
        .rotate_signing_secret(id, day)
        .await
        .unwrap();
    hooks
        .webhooks()
        .rotate_signing_secret(id, day)
        .await
        .unwrap();
    assert_eq!(emu.active_signing_secrets(id).len(), 3);
    let e = api_error(hooks.webhooks().rotate_signing_secret(id, day).await);
    assert_eq!(
        (e.status, e.code),
        (422, Some(codes::TOO_MANY_SIGNING_KEYS))
    );
    assert_eq!(
        e.message,
        format!("Webhook {id} can't have more than 3 active signing keys")
    );
    // An immediate rotation replaces the current key: still three.
    let immediate = hooks
        .webhooks()
        .rotate_signing_secret(id, None)
        .await
        .unwrap();
    assert_eq!(emu.active_signing_secrets(id).len(), 3);
    assert_eq!(emu.active_signing_secrets(id)[0], immediate.signing_secret);
    // Once the old keys expire, rotating with an expiry works again.
    clock.advance(time::Duration::days(1));
    assert_eq!(emu.active_signing_secrets(id).len(), 1);
    hooks
        .webhooks()
        .rotate_signing_secret(id, day)
        .await
        .unwrap();
    assert_eq!(emu.active_signing_secrets(id).len(), 2);
}

#[maybe_io]
pub(super) async fn an_immediate_rotation_invalidates_the_old_secret() {
    let clock = clock();
    let emu = emulator(&clock);
    let hooks = client(&emu, &clock);
    let created = hooks
        .webhooks()
        .create(&CreateWebhook::new(DEAD).unwrap())
        .await
        .unwrap();
    let rotated = hooks
        .webhooks()
        .rotate_signing_secret(created.id, None)
        .await
        .unwrap();
    assert_ne!(rotated.signing_secret, created.signing_secret);
    assert_eq!(
        emu.active_signing_secrets(created.id),
        [rotated.signing_secret]
    );
}

#[maybe_io]
pub(super) async fn failed_events_are_newest_first_paged_and_bounded() {
    let clock = clock();
    let emu = emulator(&clock);
    let hooks = client(&emu, &clock);
    let id = hooks
        .webhooks()
        .create(&CreateWebhook::new(DEAD).unwrap())
        .await
        .unwrap()
        .id;
    let mut bodies = Vec::new();
    for _ in 0..5 {
        clock.advance(time::Duration::seconds(1));
        let report = emu.emit_and_wait(Event::transaction_created());
        assert!(matches!(
            report.deliveries[0].outcome,
            Outcome::Failed { .. }
        ));
        bodies.push(report.body);
    }
    let all = hooks
        .webhooks()
        .failed_events(id, &FailedEventsQuery::new())
        .await
        .unwrap();
    assert_eq!(all.len(), 5);
    let payloads: Vec<&str> = all.iter().map(|e| e.payload_json()).collect();
    let newest_first: Vec<&str> = bodies.iter().rev().map(String::as_str).collect();
    assert_eq!(
        payloads, newest_first,
        "payloads are the delivered bytes, newest first"
    );
    assert!(all.windows(2).all(|w| w[0].created_at > w[1].created_at));

    let page = hooks
        .webhooks()
        .failed_events(id, &FailedEventsQuery::new().with_limit(2).unwrap())
        .await
        .unwrap();
    assert_eq!(page.len(), 2);
    // created_before is strict: the bound itself is excluded.
    let older = hooks
        .webhooks()
        .failed_events(
            id,
            &FailedEventsQuery::new()
                .with_limit(2)
                .unwrap()
                .with_created_before(page[1].created_at),
        )
        .await
        .unwrap();
    assert_eq!(older.len(), 2);
    assert_eq!(older[0].id, all[2].id);
    // The client's cursor walks every page to the end.
    let walked = collect_all(&hooks, id, &FailedEventsQuery::new().with_limit(2).unwrap())
        .await
        .unwrap();
    let ids: Vec<_> = walked.iter().map(|e| e.id).collect();
    assert_eq!(ids, all.iter().map(|e| e.id).collect::<Vec<_>>());
    // A date is its midnight UTC: nothing was created before today.
    let by_date = hooks
        .webhooks()
        .failed_events(
            id,
            &FailedEventsQuery::new().with_created_before(time::macros::date!(2026 - 11 - 25)),
        )
        .await
        .unwrap();
    assert!(by_date.is_empty());
    let by_next_day = hooks
        .webhooks()
        .failed_events(
            id,
            &FailedEventsQuery::new().with_created_before(time::macros::date!(2026 - 11 - 26)),
        )
        .await
        .unwrap();
    assert_eq!(by_next_day.len(), 5);
}

#[maybe_io]
pub(super) async fn the_server_enforces_the_21_day_window_on_its_own_clock() {
    let clock = clock();
    let emu = emulator(&clock);
    let id = client(&emu, &clock)
        .webhooks()
        .create(&CreateWebhook::new(DEAD).unwrap())
        .await
        .unwrap()
        .id;
    // A client whose clock runs three weeks late passes its own check, so the
    // request reaches the emulator, which judges by its clock.
    let late = ManualClock::new(datetime!(2026-11-01 12:00 UTC));
    let hooks = client_with(&emu, emu.access_token().expose_secret(), late);
    let e = api_error(
        hooks
            .webhooks()
            .failed_events(
                id,
                &FailedEventsQuery::new().with_created_before(datetime!(2026-11-03 0:00 UTC)),
            )
            .await,
    );
    assert_eq!((e.status, e.code), (400, Some(codes::BAD_REQUEST)));
    assert_eq!(
        e.message,
        "created_before must be after 2026-11-04T12:00:00.000000Z, but is: 2026-11-03T00:00:00.000000Z"
    );
    hooks
        .webhooks()
        .failed_events(
            id,
            &FailedEventsQuery::new().with_created_before(datetime!(2026-11-04 12:00 UTC)),
        )
        .await
        .unwrap();
}

#[maybe_io]
pub(super) async fn access_tokens_expire_after_40_minutes_on_the_emulator_clock() {
    let clock = clock();
    let emu = emulator(&clock);
    let token = emu.issue_access_token();
    let hooks = client_with(&emu, token.expose_secret(), clock.clone());
    hooks.webhooks().list().await.unwrap();
    clock.advance(time::Duration::minutes(39));
    hooks.webhooks().list().await.unwrap();
    clock.advance(time::Duration::minutes(1));
    let e = api_error(hooks.webhooks().list().await);
    assert!(e.is_token_expired(), "{e}");
    assert!(e.error_id.is_some());
    assert!(!e.to_string().contains(token.expose_secret()));
    // The initial token never expires.
    client(&emu, &clock).webhooks().list().await.unwrap();
}

#[maybe_io]
pub(super) async fn unknown_tokens_are_refused_with_401_code_1000() {
    let clock = clock();
    let emu = emulator(&clock);
    let e = api_error(
        client_with(&emu, "oa_emu_made_up", clock.clone())
            .webhooks()
            .list()
            .await,
    );
    assert_eq!((e.status, e.code), (401, Some(codes::TOKEN_INVALID)));
    assert!(
        e.message
            .starts_with("Access token is invalid or has expired.")
    );
}
