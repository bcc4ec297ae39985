//! The shared-state tests in async mode (see `cases.rs`).

use maybe_async::must_be_async as maybe_io;
use revolut_webhooks::nonblocking::{Client, RefreshingTokenProvider, TokenProvider};

#[macro_use]
#[path = "cases.rs"]
mod cases;

macro_rules! tests {
    ($($name:ident),* $(,)?) => {
        mod file {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::cases::$name(&super::super::Place::file(stringify!($name))).await } )*
        }
        #[cfg(feature = "postgres")]
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::cases::$name(&super::super::Place::postgres()).await } )*
        }
    };
}

all_cases!(tests);

macro_rules! once {
    ($($name:ident),* $(,)?) => { $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { cases::$name().await } )* };
}

mode_cases!(once);
