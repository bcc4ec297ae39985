//! The integration tests, as one binary: each module below was once a test binary of
//! its own, and links the same HTTP stacks; one link instead of two dozen. Tests that
//! need the process to themselves (the global tracing subscriber, the emulator's thread
//! count) are binaries of their own: `tests/tracing/`, `tests/emulator_pool.rs`.

// Each family's `cases.rs` is compiled once per mode, by design (see its wrappers).
#![allow(clippy::duplicate_mod)]

#[cfg(feature = "emulator")]
mod support;

#[cfg(feature = "jwt")]
mod assertion_rs256;
#[cfg(any(feature = "blocking", feature = "async"))]
mod auth;
#[cfg(feature = "axum")]
mod axum_declared_length;
#[cfg(feature = "axum")]
mod axum_delivery;
#[cfg(feature = "axum")]
mod axum_extractor;
// Only with the binary built: `env!("CARGO_BIN_EXE_revolut-webhooks")` needs it.
#[cfg(all(feature = "cli", feature = "emulator"))]
mod cli;
#[cfg(any(feature = "blocking", feature = "async"))]
mod client;
mod delivery_key;
#[cfg(feature = "emulator")]
mod emulator;
mod events;
#[cfg(any(feature = "blocking", feature = "async"))]
mod faults;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod inbox;
// 4 processes of one business against the strict emulator (child runs of this binary).
#[cfg(all(feature = "emulator", feature = "async"))]
mod fleet;
#[cfg(any(feature = "blocking", feature = "async"))]
mod net;
mod no_panic;
// A throw-away PostgreSQL server for the PostgreSQL engine tests.
#[cfg(feature = "postgres")]
mod pg_cluster;
mod redaction;
// The shared token store and rate budget, per mode and engine.
#[cfg(any(feature = "blocking", feature = "async"))]
mod shared;
mod url_rules;
mod verify;
