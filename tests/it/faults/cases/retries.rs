//! Retry decisions: Retry-After, backoff, calls unsafe to repeat, the total budget, and a soak of many faults.

#[allow(unused_imports)]
use super::*;

#[maybe_io]
pub(crate) async fn rate_limits_and_unavailability_with_retry_after_are_waited_for() {
    let server = Server::scripted([
        Reply::status(429, RATE_LIMITED).header("retry-after", "1"),
        Reply::status(503, UNAVAILABLE).header("retry-after", "0"),
        Reply::json(LIST),
    ]);
    let started = Instant::now();
    let hooks = client(&server).webhooks().list().await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!(hooks.len(), 1);
    assert_eq!(server.request_count(), 3);
    assert!(elapsed >= Duration::from_secs(1), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(1) + SLACK, "{elapsed:?}");
    // The requests were the same each time.
    let requests = server.requests();
    assert!(
        requests
            .iter()
            .all(|r| r.method == "GET" && r.path == WEBHOOKS)
    );
    assert!(
        requests
            .iter()
            .all(|r| r.header("authorization") == Some(&format!("Bearer {TOKEN}")))
    );
}

#[maybe_io]
pub(crate) async fn rate_limits_and_unavailability_without_retry_after_back_off() {
    let server = Server::scripted([
        Reply::status(429, RATE_LIMITED),
        Reply::status(503, UNAVAILABLE),
        Reply::json(LIST),
    ]);
    let started = Instant::now();
    let hooks = client(&server).webhooks().list().await.unwrap();
    assert_eq!(hooks.len(), 1);
    assert_eq!(server.request_count(), 3);
    assert_within(started, SLACK);

    // Nothing happened on a 429 or a 503, so even a rotation is tried again.
    let fake = Arc::new(Fake::default());
    let f = fake.clone();
    let server = Server::start(move |_| f.create());
    server.push([
        Reply::status(503, UNAVAILABLE),
        Reply::status(429, RATE_LIMITED),
    ]);
    let rotated = client(&server)
        .webhooks()
        .rotate_signing_secret(hook_id(7), None)
        .await
        .unwrap();
    assert_eq!(rotated.signing_secret.expose_secret(), "wsk_1");
    assert_eq!(server.request_count(), 3);
    assert_eq!(fake.creates(), 1);
}

#[maybe_io]
pub(crate) async fn endless_429_returns_the_last_error_with_its_attempts() {
    let server = Server::with_default(Reply::status(429, RATE_LIMITED).header("retry-after", "0"));
    let err = client(&server).webhooks().list().await.unwrap_err();
    let e = api(&err);
    assert_eq!(e.status, 429);
    assert_eq!(e.code, Some(3162));
    assert!(err.is_rate_limited());
    assert_eq!(err.retry_after(), Some(Duration::ZERO));
    assert_eq!(err.attempts(), 3);
    assert_eq!(server.request_count(), 3);

    let server = Server::with_default(Reply::status(503, UNAVAILABLE));
    let err = client(&server).webhooks().list().await.unwrap_err();
    assert_eq!(api(&err).status, 503);
    assert_eq!(api(&err).code, Some(5003));
    assert_eq!(err.retry_after(), None);
    assert_eq!(err.attempts(), 3);
}

#[maybe_io]
pub(crate) async fn a_retry_after_above_the_cap_returns_at_once() {
    for status in [429, 503] {
        let server =
            Server::with_default(Reply::status(status, RATE_LIMITED).header("retry-after", "120"));
        let started = Instant::now();
        let err = client(&server).webhooks().list().await.unwrap_err();
        assert_within(started, Duration::from_millis(500));
        assert_eq!(api(&err).status, status);
        assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
        assert_eq!(err.attempts(), 1);
        assert_eq!(server.request_count(), 1);
    }
    // A lower cap set by the caller applies the same way.
    let server = Server::with_default(Reply::status(429, RATE_LIMITED).header("retry-after", "1"));
    let client = builder(&server.url())
        .retry_policy(fast_retries().with_max_retry_after(Duration::from_millis(500)))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client.webhooks().list().await.unwrap_err();
    assert_within(started, Duration::from_millis(500));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(1)));
    assert_eq!(err.attempts(), 1);
}

