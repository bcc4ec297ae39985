//! The emulator: the client against it once per mode (the cases are in `cases.rs`), its
//! rules over raw HTTP, its deliveries and its delivery log.

mod api;
mod delivery;
mod log;

mod blocking;
#[cfg(feature = "async")]
mod nonblocking;
