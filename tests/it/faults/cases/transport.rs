//! Transport faults: refused, reset, closed, stalled and dribbling connections, truncated and oversized bodies.

#[allow(unused_imports)]
use super::*;

#[maybe_io]
pub(crate) async fn connection_refused_is_a_connect_error_and_creates_nothing() {
    let url = format!("http://127.0.0.1:{}", refused_port());
    let client = builder(&url).build().unwrap();
    let started = Instant::now();
    let err = client.webhooks().list().await.unwrap_err();
    assert_eq!(transport_kind(&err), TransportErrorKind::Connect, "{err}");
    assert_eq!(err.attempts(), 3);
    // Nothing reached a server, so even a create is safe to send again.
    let err = client
        .webhooks()
        .create(&create_request())
        .await
        .unwrap_err();
    assert_eq!(transport_kind(&err), TransportErrorKind::Connect, "{err}");
    assert_eq!(err.attempts(), 3);
    assert!(!err.is_ambiguous(), "nothing was sent: {err}");
    assert!(!err.to_string().contains("list()"), "{err}");
    assert!(!err.to_string().contains(TOKEN));
    assert_within(started, SLACK);
}

#[maybe_io]
pub(crate) async fn a_reset_mid_body_is_retried_for_reads() {
    let server = Server::scripted([reset(), reset(), Reply::json(LIST)]);
    let hooks = client(&server).webhooks().list().await.unwrap();
    assert_eq!(hooks.len(), 1);
    assert_eq!(server.request_count(), 3);

    let server = Server::with_default(reset());
    let started = Instant::now();
    let err = client(&server).webhooks().list().await.unwrap_err();
    assert_eq!(transport_kind(&err), TransportErrorKind::Io, "{err}");
    assert_eq!(err.attempts(), 3);
    assert_eq!(server.request_count(), 3);
    assert_within(started, SLACK);
}

#[maybe_io]
pub(crate) async fn a_reset_mid_body_after_a_create_is_not_retried() {
    let fake = Arc::new(Fake::default());
    let f = fake.clone();
    // The server creates the webhook, then the connection breaks mid-answer.
    let server = Server::start(move |_| {
        f.create();
        reset()
    });
    let err = client(&server)
        .webhooks()
        .create(&create_request())
        .await
        .unwrap_err();
    assert_eq!(transport_kind(&err), TransportErrorKind::Io, "{err}");
    assert_eq!(err.attempts(), 1);
    assert_ambiguous_create(&err);
    assert_eq!(server.request_count(), 1);
    assert_eq!(fake.creates(), 1, "a duplicate create");
}

#[maybe_io]
pub(crate) async fn a_connection_closed_without_an_answer() {
    let server = Server::scripted([Reply::Close, Reply::json(LIST)]);
    let hooks = client(&server).webhooks().list().await.unwrap();
    assert_eq!(hooks.len(), 1);
    assert_eq!(server.request_count(), 2);

    // The request was read: a create may have happened, so it is not repeated.
    let server = Server::with_default(Reply::Close);
    let err = client(&server)
        .webhooks()
        .create(&create_request())
        .await
        .unwrap_err();
    assert_eq!(transport_kind(&err), TransportErrorKind::Io, "{err}");
    assert_eq!(err.attempts(), 1);
    assert_ambiguous_create(&err);
    assert_eq!(server.request_count(), 1);
}

#[maybe_io]
pub(crate) async fn a_stalled_response_times_out_on_every_attempt() {
    let server = Server::with_default(Reply::Stall);
    let client = builder(&server.url()).timeout(SHORT).build().unwrap();
    let started = Instant::now();
    let err = client.webhooks().list().await.unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(transport_kind(&err), TransportErrorKind::Timeout, "{err}");
    assert!(err.is_timeout());
    assert_eq!(err.attempts(), 3);
    assert_eq!(server.request_count(), 3);
    assert!(elapsed >= SHORT * 3, "{elapsed:?}");
    assert!(elapsed < SHORT * 3 + SLACK, "{elapsed:?}");
}

#[maybe_io]
pub(crate) async fn a_stalled_create_times_out_once() {
    let server = Server::with_default(Reply::Stall);
    let client = builder(&server.url()).timeout(SHORT).build().unwrap();
    let started = Instant::now();
    let err = client
        .webhooks()
        .create(&create_request())
        .await
        .unwrap_err();
    assert_eq!(transport_kind(&err), TransportErrorKind::Timeout, "{err}");
    assert_eq!(err.attempts(), 1);
    assert_ambiguous_create(&err);
    assert_eq!(server.request_count(), 1);
    assert_within(started, SHORT + SLACK);
}

#[maybe_io]
pub(crate) async fn a_dribbling_response_times_out() {
    // A valid answer, one byte every 20 ms: about 4 s in all, against a 300 ms timeout.
    let mut response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        LIST.len()
    )
    .into_bytes();
    response.extend_from_slice(LIST.as_bytes());
    let head_len = response.len() - LIST.len();
    // Headers a byte at a time, then the same with the headers at once and the
    // body a byte at a time.
    for at_once in [0, head_len] {
        let server = Server::with_default(Reply::Dribble {
            every: Duration::from_millis(20),
            at_once,
            response: response.clone(),
        });
        let client = builder(&server.url()).timeout(SHORT).build().unwrap();
        let started = Instant::now();
        let err = client.webhooks().list().await.unwrap_err();
        assert_eq!(
            transport_kind(&err),
            TransportErrorKind::Timeout,
            "at once: {at_once}: {err}"
        );
        assert_eq!(err.attempts(), 3);
        assert_eq!(server.request_count(), 3);
        assert_within(started, SHORT * 3 + SLACK);
    }
}

