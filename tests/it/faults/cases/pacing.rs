//! Paging and pacing: draining failed events one page at a time, and the rate limiter.

#[allow(unused_imports)]
use super::*;

#[maybe_io]
pub(crate) async fn draining_failed_events_holds_one_page_at_a_time() {
    const TOTAL: usize = 2_000;
    const PAGE: usize = 100;
    let webhook = hook_id(42);
    // Newest first, one a second, with a pair sharing each page boundary's
    // timestamp so a naive cursor would lose one.
    let newest =
        OffsetDateTime::now_utc().replace_nanosecond(0).unwrap() - time::Duration::minutes(5);
    let events: Vec<(Uuid, OffsetDateTime)> = (0..TOTAL)
        .map(|i| {
            let tick = if i % PAGE == PAGE - 1 { i - 1 } else { i };
            (
                Uuid::from_u128(i as u128 + 1),
                newest - time::Duration::seconds(tick as i64),
            )
        })
        .collect();
    let served = events.clone();
    let server = Server::start(move |request| failed_events_page(&served, webhook, request));
    // A rate limit and a reset part-way through are retried without losing a page.
    let client = client(&server);
    let query = FailedEventsQuery::new().with_limit(PAGE as u32).unwrap();
    let mut stream = walk_failed_events(&client, webhook, &query).unwrap();
    let mut seen = HashSet::new();
    let mut order = Vec::new();
    let mut pages_when = Vec::new();
    loop {
        if seen.len() == 450 {
            server.push([
                Reply::status(429, RATE_LIMITED).header("retry-after", "0"),
                reset(),
            ]);
        }
        let next = next_event(&mut stream).await;
        let Some(event) = next else { break };
        let event = event.unwrap();
        assert!(seen.insert(event.id), "{} yielded twice", event.id);
        order.push(Uuid::from(event.id));
        pages_when.push(server.request_count());
    }
    assert_eq!(seen.len(), TOTAL, "events lost");
    let expected: Vec<Uuid> = events.iter().map(|(id, _)| *id).collect();
    assert_eq!(order, expected, "not newest first");
    // One page at a time: when the k-th event came out, the server had been
    // asked for no page beyond the one holding it.
    for (k, requests) in pages_when.iter().enumerate() {
        let pages_needed = k / PAGE + 1;
        let faults = if k >= 450 { 2 } else { 0 };
        // Each page after the first asks again from just after the previous
        // one's last event, so pages may overlap by the boundary pair.
        assert!(
            *requests <= pages_needed + 1 + faults,
            "event {k}: {requests} requests already"
        );
    }
    let exchanges = server.exchanges();
    let pages = exchanges.iter().filter(|e| e.reply == "200").count();
    let faults = exchanges.iter().filter(|e| e.reply != "200").count();
    assert_eq!(faults, 2);
    // 2000 events in pages of 100, overlapping by one at each boundary: 21
    // pages, then the short one that ends the walk.
    assert!((21..=22).contains(&pages), "{pages} pages");
    eprintln!("drained {TOTAL} events in {pages} pages (+{faults} faulted requests)");
}

#[maybe_io]
pub(crate) async fn the_rate_limiter_keeps_a_job_under_the_servers_limit() {
    use revolut_webhooks::RateLimiter;
    // A server allowing 10 requests in any 300 ms (Revolut: 60 a minute), which
    // answers 429 beyond that. A little tolerance absorbs loopback latency.
    const LIMIT: usize = 10;
    let window = Duration::from_millis(300);
    let arrivals = Arc::new(Mutex::new(Vec::<Instant>::new()));
    let a = arrivals.clone();
    let server = Server::start(move |_| {
        let now = Instant::now();
        let mut arrivals = a.lock().unwrap();
        arrivals.push(now);
        let tolerance = Duration::from_millis(100);
        let recent = arrivals
            .iter()
            .filter(|t| now.duration_since(**t) + tolerance < window)
            .count();
        if recent > LIMIT {
            Reply::status(429, RATE_LIMITED).header("retry-after", "1")
        } else {
            Reply::json(LIST)
        }
    });
    let limiter = RateLimiter::new(LIMIT as u32, window);
    // Two clients (say two jobs on one business) share one limiter.
    let first = builder(&server.url())
        .rate_limiter(limiter.clone())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let second = builder(&server.url())
        .rate_limiter(limiter)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let started = Instant::now();
    for i in 0..35 {
        let client = if i % 2 == 0 { &first } else { &second };
        let listed = client.webhooks().list().await;
        listed.unwrap_or_else(|e| panic!("request {i}: {e}"));
    }
    // 35 requests at 10 per 300 ms need at least three full windows.
    let elapsed = started.elapsed();
    assert!(elapsed >= window * 3, "{elapsed:?}");
    assert!(elapsed < window * 4 + SLACK, "{elapsed:?}");
    assert_eq!(server.request_count(), 35);
}

