// Where requests go, and over what: written once and compiled per mode
// (`blocking.rs` under `must_be_sync`, `nonblocking.rs` under `must_be_async`).
//
// Hosts: a hostile base URL is refused, or reaches only the host it was checked
// for (a listener on 127.0.0.2 stands in for "another host" and must see
// nothing). Proxies: plain-http loopback never goes through one. TLS: certificate
// failures are `Tls`, sent once; extra roots make the test CA trusted. Timeouts:
// a connect timeout sent nothing and is retried for any method.

use std::io::Read;
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use revolut_webhooks::Proxy;
use revolut_webhooks::auth::StaticToken;
use revolut_webhooks::auth::{ClientAssertion, RefreshToken};
use revolut_webhooks::{CreateWebhook, Environment, Error, RetryPolicy, TransportErrorKind};

use super::server::{Reply, Server};
use super::tls::TlsServer;
use super::{Client, RefreshingTokenProvider, TokenProvider, maybe_io};

/// Calls `$m!` with every case's name, so each mode's test file lists them once, here.
macro_rules! all_cases {
    ($m:ident) => {
        $m!(
            hostile_base_urls_connect_only_where_checked,
            a_loopback_http_request_never_goes_through_a_proxy,
            an_untrusted_certificate_is_a_tls_error_sent_once,
            extra_roots_make_the_test_ca_trusted,
            bad_root_pem_is_refused_at_build,
            a_connect_timeout_is_retried_even_for_a_create,
            a_timeout_after_sending_a_create_is_not_retried,
            an_https_request_goes_through_the_proxy_it_is_given
        );
    };
}

const TOKEN: &str = "net-token-not-a-secret";
const JWT: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjbGllbnQifQ.c2ln";

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .with_base_delay(Duration::from_millis(1))
        .with_max_delay(Duration::from_millis(5))
}

fn client(environment: Environment) -> Client {
    Client::builder()
        .environment(environment)
        .token_provider(StaticToken::new(TOKEN))
        .retry_policy(fast_retries())
        .timeout(Duration::from_secs(2))
        .connect_timeout(Duration::from_millis(500))
        .build()
        .unwrap()
}

fn kind(error: &Error) -> TransportErrorKind {
    match error {
        Error::Transport(e) => e.kind,
        other => panic!("expected a transport error, got {other:?}"),
    }
}

/// A listener that counts the connections it accepts and never answers.
struct Counter {
    port: u16,
    count: Arc<AtomicUsize>,
}

impl Counter {
    fn on(ip: &str) -> Counter {
        let listener = TcpListener::bind((ip, 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        let count = Arc::new(AtomicUsize::new(0));
        let seen = count.clone();
        // Detached: it lives as long as the test binary, and only counts.
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                seen.fetch_add(1, Ordering::SeqCst);
                let _ = stream.set_read_timeout(Some(Duration::from_millis(50)));
                let _ = (&stream).read(&mut [0u8; 512]);
            }
        });
        Counter { port, count }
    }

    fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }
}

