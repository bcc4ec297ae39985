//! The Business API's sandbox simulations: top up an account, move a transfer to a
//! final state. Sandbox only; neither is safe to repeat (a second top-up is a second
//! transaction), so the clients never retry them after an ambiguous failure.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use super::call::{Call, Endpoint};
use crate::error::ValidationError;
use crate::http_types::{Method, Repeat};

fn json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, serde_json::Error> {
    serde_json::from_slice(body)
}

/// Where the simulations live (`/api/1.0`, not the webhooks' `/api/2.0`).
const SANDBOX_PREFIX: &str = "/api/1.0/sandbox/";

/// The largest top-up the sandbox accepts.
pub const MAX_TOPUP_AMOUNT: f64 = 10_000.0;

/// The state a simulated top-up is created in (default `completed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum TopupState {
    /// Pending: complete, revert or fail it later with [`SandboxAction`].
    Pending,
    /// Completed (the default).
    Completed,
    /// Reverted.
    Reverted,
    /// Failed.
    Failed,
}

/// A simulated top-up of a sandbox account: `POST /api/1.0/sandbox/topup`.
///
/// ```
/// use revolut_webhooks::request::{SandboxTopup, TopupState};
///
/// let topup = SandboxTopup::new("e042f1fe-f721-49cc-af82-db7a6c46944f".parse()?, 100.0, "GBP")?
///     .with_reference("Test Top-up")
///     .with_state(TopupState::Pending);
/// assert!(SandboxTopup::new(uuid::Uuid::nil(), 10_000.01, "GBP").is_err());
/// assert!(SandboxTopup::new(uuid::Uuid::nil(), 5.0, "gbp").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SandboxTopup {
    account_id: Uuid,
    amount: f64,
    currency: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    reference: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<TopupState>,
}

impl SandboxTopup {
    /// A top-up of `amount` (more than 0, at most 10,000) in `currency` (ISO 4217,
    /// upper case, the account's) to the account `account_id`.
    pub fn new(account_id: Uuid, amount: f64, currency: &str) -> Result<Self, ValidationError> {
        if !(amount.is_finite() && amount > 0.0 && amount <= MAX_TOPUP_AMOUNT) {
            return Err(ValidationError::new(
                "amount",
                format!("a top-up amount is more than 0 and at most {MAX_TOPUP_AMOUNT}"),
            ));
        }
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(ValidationError::new(
                "currency",
                "a currency is three upper-case letters (ISO 4217), such as GBP",
            ));
        }
        Ok(SandboxTopup {
            account_id,
            amount,
            currency: currency.to_owned(),
            reference: None,
            state: None,
        })
    }

    /// A short description (the sandbox's default is "Test Top-up").
    #[must_use]
    pub fn with_reference(mut self, reference: impl Into<String>) -> Self {
        self.reference = Some(reference.into());
        self
    }

    /// The state to create the transaction in (default completed).
    #[must_use]
    pub fn with_state(mut self, state: TopupState) -> Self {
        self.state = Some(state);
        self
    }
}

/// The final state to move a sandbox transfer to:
/// `POST /api/1.0/sandbox/transactions/{id}/{action}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SandboxAction {
    /// Processed successfully (`completed`).
    Complete,
    /// Reverted by the system or the company (`reverted`).
    Revert,
    /// Declined for a reason such as an insufficient balance (`declined`).
    Decline,
    /// Failed during initiation or completion (`failed`).
    Fail,
}

impl SandboxAction {
    /// The action as the path names it.
    pub fn as_str(&self) -> &'static str {
        match self {
            SandboxAction::Complete => "complete",
            SandboxAction::Revert => "revert",
            SandboxAction::Decline => "decline",
            SandboxAction::Fail => "fail",
        }
    }
}

impl fmt::Display for SandboxAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The sandbox's answer to a simulation.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct SimulatedTransaction {
    /// The id the answer carries: the transaction's (the specification calls a
    /// top-up's the account's).
    pub id: Uuid,
    /// The state now: `pending`, `completed`, `reverted`, `declined` or `failed`.
    pub state: String,
    /// When the transaction was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it was completed, if it was.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub completed_at: Option<OffsetDateTime>,
}

