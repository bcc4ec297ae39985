//! Hosts, proxies, TLS and timeouts in blocking mode (see `cases.rs`).

use maybe_async::must_be_sync as maybe_io;
use revolut_webhooks::blocking::{Client, RefreshingTokenProvider, TokenProvider};

use crate::faults::server;

use super::tls;

#[macro_use]
#[path = "cases.rs"]
mod cases;

macro_rules! tests {
    ($($name:ident),* $(,)?) => { $( #[test] fn $name() { cases::$name() } )* };
}

all_cases!(tests);
