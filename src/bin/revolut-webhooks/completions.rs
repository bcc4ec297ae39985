//! `completions`: a shell completion script generated from the clap definition.

use crate::args::Cli;
use crate::failure;
use crate::failure::Outcome;
use crate::output::Out;

pub(crate) fn run(out: &mut Out, shell: clap_complete::Shell) -> Outcome {
    let mut script = Vec::new();
    clap_complete::generate(
        shell,
        &mut <Cli as clap::CommandFactory>::command(),
        "revolut-webhooks",
        &mut script,
    );
    out.bytes(&script)?;
    Ok(failure::OK)
}
