//! The emulator: the client against it once per mode (the cases are in `cases.rs`), its
//! rules over raw HTTP (`api`, `token`, `http`, sharing `harness`), its deliveries and
//! its delivery log and control routes.

mod api;
mod delivery;
mod edges;
mod harness;
mod http;
mod log;
mod strict;
mod token;
mod unreliable;

mod blocking;
#[cfg(feature = "async")]
mod nonblocking;
