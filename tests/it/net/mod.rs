//! Hosts, proxies, TLS and timeouts, once per mode (the cases are in `cases.rs`).

mod tls;

#[cfg(feature = "blocking")]
mod blocking;
#[cfg(feature = "async")]
mod nonblocking;