/// Answers the token endpoint with a token set, and anything else with `[]`.
fn api_and_token_server() -> Server {
    Server::start(|request| {
        if request.path.ends_with("/api/1.0/auth/token") {
            Reply::json(r#"{"access_token":"a","token_type":"bearer","expires_in":2400}"#)
        } else {
            Reply::json("[]")
        }
    })
}

#[maybe_io]
pub(super) async fn hostile_base_urls_connect_only_where_checked() {
    let other = Counter::on("127.0.0.2");
    let here = api_and_token_server();
    let here_port = here.url().rsplit(':').next().unwrap().to_owned();
    let o = format!("127.0.0.2:{}", other.port);
    let h = format!("127.0.0.1:{here_port}");
    let spellings = [
        format!("http://{o}\\@{h}"),
        format!("http://{o}\\{h}"),
        format!("http://{o}%40{h}"),
        format!("http://{o}@{h}"),
        format!("http://user@{h}"),
        format!("http://{h}@{o}"),
        format!("http://\t{o}@{h}"),
        format!("http://{o}\n@{h}"),
        format!("http://{h}/\\@{o}"),
        format!("http://{h}\\.{o}"),
        format!("HTTP://{o}\\@{h}"),
        format!("http://{h}#@{o}"),
        format!("http://{h}?@{o}"),
        format!("http://{h}"),
        format!("http://{h}/prefix"),
        format!("HTTP://{h}"),
    ];
    let mut accepted = 0;
    for url in &spellings {
        let Ok(environment) = Environment::custom(url) else {
            continue;
        };
        accepted += 1;
        let result = client(environment.clone()).webhooks().list().await;
        assert!(result.is_ok(), "{url:?}: {result:?}");
        let provider = RefreshingTokenProvider::builder(
            RefreshToken::new("r"),
            ClientAssertion::presigned(JWT),
        )
        .environment(environment)
        .build()
        .unwrap();
        let token = provider.access_token().await;
        assert!(token.is_ok(), "{url:?}: {token:?}");
    }
    assert_eq!(accepted, 3, "only the plain spellings are accepted");
    assert_eq!(
        other.count(),
        0,
        "a checked loopback URL reached another host"
    );
    assert_eq!(here.request_count(), 6);
}

#[maybe_io]
pub(super) async fn a_loopback_http_request_never_goes_through_a_proxy() {
    // Environment variables are the process's: the real case runs in a child
    // process of this test binary, with the variables set only there.
    if std::env::var_os("NET_PROXY_CHILD").is_none() {
        let proxy = Counter::on("127.0.0.2");
        let proxy_url = format!("http://127.0.0.2:{}", proxy.port);
        // The child runs this mode's test alone, named as the harness names it
        // (`net::blocking::…`): the binary holds both modes and every other family.
        let mode = module_path!()
            .trim_start_matches("it::")
            .trim_end_matches("::cases");
        let test = format!("{mode}::a_loopback_http_request_never_goes_through_a_proxy");
        let exe = std::env::current_exe().unwrap();
        let output = std::process::Command::new(exe)
            .args(["--exact", test.as_str(), "--test-threads=1", "--nocapture"])
            .env("NET_PROXY_CHILD", "1")
            .env("HTTP_PROXY", &proxy_url)
            .env("http_proxy", &proxy_url)
            .env("ALL_PROXY", &proxy_url)
            .env("all_proxy", &proxy_url)
            .env("NET_PROXY_PORT", proxy.port.to_string())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "child failed:\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("1 passed"),
            "the child ran no test"
        );
        assert_eq!(proxy.count(), 0, "the proxy received a connection");
        return;
    }
    let server = api_and_token_server();
    let environment = Environment::custom(&server.url()).unwrap();
    client(environment.clone()).webhooks().list().await.unwrap();
    // An explicit proxy is not used for plain http either.
    let explicit = format!(
        "http://127.0.0.2:{}",
        std::env::var("NET_PROXY_PORT").unwrap()
    );
    Client::builder()
        .environment(environment.clone())
        .token_provider(StaticToken::new(TOKEN))
        .proxy(Proxy::url(&explicit).unwrap())
        .build()
        .unwrap()
        .webhooks()
        .list()
        .await
        .unwrap();
    let provider =
        RefreshingTokenProvider::builder(RefreshToken::new("r"), ClientAssertion::presigned(JWT))
            .environment(environment)
            .build()
            .unwrap();
    provider.access_token().await.unwrap();
    assert_eq!(server.request_count(), 3);
}

#[maybe_io]
pub(super) async fn an_untrusted_certificate_is_a_tls_error_sent_once() {
    let server = TlsServer::start();
    let client = client(Environment::custom(&server.url()).unwrap());
    let error = client.webhooks().list().await.unwrap_err();
    assert_eq!(kind(&error), TransportErrorKind::Tls, "{error}");
    assert_eq!(error.attempts(), 1, "{error}");
    let Error::Transport(transport) = &error else {
        unreachable!()
    };
    assert!(
        std::error::Error::source(transport).is_some(),
        "the HTTP library's error is kept as the source: {error:?}"
    );
    let create = CreateWebhook::new("https://example.com/hook").unwrap();
    let error = client.webhooks().create(&create).await.unwrap_err();
    assert_eq!(kind(&error), TransportErrorKind::Tls, "{error}");
    assert_eq!(error.attempts(), 1, "{error}");
    assert_eq!(server.connections(), 2, "each call connected once");
}

