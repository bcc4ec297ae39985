//! Payout links: the data of `PayoutLinkCreated` and `PayoutLinkStateChanged` events.

use serde::{Deserialize, Serialize};

use super::open_enum::open_enum;

open_enum! {
    /// The state of a payout link (`PayoutLinkState` in the API).
    pub enum PayoutLinkState {
        /// Created, amount not yet blocked (`created`).
        Created = "created",
        /// Could not be generated (`failed`).
        Failed = "failed",
        /// Awaiting approval (`awaiting`).
        Awaiting = "awaiting",
        /// Can be redeemed (`active`).
        Active = "active",
        /// Not claimed before its expiry date (`expired`).
        Expired = "expired",
        /// Cancelled (`cancelled`).
        Cancelled = "cancelled",
        /// Redeemed, being processed (`processing`).
        Processing = "processing",
        /// Redeemed, money transferred (`processed`).
        Processed = "processed",
    }
}

/// The data of a `PayoutLinkStateChanged` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PayoutLinkStateChanged {
    /// The payout link's ID.
    pub id: String,
    /// The request ID given when the link was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The state before.
    pub old_state: PayoutLinkState,
    /// The state now.
    pub new_state: PayoutLinkState,
}

/// The data of a `PayoutLinkCreated` event.
///
/// Revolut has not published this event's shape; these fields are the best evidence
/// available, so all are optional, and every other field is kept in
/// [`other`](PayoutLinkCreated::other).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PayoutLinkCreated {
    /// The payout link's ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Its state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<PayoutLinkState>,
    /// The request ID given when the link was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Every other field, as JSON.
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}
