//! The dispatcher: each subcommand to the module of its family. Nothing else lives
//! here, and no command module imports from it.

use crate::args::{Cli, Command, Format};
use crate::failure::Outcome;
use crate::output::Out;
use crate::{
    completions, emulator, failed, inbox, listen, relay, replay, sandbox, trigger, verify, webhooks,
};

pub(crate) fn run(out: &mut Out, cli: Cli) -> Outcome {
    let json = cli.global.output == Format::Json;
    match cli.command {
        Command::List { api } => webhooks::list(out, json, &api),
        Command::Get {
            id,
            show_secret,
            api,
        } => webhooks::get(out, json, &api, id, show_secret),
        Command::Create {
            url,
            events,
            show_secret,
            api,
        } => webhooks::create(out, json, &api, url, &events, show_secret),
        Command::Update {
            id,
            url,
            events,
            api,
        } => webhooks::update(out, json, &api, id, url, &events),
        Command::Delete { id, api } => webhooks::delete(out, json, &api, id),
        Command::Rotate {
            id,
            expire_after,
            show_secret,
            api,
        } => webhooks::rotate(out, json, &api, id, expire_after.as_deref(), show_secret),
        Command::Failed {
            id,
            all,
            limit,
            before,
            api,
        } => failed::run(out, json, &api, id, all, limit, before),
        Command::Replay(args) => replay::run(out, json, &args),
        Command::Verify(args) => verify::run(out, json, &args),
        Command::Emulator(args) => emulator::run(out, json, &args),
        Command::Trigger(args) => trigger::run(out, json, &args),
        Command::Listen(args) => listen::run(out, json, &args),
        Command::Relay(args) => relay::run(out, json, &args),
        Command::Inbox(args) => inbox::run(out, json, &args),
        Command::Sandbox(args) => sandbox::run(out, json, &args),
        Command::Completions { shell } => completions::run(out, shell),
    }
}