#[maybe_io]
pub(super) async fn extra_roots_make_the_test_ca_trusted() {
    let server = TlsServer::start();
    let environment = Environment::custom(&server.url()).unwrap();
    let client = Client::builder()
        .environment(environment.clone())
        .token_provider(StaticToken::new(TOKEN))
        .proxy(Proxy::none())
        .add_root_certificates_pem(&server.ca_pem)
        .build()
        .unwrap();
    let hooks = client.webhooks().list().await.unwrap();
    assert!(hooks.is_empty());
    let provider =
        RefreshingTokenProvider::builder(RefreshToken::new("r"), ClientAssertion::presigned(JWT))
            .environment(environment)
            .proxy(Proxy::none())
            .add_root_certificates_pem(server.ca_pem.as_bytes())
            .build()
            .unwrap();
    let token = provider.access_token().await.unwrap();
    assert_eq!(token.expose_secret(), "tls-access");
}

#[maybe_io]
pub(super) async fn bad_root_pem_is_refused_at_build() {
    for pem in [
        "",
        "not a certificate",
        "-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n",
    ] {
        let error = Client::builder()
            .token_provider(StaticToken::new(TOKEN))
            .add_root_certificates_pem(pem)
            .build()
            .unwrap_err();
        match error {
            Error::Validation(e) => {
                assert_eq!(e.field, "root_certificates");
                assert!(e.reason.contains("BEGIN CERTIFICATE"), "{}", e.reason);
            }
            other => panic!("{pem:?}: {other:?}"),
        }
    }
}

/// A listener whose accept queue is full: a new connection is never set up.
fn full_listener() -> (socket2::Socket, Vec<std::net::TcpStream>, String) {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    let address: std::net::SocketAddr = "127.0.0.1:0".parse().unwrap();
    socket.bind(&address.into()).unwrap();
    socket.listen(0).unwrap();
    let address = socket.local_addr().unwrap().as_socket().unwrap();
    // Fill the queue (a few connections complete, the rest time out quickly).
    let mut fillers = Vec::new();
    for _ in 0..8 {
        if let Ok(stream) =
            std::net::TcpStream::connect_timeout(&address, Duration::from_millis(100))
        {
            fillers.push(stream);
        }
    }
    (socket, fillers, format!("http://{address}"))
}

#[maybe_io]
pub(super) async fn a_connect_timeout_is_retried_even_for_a_create() {
    let (_listener, _fillers, url) = full_listener();
    let client = Client::builder()
        .environment(Environment::custom(&url).unwrap())
        .token_provider(StaticToken::new(TOKEN))
        .retry_policy(fast_retries())
        .connect_timeout(Duration::from_millis(200))
        .timeout(Duration::from_secs(3))
        .build()
        .unwrap();
    let create = CreateWebhook::new("https://example.com/hook").unwrap();
    let started = std::time::Instant::now();
    let error = client.webhooks().create(&create).await.unwrap_err();
    assert_eq!(kind(&error), TransportErrorKind::ConnectTimeout, "{error}");
    assert!(error.is_timeout());
    assert_eq!(
        error.attempts(),
        3,
        "nothing was sent, so it is retried: {error}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[maybe_io]
pub(super) async fn a_timeout_after_sending_a_create_is_not_retried() {
    let server = Server::with_default(Reply::Stall);
    let client = Client::builder()
        .environment(Environment::custom(&server.url()).unwrap())
        .token_provider(StaticToken::new(TOKEN))
        .retry_policy(fast_retries())
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let create = CreateWebhook::new("https://example.com/hook").unwrap();
    let error = client.webhooks().create(&create).await.unwrap_err();
    assert_eq!(kind(&error), TransportErrorKind::Timeout, "{error}");
    assert!(error.is_timeout());
    assert_eq!(
        error.attempts(),
        1,
        "the server may have acted on it: {error}"
    );
    assert_eq!(server.request_count(), 1);
}

#[maybe_io]
pub(super) async fn an_https_request_goes_through_the_proxy_it_is_given() {
    let server = TlsServer::start();
    let proxy = Counter::on("127.0.0.2");
    let client = Client::builder()
        .environment(Environment::custom(&server.url()).unwrap())
        .token_provider(StaticToken::new(TOKEN))
        .retry_policy(RetryPolicy::none())
        .timeout(Duration::from_secs(2))
        .proxy(Proxy::url(&format!("http://127.0.0.2:{}", proxy.port)).unwrap())
        .add_root_certificates_pem(&server.ca_pem)
        .build()
        .unwrap();
    // The fake proxy reads the CONNECT and hangs up: the call fails, having gone there.
    let result = client.webhooks().list().await;
    assert!(result.is_err());
    assert_eq!(proxy.count(), 1);
    assert_eq!(server.connections(), 0);
}
