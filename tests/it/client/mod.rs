//! The client, once per mode (the cases are in `cases.rs`).

#[cfg(feature = "blocking")]
mod blocking;
#[cfg(feature = "async")]
mod nonblocking;
