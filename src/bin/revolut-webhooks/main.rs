//! `revolut-webhooks`: manage, inspect, verify and replay Revolut Business webhooks
//! from a shell. Built with `cargo install revolut-webhooks --features cli`.
//!
//! Exit codes: 0 success, 1 API error, 2 usage error, 3 authentication error,
//! 4 verification failed, 5 partial replay, 6 a triggered delivery failed,
//! 130 replay interrupted (Ctrl-C), 141 replay stopped by a closed standard output.

mod agent;
mod args;
mod commands;
mod completions;
mod config;
mod emulator;
mod event_range;
mod failed;
mod failure;
mod human;
mod inbox;
mod listen;
mod output;
mod relay;
mod replay;
mod sandbox;
mod time_arg;
mod trigger;
mod verify;
mod webhooks;

use std::process::ExitCode;

use clap::Parser;

use args::Cli;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version print to stdout and exit 0; real usage errors exit 2.
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(failure::USAGE)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let verbose = cli.global.verbose;
    let mut out = output::Out::new();
    match commands::run(&mut out, cli).and_then(|code| out.flush().map(|()| code)) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            if !failure.quiet {
                output::note(format_args!("error: {}", failure.line(verbose)));
            }
            ExitCode::from(failure.code)
        }
    }
}
