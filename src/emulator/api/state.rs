//! The emulator's data: webhooks with their secrets, tokens, authorization codes and
//! failed events.

use std::collections::{HashMap, HashSet};

use serde_json::value::RawValue;
use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

use super::token::TOKEN_LIFETIME;
use crate::emulator::{Shared, random_string, truncate_micros};
use crate::models::EventType;

#[derive(Debug, Default)]
pub(crate) struct State {
    pub webhooks: Vec<Hook>,
    /// Access token -> expiry (`None`: never expires).
    pub tokens: HashMap<String, Option<OffsetDateTime>>,
    pub refresh_tokens: HashSet<String>,
    pub codes: HashSet<String>,
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

    pub(super) fn basic(&self) -> Value {
        json!({ "id": self.id, "url": self.url, "events": self.events })
    }

    pub(super) fn with_secret(&self) -> Value {
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

    pub(crate) fn issue_token(&mut self, now: OffsetDateTime) -> String {
        let token = format!("oa_emu_{}", random_string(40));
        self.tokens
            .insert(token.clone(), Some(now + TOKEN_LIFETIME));
        token
    }
}

pub(crate) fn new_secret() -> String {
    format!("wsk_{}", random_string(32))
}

/// Records a final delivery failure.
pub(crate) fn record_failure(
    shared: &Shared,
    webhook_id: Uuid,
    webhook_url: &str,
    payload: &str,
    created_at: OffsetDateTime,
    last_sent: OffsetDateTime,
) -> Option<Uuid> {
    let mut state = shared.lock();
    // A webhook deleted while its event was retried has no failed events to show.
    state.hook(webhook_id)?;
    let payload = RawValue::from_string(payload.to_owned()).ok()?;
    let id = Uuid::new_v4();
    state.failed.push(FailedRecord {
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