#[maybe_io]
pub(crate) async fn a_500_after_the_create_is_not_retried() {
    let fake = Arc::new(Fake::default());
    let f = fake.clone();
    // The server really creates the webhook, then answers 500.
    let server = Server::start(move |request| {
        f.create();
        assert_eq!(request.method, "POST");
        Reply::status(500, INTERNAL)
    });
    let client = client(&server);
    let err = client
        .webhooks()
        .create(&create_request())
        .await
        .unwrap_err();
    assert_eq!(api(&err).status, 500);
    assert_eq!(api(&err).code, Some(5000));
    assert_eq!(err.attempts(), 1);
    assert_ambiguous_create(&err);
    assert_eq!(server.request_count(), 1);
    assert_eq!(fake.creates(), 1, "a duplicate create");

    // The same for a rotation: a repeat could add a fourth key.
    let err = client
        .webhooks()
        .rotate_signing_secret(hook_id(1), None)
        .await
        .unwrap_err();
    assert_eq!(api(&err).status, 500);
    assert_eq!(err.attempts(), 1);
    assert!(err.is_ambiguous(), "{err}");
    let message = err.to_string();
    assert!(
        message.contains("may have been rotated") && message.contains("get()"),
        "{message}"
    );
    assert_eq!(server.request_count(), 2);
    assert_eq!(fake.creates(), 2);

    // A read that failed the same way is safe to repeat: not ambiguous.
    let server = Server::with_default(Reply::status(500, INTERNAL));
    let err = self::client(&server).webhooks().list().await.unwrap_err();
    assert_eq!(api(&err).status, 500);
    assert!(!err.is_ambiguous(), "{err}");
    assert!(!err.to_string().contains("list()"), "{err}");

    // A create refused before it was done (429, 503, a 4xx) is not ambiguous either.
    for reply in [
        Reply::status(422, r#"{"code":3352,"message":"too many webhooks"}"#),
        Reply::status(503, UNAVAILABLE).header("retry-after", "3600"),
        Reply::status(429, RATE_LIMITED).header("retry-after", "3600"),
    ] {
        let server = Server::with_default(reply);
        let err = self::client(&server)
            .webhooks()
            .create(&create_request())
            .await
            .unwrap_err();
        assert!(!err.is_ambiguous(), "{err}");
    }
}

#[maybe_io]
pub(crate) async fn a_429_before_the_create_is_retried_and_creates_once() {
    let fake = Arc::new(Fake::default());
    let f = fake.clone();
    let server = Server::start(move |_| f.create());
    server.push([Reply::status(429, RATE_LIMITED).header("retry-after", "0")]);
    let created = client(&server)
        .webhooks()
        .create(&create_request())
        .await
        .unwrap();
    assert_eq!(created.id, hook_id(0));
    assert_eq!(server.request_count(), 2);
    assert_eq!(fake.creates(), 1);
    // Both attempts carried the same body.
    let requests = server.requests();
    assert_eq!(requests[0].body, requests[1].body);
    assert!(requests[0].body_str().contains("https://example.com/hook"));
}

#[maybe_io]
pub(crate) async fn updates_and_deletes_are_retried_with_the_same_request() {
    let server = Server::scripted([
        Reply::status(500, INTERNAL),
        reset(),
        Reply::json(LIST.trim_start_matches('[').trim_end_matches(']')),
        Reply::status(504, "{}"),
        Reply::Close,
        Reply::Full {
            status: 204,
            headers: vec![],
            body: vec![],
        },
    ]);
    let client = client(&server);
    let update = UpdateWebhook::from_url("https://example.com/new").unwrap();
    let updated = client.webhooks().update(hook_id(3), &update).await.unwrap();
    assert_eq!(updated.url, "https://example.com/hook");
    client.webhooks().delete(hook_id(3)).await.unwrap();
    let requests = server.requests();
    let methods: Vec<_> = requests.iter().map(|r| r.method.as_str()).collect();
    assert_eq!(
        methods,
        ["PATCH", "PATCH", "PATCH", "DELETE", "DELETE", "DELETE"]
    );
    assert!(requests[..3].iter().all(|r| r.body == requests[0].body));
    assert!(requests[0].body_str().contains("https://example.com/new"));
}

#[maybe_io]
pub(crate) async fn a_retry_after_date_is_honoured_or_returned() {
    // A date about a second away is waited for (it has one-second precision).
    let soon = http_date(OffsetDateTime::now_utc() + time::Duration::seconds(1));
    let server = Server::scripted([
        Reply::status(503, UNAVAILABLE).header("retry-after", &soon),
        Reply::json(LIST),
    ]);
    let started = Instant::now();
    let hooks = client(&server).webhooks().list().await.unwrap();
    assert_eq!(hooks.len(), 1);
    assert_eq!(server.request_count(), 2);
    assert_within(started, Duration::from_secs(1) + SLACK);

    // A date an hour away is over the cap: returned at once, with the wait.
    let later = http_date(OffsetDateTime::now_utc() + time::Duration::hours(1));
    let server =
        Server::with_default(Reply::status(429, RATE_LIMITED).header("retry-after", &later));
    let started = Instant::now();
    let err = client(&server).webhooks().list().await.unwrap_err();
    assert_within(started, Duration::from_millis(500));
    let wait = err.retry_after().expect("retry_after");
    assert!(
        (Duration::from_secs(3590)..=Duration::from_secs(3600)).contains(&wait),
        "{wait:?}"
    );
    assert_eq!(err.attempts(), 1);
}

#[maybe_io]
pub(crate) async fn the_total_budget_stops_retrying() {
    // Stalls of 300 ms each; a 550 ms budget allows one retry, not two.
    let server = Server::with_default(Reply::Stall);
    let client = builder(&server.url())
        .timeout(SHORT)
        .retry_policy(fast_retries().with_total_budget(Duration::from_millis(550)))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client.webhooks().list().await.unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert_eq!(err.attempts(), 2);
    assert_eq!(server.request_count(), 2);
    assert_within(started, SHORT * 2 + SLACK);

    // An attempt's timeout is cut to what is left of the budget: with a 300 ms
    // budget, a request with a 900 ms timeout gives up after about 300 ms.
    let server = Server::with_default(Reply::Stall);
    let client = builder(&server.url())
        .timeout(SHORT * 3)
        .retry_policy(fast_retries().with_total_budget(SHORT))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client.webhooks().list().await.unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert_eq!(err.attempts(), 1);
    let elapsed = started.elapsed();
    assert!(
        elapsed < SHORT * 3,
        "{elapsed:?}: the attempt ran past the budget"
    );

    // A Retry-After that would end past the budget is not waited for.
    let server = Server::with_default(Reply::status(503, UNAVAILABLE).header("retry-after", "1"));
    let client = builder(&server.url())
        .retry_policy(fast_retries().with_total_budget(Duration::from_millis(800)))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client.webhooks().list().await.unwrap_err();
    assert_within(started, Duration::from_millis(500));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(1)));
    assert_eq!(err.attempts(), 1);
}

