//! Transactions the sandbox simulation endpoints create and change, and the one
//! rule they follow: only a pending transaction changes state, and the state it
//! gets is final.

use std::collections::HashMap;

use time::OffsetDateTime;
use uuid::Uuid;

/// Most transactions remembered; the oldest are forgotten first.
pub(crate) const MAX_TRANSACTIONS: usize = 10_000;

#[derive(Debug, Clone)]
pub(crate) struct Transaction {
    pub id: Uuid,
    pub state: String,
    pub request_id: Option<String>,
    pub created_at: OffsetDateTime,
    pub completed_at: Option<OffsetDateTime>,
    /// Insertion order, to forget the oldest.
    seq: u64,
}

/// A simulation action and the state it leads to.
pub(crate) fn target_state(action: &str) -> Option<&'static str> {
    match action {
        "complete" => Some("completed"),
        "revert" => Some("reverted"),
        "decline" => Some("declined"),
        "fail" => Some("failed"),
        _ => None,
    }
}

#[derive(Debug, Default)]
pub(crate) struct Transactions {
    by_id: HashMap<Uuid, Transaction>,
    seq: u64,
}

impl Transactions {
    /// Remembers a transaction unless one with its id is known.
    pub(crate) fn record(
        &mut self,
        id: Uuid,
        state: &str,
        request_id: Option<String>,
        created_at: OffsetDateTime,
    ) {
        if self.by_id.contains_key(&id) {
            return;
        }
        if self.by_id.len() >= MAX_TRANSACTIONS
            && let Some(oldest) = self.by_id.values().min_by_key(|t| t.seq).map(|t| t.id)
        {
            self.by_id.remove(&oldest);
        }
        self.seq += 1;
        self.by_id.insert(
            id,
            Transaction {
                id,
                state: state.to_owned(),
                request_id,
                created_at,
                completed_at: (state == "completed").then_some(created_at),
                seq: self.seq,
            },
        );
    }

    pub(crate) fn get(&self, id: Uuid) -> Option<&Transaction> {
        self.by_id.get(&id)
    }

    /// Moves a pending transaction to `new_state` at `now`; the old state, or why not.
    pub(crate) fn transition(
        &mut self,
        id: Uuid,
        new_state: &str,
        now: OffsetDateTime,
    ) -> Result<String, Refusal> {
        let transaction = self.by_id.get_mut(&id).ok_or(Refusal::Unknown)?;
        if transaction.state != "pending" {
            return Err(Refusal::Final(transaction.state.clone()));
        }
        let old = std::mem::replace(&mut transaction.state, new_state.to_owned());
        if new_state == "completed" {
            transaction.completed_at = Some(now);
        }
        Ok(old)
    }
}

/// Why a transition is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    Unknown,
    /// The transaction is no longer pending: this is its final state.
    Final(String),
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn only_a_pending_transaction_changes_and_only_once() {
        let t0 = datetime!(2026-11-25 12:00 UTC);
        let mut all = Transactions::default();
        let id = Uuid::new_v4();
        all.record(id, "pending", None, t0);
        assert_eq!(all.transition(id, "completed", t0), Ok("pending".into()));
        assert_eq!(all.get(id).unwrap().completed_at, Some(t0));
        assert_eq!(
            all.transition(id, "reverted", t0),
            Err(Refusal::Final("completed".into()))
        );
        assert_eq!(
            all.transition(Uuid::new_v4(), "failed", t0),
            Err(Refusal::Unknown)
        );
        // Recording a known id again changes nothing.
        all.record(id, "pending", None, t0);
        assert_eq!(all.get(id).unwrap().state, "completed");
        assert_eq!(target_state("complete"), Some("completed"));
        assert_eq!(target_state("completed"), None);
    }
}
