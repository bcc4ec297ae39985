//! The shared-state tests in blocking mode (see `cases.rs`).

use maybe_async::must_be_sync as maybe_io;
use revolut_webhooks::blocking::{Client, RefreshingTokenProvider, TokenProvider};

#[macro_use]
#[path = "cases.rs"]
mod cases;

macro_rules! tests {
    ($($name:ident),* $(,)?) => {
        mod file {
            $( #[test] fn $name() { super::cases::$name(&super::super::Place::file(stringify!($name))) } )*
        }
        #[cfg(feature = "postgres")]
        mod postgres {
            $( #[test] fn $name() { super::cases::$name(&super::super::Place::postgres()) } )*
        }
    };
}

all_cases!(tests);

macro_rules! once {
    ($($name:ident),* $(,)?) => { $( #[test] fn $name() { cases::$name() } )* };
}

mode_cases!(once);
