//! The `revolut-webhooks` binary, run as a child process against the in-process emulator.

mod fleet;
mod listen;
mod listen_hostile;
mod manage;
mod proxy;
mod relay;
mod replay;
mod setup;
mod trigger;
mod usage;
mod verify;
