//! Hosts, proxies, TLS and timeouts in async mode (see `cases.rs`).

use maybe_async::must_be_async as maybe_io;
use revolut_webhooks::nonblocking::{Client, RefreshingTokenProvider, TokenProvider};

use crate::faults::server;

use super::tls;

#[macro_use]
#[path = "cases.rs"]
mod cases;

macro_rules! tests {
    ($($name:ident),* $(,)?) => {
        $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { cases::$name().await } )*
    };
}

all_cases!(tests);
