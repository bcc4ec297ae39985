//! Hosts, proxies, TLS and timeouts in async mode (see `net/cases.rs`).
#![cfg(feature = "async")]

use maybe_async::must_be_async as maybe_io;
use revolut_webhooks::nonblocking::{Client, RefreshingTokenProvider, TokenProvider};

#[allow(dead_code)]
#[path = "faults/server.rs"]
mod server;

#[path = "net/tls.rs"]
mod tls;

#[macro_use]
#[path = "net/cases.rs"]
mod cases;

macro_rules! tests {
    ($($name:ident),* $(,)?) => {
        $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { cases::$name().await } )*
    };
}

all_cases!(tests);
