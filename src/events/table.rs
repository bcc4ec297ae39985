//! The one table of event types, which `EventType` and `EventData` are generated from.
//!
//! A leaf of its own, so that `mod.rs` and `event_type.rs` both read it without
//! importing each other.

/// The event types this crate knows, in the API's order: one row each, the single list
/// every `match` on event types is generated from.
///
/// A row is the variant's docs in [`EventType`], the variant (the same name in
/// [`EventType`] and [`EventData`]), its wire name, and, in braces, the variant's docs in
/// [`EventData`] and the type its `data` is read as. `event_table!(then)` hands the rows
/// to the macro `then`: `event_type!` makes `EventType` of them, `event_data!` below
/// makes `EventData` and the reading of `data` (in `mod.rs`). A new event type is a row here, its data
/// type, and its sample in the emulator (`Event::sample`, whose `match` does not compile
/// without it).
macro_rules! event_table {
    ($then:ident) => {
        $then! {
            /// A transaction was created (`TransactionCreated`).
            TransactionCreated = "TransactionCreated" => {
                /// `TransactionCreated`: the new transaction (boxed: it is much larger than the
                /// other variants).
                Box<Transaction>
            }
            /// A transaction changed state (`TransactionStateChanged`).
            TransactionStateChanged = "TransactionStateChanged" => {
                /// `TransactionStateChanged`.
                TransactionStateChanged
            }
            /// A payout link was created (`PayoutLinkCreated`).
            PayoutLinkCreated = "PayoutLinkCreated" => {
                /// `PayoutLinkCreated` (shape unconfirmed, read leniently).
                PayoutLinkCreated
            }
            /// A payout link changed state (`PayoutLinkStateChanged`).
            PayoutLinkStateChanged = "PayoutLinkStateChanged" => {
                /// `PayoutLinkStateChanged`.
                PayoutLinkStateChanged
            }
        }
    };
}
pub(super) use event_table;