#[maybe_io]
pub(crate) async fn truncated_json_is_an_io_error_and_retried() {
    let server = Server::with_default(truncated());
    let err = client(&server).webhooks().list().await.unwrap_err();
    assert_eq!(transport_kind(&err), TransportErrorKind::Io, "{err}");
    assert_eq!(err.attempts(), 3);
    assert_eq!(server.request_count(), 3);

    let server = Server::scripted([truncated(), Reply::json(LIST)]);
    let hooks = client(&server).webhooks().list().await.unwrap();
    assert_eq!(hooks.len(), 1);
    assert_eq!(server.request_count(), 2);
}

#[maybe_io]
pub(crate) async fn complete_invalid_json_is_a_decode_error_not_retried() {
    let server = Server::with_default(Reply::json(r#"[{"id": 12, "url": "#));
    let err = client(&server).webhooks().list().await.unwrap_err();
    assert!(
        matches!(&err, Error::Decode(d) if d.status == 200),
        "{err:?}"
    );
    assert_eq!(err.attempts(), 1);
    assert_eq!(server.request_count(), 1);

    // After a retry, the decode error still counts every attempt.
    let server = Server::scripted([
        Reply::status(503, UNAVAILABLE).header("retry-after", "0"),
        Reply::json("{not json"),
    ]);
    let err = client(&server).webhooks().list().await.unwrap_err();
    assert!(matches!(&err, Error::Decode(_)), "{err:?}");
    assert_eq!(server.request_count(), 2);
    assert_eq!(err.attempts(), 2, "{err}");
}

#[maybe_io]
pub(crate) async fn an_html_502_is_an_api_error_with_a_snippet_and_retried() {
    let server = Server::with_default(Reply::html(502, BAD_GATEWAY));
    let err = client(&server).webhooks().list().await.unwrap_err();
    let e = api(&err);
    assert_eq!(e.status, 502);
    assert_eq!(e.code, None);
    assert!(
        e.body_snippet
            .as_deref()
            .unwrap_or("")
            .contains("502 Bad Gateway"),
        "{e:?}"
    );
    assert_eq!(err.attempts(), 3);
    assert_eq!(server.request_count(), 3);

    let server = Server::scripted([Reply::html(502, BAD_GATEWAY), Reply::json(LIST)]);
    let hooks = client(&server).webhooks().list().await.unwrap();
    assert_eq!(hooks.len(), 1);
    assert_eq!(server.request_count(), 2);

    // A create is not repeated after a 502: the gateway may have passed it on.
    let server = Server::with_default(Reply::html(502, BAD_GATEWAY));
    let err = client(&server)
        .webhooks()
        .create(&create_request())
        .await
        .unwrap_err();
    assert_eq!(api(&err).status, 502);
    assert_eq!(err.attempts(), 1);
    assert_eq!(server.request_count(), 1);
}

#[maybe_io]
pub(crate) async fn a_5mb_garbage_body_trips_the_configured_limit() {
    for chunked in [false, true] {
        let server = Server::with_default(Reply::Garbage {
            len: 5 * MIB,
            chunked,
        });
        let client = builder(&server.url())
            .max_response_bytes(MIB as u64)
            .build()
            .unwrap();
        let started = Instant::now();
        let err = client.webhooks().list().await.unwrap_err();
        assert_eq!(
            transport_kind(&err),
            TransportErrorKind::BodyTooLarge,
            "chunked: {chunked}: {err}"
        );
        assert!(err.to_string().contains("1048576"), "{err}");
        assert_eq!(err.attempts(), 1);
        assert_eq!(server.request_count(), 1);
        assert_within(started, SLACK);
    }
}

#[maybe_io]
pub(crate) async fn the_default_limit_is_16_mib() {
    // Under the limit, garbage is read in full and is then a decode error.
    let server = Server::with_default(Reply::Garbage {
        len: 5 * MIB,
        chunked: true,
    });
    let err = client(&server).webhooks().list().await.unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");

    let server = Server::with_default(Reply::Garbage {
        len: 17 * MIB,
        chunked: true,
    });
    let err = client(&server).webhooks().list().await.unwrap_err();
    assert_eq!(
        transport_kind(&err),
        TransportErrorKind::BodyTooLarge,
        "{err}"
    );
    assert!(err.to_string().contains("16777216"), "{err}");
    assert_eq!(server.request_count(), 1);
}

#[maybe_io]
pub(crate) async fn a_create_after_the_server_closed_an_idle_connection_is_sent_fresh() {
    // The server answers each list, then closes the connection without saying so.
    // The create that follows must not go out on the dead connection (where it
    // would fail as ambiguous and not be retried).
    const ROUNDS: usize = 50;
    let fake = Arc::new(Fake::default());
    let f = fake.clone();
    let server = Server::start(move |request| {
        if request.method == "POST" {
            f.create()
        } else {
            Reply::FullThenClose(Box::new(Reply::json(LIST)))
        }
    });
    let client = client(&server);
    let mut failures = Vec::new();
    for round in 0..ROUNDS {
        client.webhooks().list().await.unwrap();
        // Idle for a moment, as a batch job does between calls: the server's
        // close has arrived by then (on a loaded machine, too).
        std::thread::sleep(Duration::from_millis(10));
        let created = client.webhooks().create(&create_request()).await;
        if let Err(e) = created {
            failures.push(format!("round {round}: {e}"));
        }
    }
    assert_eq!(fake.creates(), ROUNDS - failures.len());
    assert!(
        failures.is_empty(),
        "{} failed: {failures:#?}",
        failures.len()
    );
}
