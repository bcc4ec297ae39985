//! The `revolut-webhooks` binary, run as a child process against the in-process emulator.

mod commands;
mod fleet;
mod listen;
mod trigger;