#[maybe_io]
pub(crate) async fn soak_5000_calls_with_20_percent_faults() {
    const CALLS: u64 = 5_000;
    let soak = Arc::new(Mutex::new(Soak::default()));
    let s = soak.clone();
    let server = Server::start(move |request| s.lock().unwrap().answer(request));
    let client = client(&server);
    let started = Instant::now();

    let mut secrets = Vec::new();
    let mut created = Vec::new();
    let mut ambiguous = Vec::new();
    for call in 0..CALLS {
        if call % 10 == 0 {
            let body = CreateWebhook::new(format!("https://example.com/soak/{call}")).unwrap();
            match client.webhooks().create(&body).await {
                Ok(hook) => created.push((call, hook.id)),
                Err(err) => {
                    // Only an answer lost after the create may fail a create, and
                    // it is reported after one attempt, not repeated.
                    let is_500 = matches!(&err, Error::Api(e) if e.status == 500);
                    let is_io =
                        matches!(&err, Error::Transport(e) if e.kind == TransportErrorKind::Io);
                    assert!(is_500 || is_io, "call {call}: {err:?}");
                    assert!(err.is_ambiguous(), "call {call}: {err}");
                    ambiguous.push((call, err.attempts()));
                }
            }
        } else {
            let hook = client.webhooks().get(hook_id(u128::from(call))).await;
            let hook = hook.unwrap_or_else(|e| panic!("call {call} lost: {e:?}"));
            assert_eq!(hook.id, hook_id(u128::from(call)));
            secrets.push(hook.signing_secret.expose_secret().to_owned());
        }
    }
    let elapsed = started.elapsed();

    // Reads: what the client got is exactly what the server delivered, each once.
    let exchanges = server.exchanges();
    let delivered: Vec<String> = exchanges
        .iter()
        .filter(|e| e.delivered && e.request.method == "GET" && e.reply == "200")
        .map(|e| {
            let body: serde_json::Value = serde_json::from_slice(e.body.as_ref().unwrap()).unwrap();
            body["signing_secret"].as_str().unwrap().to_owned()
        })
        .collect();
    let client_set: HashSet<_> = secrets.iter().cloned().collect();
    let server_set: HashSet<_> = delivered.iter().cloned().collect();
    assert_eq!(client_set.len(), secrets.len(), "duplicate results");
    assert_eq!(server_set.len(), delivered.len());
    assert_eq!(secrets.len(), 4_500, "lost reads");
    assert_eq!(client_set, server_set, "lost or invented results");

    // Creates: never more on the server than the client knows of.
    let soak = soak.lock().unwrap();
    let server_creates: usize = soak.created.values().map(Vec::len).sum();
    assert!(
        soak.created.values().all(|v| v.len() == 1),
        "a duplicate create"
    );
    assert_eq!(server_creates, created.len() + ambiguous.len());
    for (call, id) in &created {
        assert_eq!(soak.created[call], [*id]);
    }
    for (call, attempts) in &ambiguous {
        // The ambiguous attempt was the last one the server saw for this call.
        assert!(soak.created.contains_key(call));
        assert_eq!(soak.attempts[call], u64::from(*attempts), "call {call}");
    }

    let faulted = exchanges.iter().filter(|e| e.reply != "200").count();
    let connections: HashSet<_> = exchanges.iter().map(|e| e.request.connection).collect();
    let mut faults: Vec<_> = soak.faults.iter().collect();
    faults.sort();
    eprintln!(
        "soak: {CALLS} calls ({} reads, {} creates: {} ok, {} ambiguous), {} requests on {} connections, {faulted} faulted, {elapsed:?}; faults: {faults:?}",
        secrets.len(),
        created.len() + ambiguous.len(),
        created.len(),
        ambiguous.len(),
        exchanges.len(),
        connections.len(),
    );
    assert!(faulted as u64 >= CALLS / 5, "{faulted} faults");
}