#[maybe_io]
pub(crate) async fn the_rate_limiter_keeps_the_window_with_slow_answers_and_a_refresh() {
    use revolut_webhooks::RateLimiter;
    // 5 requests in any 500 ms. The server records when each request arrives;
    // its first answers take 400 ms, and the token provider's first call and its
    // eighth take 300 ms, so slots taken early are held long.
    const LIMIT: usize = 5;
    const WORKERS: usize = 4;
    const CALLS: usize = 5;
    const BUDGET: Duration = Duration::from_millis(800);
    let window = Duration::from_millis(500);
    let arrivals = Arc::new(Mutex::new(Vec::<Instant>::new()));
    let a = arrivals.clone();
    let server = Server::start(move |_| {
        let first = {
            let mut arrivals = a.lock().unwrap();
            arrivals.push(Instant::now());
            arrivals.len() <= 3
        };
        if first {
            std::thread::sleep(Duration::from_millis(400));
        }
        Reply::json(LIST)
    });
    let tokens = SlowTokens {
        calls: Default::default(),
        slow: [0, 7],
        delay: Duration::from_millis(300),
    };
    let client = builder(&server.url())
        .token_provider(tokens)
        .rate_limiter(RateLimiter::new(LIMIT as u32, window))
        // A budget that the later calls of the batch cannot all wait within.
        .retry_policy(fast_retries().with_total_budget(BUDGET))
        .build()
        .unwrap();
    let started = Instant::now();
    let results = each_concurrently(WORKERS, |_| list_several(&client, CALLS)).await;
    let elapsed = started.elapsed();

    let mut sent = 0;
    let mut local = 0;
    for result in results.iter().flatten() {
        match result {
            Ok(n) => {
                assert_eq!(*n, 1);
                sent += 1;
            }
            // Failed without reaching the server: the limiter said no in time.
            Err(err @ Error::RateLimitedLocally { .. }) => {
                assert!(err.is_rate_limited());
                assert_eq!(err.attempts(), 0);
                assert!(err.to_string().contains("nothing was sent"), "{err}");
                local += 1;
            }
            Err(other) => panic!("a call failed otherwise: {other:?}"),
        }
    }
    assert_eq!(sent + local, WORKERS * CALLS);
    assert!(sent >= LIMIT, "only {sent} sent");
    let mut arrivals = arrivals.lock().unwrap().clone();
    assert_eq!(
        arrivals.len(),
        sent,
        "every success reached the server once, nothing else did"
    );
    arrivals.sort();
    for (i, start) in arrivals.iter().enumerate() {
        let in_window = arrivals[i..]
            .iter()
            .take_while(|t| t.duration_since(*start) < window)
            .count();
        assert!(
            in_window <= LIMIT,
            "{in_window} requests arrived within {window:?} from arrival {i} ({:?} in)",
            start.duration_since(started)
        );
    }
    eprintln!("{sent} sent, {local} rate-limited locally, in {elapsed:?}");
    // Each worker's calls are each bounded by the budget.
    assert_within(started, BUDGET * CALLS as u32 + SLACK);
}

#[maybe_io]
pub(crate) async fn a_call_whose_slot_is_past_its_budget_returns_at_once() {
    use revolut_webhooks::RateLimiter;
    let server = Server::with_default(Reply::json(LIST));
    let client = builder(&server.url())
        .rate_limiter(RateLimiter::new(1, Duration::from_secs(10)))
        .retry_policy(fast_retries().with_total_budget(Duration::from_secs(1)))
        .build()
        .unwrap();
    client.webhooks().list().await.unwrap();
    // The next slot is 10 s away, past the 1 s budget: no sleep, nothing sent,
    // and an error that says so, not a timeout blamed on the network.
    let started = Instant::now();
    let err = client
        .webhooks()
        .create(&create_request())
        .await
        .unwrap_err();
    assert_within(started, Duration::from_millis(200));
    let Error::RateLimitedLocally { retry_in } = err else {
        panic!("expected a local rate limit, got {err:?}");
    };
    assert!(
        (Duration::from_secs(9)..=Duration::from_secs(10)).contains(&retry_in),
        "{retry_in:?}"
    );
    assert_eq!(err.retry_after(), Some(retry_in));
    assert!(!err.is_timeout() && !err.is_ambiguous());
    assert_eq!(err.attempts(), 0);
    let message = err.to_string();
    assert!(message.contains("rate-limited locally"), "{message}");
    assert!(message.contains("nothing was sent"), "{message}");
    assert_eq!(server.request_count(), 1);

    // A window of `Duration::MAX` never frees its slot: no overflow, the same error.
    let client = builder(&server.url())
        .rate_limiter(RateLimiter::new(1, Duration::MAX))
        .build()
        .unwrap();
    client.webhooks().list().await.unwrap();
    let started = Instant::now();
    let err = client.webhooks().list().await.unwrap_err();
    assert_within(started, Duration::from_millis(200));
    assert!(
        matches!(err, Error::RateLimitedLocally { retry_in } if retry_in == Duration::MAX),
        "{err:?}"
    );
    assert_eq!(server.request_count(), 2);
}
