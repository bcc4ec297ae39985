//! `sandbox topup | complete | revert | decline | fail`: the sandbox's simulations,
//! which make the sandbox (or the emulator) deliver real transaction events.

use clap::{Args, Subcommand, ValueEnum};
use revolut_webhooks::request::{SandboxAction, SandboxTopup, SimulatedTransaction, TopupState};
use serde_json::json;
use uuid::Uuid;

use crate::args::Api;
use crate::config;
use crate::failure::Outcome;
use crate::failure::{self, Failure};
use crate::output::{self, Out};

#[derive(Debug, Args)]
pub(crate) struct SandboxArgs {
    #[command(subcommand)]
    pub action: SandboxCommand,
}

#[derive(Debug, Subcommand)]
pub(crate) enum SandboxCommand {
    /// Top up a sandbox account: a new transaction (TransactionCreated).
    Topup {
        /// The account to top up.
        #[arg(long, value_name = "ID")]
        account: Uuid,
        /// The amount (more than 0, at most 10000).
        #[arg(long)]
        amount: f64,
        /// The account's currency (ISO 4217, such as GBP).
        #[arg(long)]
        currency: String,
        /// A short description (the sandbox's default: "Test Top-up").
        #[arg(long)]
        reference: Option<String>,
        /// The state to create the transaction in (default completed).
        #[arg(long, value_enum)]
        state: Option<StateArg>,
        #[command(flatten)]
        api: Api,
    },
    /// Complete a sandbox transfer (TransactionStateChanged to completed).
    Complete(TransactionArgs),
    /// Revert a sandbox transfer.
    Revert(TransactionArgs),
    /// Decline a sandbox transfer.
    Decline(TransactionArgs),
    /// Fail a sandbox transfer.
    Fail(TransactionArgs),
}

#[derive(Debug, Args)]
pub(crate) struct TransactionArgs {
    /// The transfer's id.
    pub id: Uuid,
    #[command(flatten)]
    pub api: Api,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum StateArg {
    Pending,
    Completed,
    Reverted,
    Failed,
}

pub(crate) fn run(out: &mut Out, json: bool, args: &SandboxArgs) -> Outcome {
    let answer = match &args.action {
        SandboxCommand::Topup {
            account,
            amount,
            currency,
            reference,
            state,
            api,
        } => {
            let mut topup = SandboxTopup::new(*account, *amount, currency)
                .map_err(|e| Failure::usage(e.to_string()))?;
            if let Some(reference) = reference {
                topup = topup.with_reference(reference);
            }
            if let Some(state) = state {
                topup = topup.with_state(match state {
                    StateArg::Pending => TopupState::Pending,
                    StateArg::Completed => TopupState::Completed,
                    StateArg::Reverted => TopupState::Reverted,
                    StateArg::Failed => TopupState::Failed,
                });
            }
            client(api)?.sandbox().topup(&topup)
        }
        SandboxCommand::Complete(t) => transaction(t, SandboxAction::Complete)?,
        SandboxCommand::Revert(t) => transaction(t, SandboxAction::Revert)?,
        SandboxCommand::Decline(t) => transaction(t, SandboxAction::Decline)?,
        SandboxCommand::Fail(t) => transaction(t, SandboxAction::Fail)?,
    };
    print(out, json, &answer?)?;
    Ok(failure::OK)
}

fn transaction(
    args: &TransactionArgs,
    action: SandboxAction,
) -> Result<revolut_webhooks::Result<SimulatedTransaction>, Failure> {
    Ok(client(&args.api)?.sandbox().transaction(args.id, action))
}

/// The client, refused for production before any request (and before credentials
/// are even looked at).
fn client(api: &Api) -> Result<revolut_webhooks::blocking::Client, Failure> {
    let environment = config::environment(&api.environment)?;
    if environment == revolut_webhooks::Environment::Production {
        return Err(Failure::usage(
            "sandbox simulations exist only in the sandbox or an emulator: pass \
             --environment sandbox (or an emulator's URL); nothing was sent",
        ));
    }
    config::client(api)
}

fn print(out: &mut Out, json: bool, answer: &SimulatedTransaction) -> Result<(), Failure> {
    if json {
        return out.json(&json!({
            "id": answer.id,
            "state": answer.state,
            "created_at": output::time(answer.created_at),
            "completed_at": answer.completed_at.map(output::time),
        }));
    }
    out.line(format_args!("{} {}", answer.id, answer.state))
}