/// Not repeated after an ambiguous failure: a second top-up is a second transaction.
const TOPUP: Endpoint = Endpoint {
    method: Method::Post,
    template: "/sandbox/topup",
    repeat: Repeat::Unsafe {
        on_unknown: "the simulation may have happened (a second top-up would be a second \
                     transaction): it was not sent again, check the account's transactions \
                     before topping up again",
    },
};

/// Not repeated after an ambiguous failure: the transaction may have changed state.
const TRANSACTION: Endpoint = Endpoint {
    method: Method::Post,
    template: "/sandbox/transactions/{id}/{action}",
    repeat: Repeat::Unsafe {
        on_unknown: "the simulation may have happened: it was not sent again, check the \
                     transaction's state before simulating again",
    },
};

/// `POST /api/1.0/sandbox/topup`: tops up a sandbox account (a new transaction,
/// which the sandbox announces with `TransactionCreated`).
pub fn sandbox_topup(topup: &SandboxTopup) -> Call<SimulatedTransaction> {
    let mut call = TOPUP.call_at(format!("{SANDBOX_PREFIX}topup"), json);
    call.request_mut().set_json(topup);
    call
}

/// `POST /api/1.0/sandbox/transactions/{id}/{action}`: moves a sandbox transfer to a
/// final state (announced with `TransactionStateChanged`). A final state cannot change.
pub fn sandbox_transaction(id: Uuid, action: SandboxAction) -> Call<SimulatedTransaction> {
    TRANSACTION.call_at(format!("{SANDBOX_PREFIX}transactions/{id}/{action}"), json)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Environment;
    use crate::request::HttpResponse;

    #[test]
    fn the_requests_are_the_documented_ones() {
        let id: Uuid = "e042f1fe-f721-49cc-af82-db7a6c46944f".parse().unwrap();
        let topup = SandboxTopup::new(id, 100.5, "GBP")
            .unwrap()
            .with_state(TopupState::Pending);
        let call = sandbox_topup(&topup);
        assert_eq!(call.request().method, Method::Post);
        assert_eq!(
            call.request().url(&Environment::Sandbox),
            "https://sandbox-b2b.revolut.com/api/1.0/sandbox/topup"
        );
        let body: serde_json::Value =
            serde_json::from_slice(&call.request().body.as_ref().unwrap().bytes).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"account_id": id, "amount": 100.5, "currency": "GBP", "state": "pending"})
        );
        for action in [
            SandboxAction::Complete,
            SandboxAction::Revert,
            SandboxAction::Decline,
            SandboxAction::Fail,
        ] {
            let call = sandbox_transaction(id, action);
            assert_eq!(
                call.request().path,
                format!("/api/1.0/sandbox/transactions/{id}/{}", action.as_str())
            );
            assert!(matches!(call.repeat(), Repeat::Unsafe { .. }));
            assert!(call.template().contains("{id}"));
        }
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, 10_000.5] {
            assert!(SandboxTopup::new(id, bad, "GBP").is_err(), "{bad}");
        }
        for bad in ["GB", "gbp", "GBPX", "G€P"] {
            assert!(SandboxTopup::new(id, 1.0, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_answer_decodes() {
        let body = br#"{"id":"330953b8-b089-4cfd-9f03-e88173d64248","state":"completed","created_at":"2023-01-23T08:39:35.811005Z","completed_at":"2023-01-23T08:39:35.811005Z"}"#;
        let call = sandbox_transaction(Uuid::nil(), SandboxAction::Complete);
        let answer = call
            .parse(
                &HttpResponse::new(200, body.to_vec()),
                OffsetDateTime::now_utc(),
            )
            .unwrap();
        assert_eq!(answer.state, "completed");
        assert!(answer.completed_at.is_some());
        let pending = br#"{"id":"330953b8-b089-4cfd-9f03-e88173d64248","state":"pending","created_at":"2023-01-23T08:39:35Z"}"#;
        let answer = call
            .parse(
                &HttpResponse::new(200, pending.to_vec()),
                OffsetDateTime::now_utc(),
            )
            .unwrap();
        assert_eq!(answer.completed_at, None);
    }
}
