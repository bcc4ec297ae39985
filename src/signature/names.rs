//! The names and defaults of the scheme: its headers, its version, the secrets' prefix.
//!
//! A leaf: reading headers, signing and the errors all name these, and none of them
//! needs another for it.

use std::time::Duration;

/// The header that carries the delivery time, in milliseconds since the Unix epoch.
///
/// HTTP header names are case-insensitive; compare them as such.
pub const TIMESTAMP_HEADER: &str = "Revolut-Request-Timestamp";

/// The header that carries the `v1=<hex>` signature(s).
///
/// HTTP header names are case-insensitive; compare them as such.
pub const SIGNATURE_HEADER: &str = "Revolut-Signature";

/// How far the delivery timestamp may be from now, either way, by default: 5 minutes, as
/// Revolut recommends.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(5 * 60);

/// The prefix every Revolut webhook signing secret starts with.
pub const SECRET_PREFIX: &str = "wsk_";

/// The signature scheme version this crate understands.
pub(super) const VERSION: &str = "v1";
