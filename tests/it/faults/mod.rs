//! The fault-injection suite, once per mode (the cases are in `cases.rs`), and its
//! server, which the auth and net tests use too.

pub(crate) mod server;

#[cfg(feature = "blocking")]
mod blocking;
#[cfg(feature = "async")]
mod nonblocking;
