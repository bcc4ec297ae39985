//! `Sandbox`: the sandbox's simulations, refused outside the sandbox.

// Part of the I/O shell, included once per mode: see the header of `client.rs`.

use uuid::Uuid;

use super::client::Client;
use super::maybe_io;
use crate::config::Environment;
use crate::error::{Result, ValidationError};
use crate::request::{self, SandboxAction, SandboxTopup, SimulatedTransaction};

impl Client {
    /// The sandbox simulations (top-ups, transfer states). Refused, before any
    /// request, when the client talks to [`Environment::Production`].
    pub fn sandbox(&self) -> Sandbox<'_> {
        Sandbox { client: self }
    }
}

/// The sandbox simulations of a [`Client`], from [`Client::sandbox`]: they make the
/// sandbox (or the emulator) create and change transactions, and deliver the
/// `TransactionCreated` and `TransactionStateChanged` events of real sandbox traffic.
///
/// Neither is safe to repeat, so neither is retried after an ambiguous failure
/// (a timeout, a 500): check the account's transactions before trying again.
#[derive(Debug, Clone, Copy)]
pub struct Sandbox<'a> {
    client: &'a Client,
}

impl Sandbox<'_> {
    fn check(&self) -> Result<()> {
        if *self.client.environment() == Environment::Production {
            return Err(ValidationError::new(
                "environment",
                "sandbox simulations exist only in the sandbox (or an emulator): this client \
                 talks to production, so nothing was sent",
            )
            .into());
        }
        Ok(())
    }
}

#[maybe_io]
impl Sandbox<'_> {
    /// Tops up a sandbox account: `POST /api/1.0/sandbox/topup`.
    pub async fn topup(&self, topup: &SandboxTopup) -> Result<SimulatedTransaction> {
        self.check()?;
        self.client.execute(request::sandbox_topup(topup)).await
    }

    /// Moves a sandbox transfer to a final state:
    /// `POST /api/1.0/sandbox/transactions/{id}/{action}`.
    pub async fn transaction(
        &self,
        id: Uuid,
        action: SandboxAction,
    ) -> Result<SimulatedTransaction> {
        self.check()?;
        self.client
            .execute(request::sandbox_transaction(id, action))
            .await
    }
}
