//! The emulator's data: webhooks with their secrets, tokens, authorization codes and
//! failed events, behind one lock, with the clock every rule reads.
//!
//! The bottom layer: the API's routes and the deliveries both read and change it,
//! and it imports neither.

use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::value::RawValue;
use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

use super::times::truncate_micros;
use crate::clock::Clock;
use crate::models::EventType;

mod rate;
mod tokens;
mod transactions;

pub(crate) use rate::{Limit, REVOLUT_LIMIT, Window};
pub(crate) use tokens::Tokens;
pub(crate) use transactions::{Refusal, Transactions, target_state};

/// How long an access token from the token endpoint is valid by default: 40 minutes
/// (see [`EmulatorBuilder::token_lifetime`](crate::emulator::EmulatorBuilder::token_lifetime)).
pub const ACCESS_TOKEN_LIFETIME: std::time::Duration = std::time::Duration::from_secs(40 * 60);

/// The state and the clock, shared by the server's threads and the deliveries.
pub(crate) struct Store {
    clock: Arc<dyn Clock>,
    state: Mutex<State>,
}

impl Store {
    pub(crate) fn new(clock: Arc<dyn Clock>, state: State) -> Store {
        Store {
            clock,
            state: Mutex::new(state),
        }
    }

    pub(crate) fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        // State changes are single assignments; a panic elsewhere cannot tear them.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[derive(Debug, Default)]
pub(crate) struct State {
    pub webhooks: Vec<Hook>,
    pub tokens: Tokens,
    /// The requests admitted under the rate limit.
    pub rate: Window,
    /// Transactions the sandbox endpoints (and emitted `TransactionCreated` events) made.
    pub transactions: Transactions,
    pub failed: Vec<FailedRecord>,
}

#[derive(Debug, Clone)]
pub(crate) struct Hook {
    pub id: Uuid,
    pub url: String,
    pub events: Vec<EventType>,
    pub secret: String,
    /// Secrets replaced by a rotation with an expiration period, and when they expire.
    pub previous: Vec<(String, OffsetDateTime)>,
}

impl Hook {
    /// Every secret valid at `now`, the current one first.
    pub(crate) fn active_secrets(&self, now: OffsetDateTime) -> Vec<String> {
        std::iter::once(self.secret.clone())
            .chain(
                self.previous
                    .iter()
                    .filter(|(_, until)| *until > now)
                    .map(|(s, _)| s.clone()),
            )
            .collect()
    }

    pub(crate) fn basic(&self) -> Value {
        json!({ "id": self.id, "url": self.url, "events": self.events })
    }

    pub(crate) fn with_secret(&self) -> Value {
        json!({ "id": self.id, "url": self.url, "events": self.events, "signing_secret": self.secret })
    }
}

#[derive(Debug, Clone)]
pub(crate) struct FailedRecord {
    pub id: Uuid,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub webhook_id: Uuid,
    pub webhook_url: String,
    /// The exact delivered body.
    pub payload: Box<RawValue>,
    pub last_sent_date: OffsetDateTime,
}

impl State {
    pub(crate) fn hook(&self, id: Uuid) -> Option<&Hook> {
        self.webhooks.iter().find(|h| h.id == id)
    }

    /// Records a final delivery failure; `None` if the webhook is gone.
    pub(crate) fn record_failure(
        &mut self,
        webhook_id: Uuid,
        webhook_url: &str,
        payload: &str,
        created_at: OffsetDateTime,
        last_sent: OffsetDateTime,
    ) -> Option<Uuid> {
        // A webhook deleted while its event was retried has no failed events to show.
        self.hook(webhook_id)?;
        let payload = RawValue::from_string(payload.to_owned()).ok()?;
        let id = Uuid::new_v4();
        self.failed.push(FailedRecord {
            id,
            created_at: truncate_micros(created_at),
            updated_at: truncate_micros(last_sent),
            webhook_id,
            webhook_url: webhook_url.to_owned(),
            payload,
            last_sent_date: truncate_micros(last_sent),
        });
        Some(id)
    }
}
