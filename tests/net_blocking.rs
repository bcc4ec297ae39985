//! Hosts, proxies, TLS and timeouts in blocking mode (see `net/cases.rs`).
#![cfg(feature = "blocking")]

use maybe_async::must_be_sync as maybe_io;
use revolut_webhooks::blocking::{Client, RefreshingTokenProvider, TokenProvider};

#[allow(dead_code)]
#[path = "faults/server.rs"]
mod server;

#[path = "net/tls.rs"]
mod tls;

#[macro_use]
#[path = "net/cases.rs"]
mod cases;

macro_rules! tests {
    ($($name:ident),* $(,)?) => { $( #[test] fn $name() { cases::$name() } )* };
}

all_cases!(tests);
