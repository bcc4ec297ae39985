//! The tracing tests, once per mode (the cases are in `cases.rs`). Alone in their binary:
//! the capturing subscriber is the process's global default, so beside other tests it
//! would record their spans and events too.

// Each family's `cases.rs` is compiled once per mode, by design (see its wrappers).
#![allow(clippy::duplicate_mod)]

#[cfg(all(feature = "tracing", any(feature = "blocking", feature = "async")))]
mod capture;

#[cfg(all(feature = "tracing", feature = "blocking"))]
mod blocking;
#[cfg(all(feature = "tracing", feature = "async"))]
mod nonblocking;
// ureq's own `log` records under the README's recommended directives: a global `log`
// logger of its own, beside the subscriber.
#[cfg(all(feature = "tracing", feature = "blocking"))]
mod transport_logs;
