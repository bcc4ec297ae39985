//! [`DeliveryKey`]: one stable name per event, equal for every delivery of it.
//!
//! Revolut's deliveries carry no event id, and one event can reach a receiver several
//! times: live, up to three retries, and again when it is replayed from the failed-events
//! list (where it has a *failed-event* id that the live delivery never showed). The key is
//! derived from the event's own fields, so all of those agree on it, even if the bodies
//! differ in key order or whitespace.
//!
//! The derivation is documented on [`DeliveryKey`], where users read it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use sha2::{Digest, Sha256};
use time::{OffsetDateTime, UtcOffset};

use super::{EventData, EventParseError, WebhookEvent};
use crate::encoding::{base64url, base64url_decode};

/// The version prefix of the keys this crate makes.
const PREFIX: &str = "v1:";
/// Bytes of the SHA-256 kept: 128 bits, far beyond any collision in one inbox.
const HASH_BYTES: usize = 16;
/// The first field of every version-1 encoding.
const DOMAIN: &str = "revolut-webhooks/delivery-key/v1";

/// The stable key of one event: equal for its live delivery, Revolut's retries of it, its
/// payload in the failed-events list and a replay of it; different for different events.
///
/// Its text form never changes meaning: store it, index it, pass it on as an
/// `Idempotency-Key`. `Display`, `FromStr`, `Serialize` and `Deserialize` use the text
/// form.
///
/// # The text form (stable: store it)
///
/// `v1:` followed by 22 base64url characters (no padding): the first 16 bytes (128 bits) of
/// the SHA-256 of the event's canonical encoding, e.g. `v1:Zx4m2v0b1kqQ9Xw7Jt3hOA`. What a
/// version means never changes; a different derivation would be `v2:`, and this crate
/// would keep reading `v1:` keys.
///
/// Version 1's canonical encoding is a sequence of fields, each written as its length in
/// bytes (4 bytes, big-endian) followed by its UTF-8 bytes:
///
/// 1. `revolut-webhooks/delivery-key/v1`;
/// 2. for an event type this crate knows, with an object id: `typed`, then the event
///    type's name (`TransactionStateChanged`), the event's `timestamp` normalised to UTC
///    with nine fractional digits (`2023-05-09T16:36:38.028960000Z`, so `…Z` and
///    `…+00:00`, or `.5` and `.500`, agree), `data.id`, and for a state change
///    `data.old_state` and `data.new_state` (so the two state changes of one transaction
///    differ, even at one timestamp);
/// 3. otherwise (an event type this crate does not know, or a `PayoutLinkCreated` without
///    an id): `payload`, then the event type's name, the normalised timestamp, and the
///    canonical JSON of `data`: object keys sorted by their UTF-8 bytes, no whitespace,
///    strings as serde_json escapes them, integers (and floats with an integral value
///    below 2^53) in decimal without a fraction, other numbers in Rust's shortest
///    round-trip form.
///
/// ```
/// use revolut_webhooks::events::{DeliveryKey, WebhookEvent};
///
/// let live = br#"{"data":{"id":"645a7696-22f3-aa47-9c74-cbae0449cc46","new_state":"completed","old_state":"pending"},"event":"TransactionStateChanged","timestamp":"2023-05-09T16:36:38.028960Z"}"#;
/// // The same event, fields reordered, spaced out, timestamp written another way.
/// let retry = br#"{ "event": "TransactionStateChanged", "timestamp": "2023-05-09T16:36:38.02896+00:00",
///                   "data": { "old_state": "pending", "new_state": "completed", "id": "645a7696-22f3-aa47-9c74-cbae0449cc46" } }"#;
/// let key = DeliveryKey::from_body(live)?;
/// assert_eq!(key, DeliveryKey::from_body(retry)?);
/// assert!(key.as_str().starts_with("v1:"));
/// assert_eq!(key, key.as_str().parse::<DeliveryKey>()?);
/// assert_eq!(key, WebhookEvent::from_slice(live)?.delivery_key());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DeliveryKey(String);

/// Why a text is not a [`DeliveryKey`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DeliveryKeyParseError {
    /// It does not start with a version this crate knows (`v1:`).
    #[error("not a delivery key: expected the prefix `v1:`")]
    UnknownVersion,
    /// The part after the prefix is not 22 base64url characters.
    #[error("not a delivery key: expected 22 base64url characters after `v1:`")]
    Malformed,
}

impl DeliveryKey {
    /// The key of a parsed event.
    pub fn of_event(event: &WebhookEvent) -> DeliveryKey {
        let mut enc = Encoder::new();
        let timestamp = normalised_timestamp(event.timestamp);
        match typed_fields(&event.data) {
            Some((id, states)) => {
                enc.field("typed");
                enc.field(event.event.as_str());
                enc.field(&timestamp);
                enc.field(id);
                if let Some((old, new)) = states {
                    enc.field(old);
                    enc.field(new);
                }
            }
            None => {
                enc.field("payload");
                enc.field(event.event.as_str());
                enc.field(&timestamp);
                enc.field(&canonical_data(&event.data));
            }
        }
        enc.finish()
    }

    /// The key of a delivery's raw body (or any event envelope's JSON).
    ///
    /// # Errors
    ///
    /// The body is not an event this crate can read (see [`WebhookEvent::from_slice`]).
    pub fn from_body(body: &[u8]) -> Result<DeliveryKey, EventParseError> {
        WebhookEvent::from_slice(body).map(|event| DeliveryKey::of_event(&event))
    }

    /// A key read from a store this crate wrote, kept as it is.
    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    pub(crate) fn unchecked(text: String) -> DeliveryKey {
        DeliveryKey(text)
    }

    /// The text form, `v1:…`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl WebhookEvent {
    /// This event's [`DeliveryKey`].
    pub fn delivery_key(&self) -> DeliveryKey {
        DeliveryKey::of_event(self)
    }

    /// The id of the object the event is about (`data.id`: the transaction or payout
    /// link), when it has one; for an event type this crate does not know, `data.id`
    /// if it is a string.
    pub fn object_id(&self) -> Option<String> {
        match &self.data {
            EventData::Unknown(raw) => {
                #[derive(Deserialize)]
                struct WithId {
                    id: Option<String>,
                }
                serde_json::from_str::<WithId>(raw.get()).ok()?.id
            }
            data => typed_fields(data).map(|(id, _)| id.to_owned()),
        }
    }
}

/// The object id and state change of a known event type, when it has an id.
fn typed_fields(data: &EventData) -> Option<(&str, Option<(&str, &str)>)> {
    match data {
        EventData::TransactionCreated(tx) => Some((&tx.id, None)),
        EventData::TransactionStateChanged(c) => {
            Some((&c.id, Some((c.old_state.as_str(), c.new_state.as_str()))))
        }
        EventData::PayoutLinkStateChanged(c) => {
            Some((&c.id, Some((c.old_state.as_str(), c.new_state.as_str()))))
        }
        EventData::PayoutLinkCreated(p) => p.id.as_deref().map(|id| (id, None)),
        EventData::Unknown(_) => None,
    }
}

/// UTC, nine fractional digits: one spelling per instant.
fn normalised_timestamp(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.nanosecond()
    )
}

/// The canonical JSON of an event's data (see the module docs).
fn canonical_data(data: &EventData) -> String {
    let value = match data {
        EventData::Unknown(raw) => serde_json::from_str::<Value>(raw.get()),
        other => serde_json::to_value(other),
    }
    // Data that was read from JSON always reads and writes back as JSON; should it ever
    // not, `null` still yields a key (the type and timestamp still take part).
    .unwrap_or(Value::Null);
    let mut out = String::new();
    write_canonical(&value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(n, out),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            // Sorted here, whatever order the map keeps (serde_json's `preserve_order`
            // may be on in a program that uses this crate).
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(k, out);
                out.push(':');
                write_canonical(v, out);
            }
            out.push('}');
        }
    }
}

fn write_string(s: &str, out: &mut String) {
    // serde_json's escaping of a `&str` cannot fail.
    out.push_str(&serde_json::to_string(s).unwrap_or_default());
}

fn write_number(n: &serde_json::Number, out: &mut String) {
    use fmt::Write as _;
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if let Some(i) = n.as_i64() {
        let _ = write!(out, "{i}");
    } else if let Some(u) = n.as_u64() {
        let _ = write!(out, "{u}");
    } else if let Some(f) = n.as_f64() {
        if f.fract() == 0.0 && f.abs() < EXACT {
            // `1.0` and `1` are one number; `as` is exact below 2^53.
            let _ = write!(out, "{}", f as i64);
        } else {
            let _ = write!(out, "{f:?}");
        }
    } else {
        out.push_str(&n.to_string());
    }
}

/// Length-prefixed fields into SHA-256.
struct Encoder(Sha256);

impl Encoder {
    fn new() -> Self {
        let mut enc = Encoder(Sha256::new());
        enc.field(DOMAIN);
        enc
    }

    fn field(&mut self, text: &str) {
        // A field longer than 4 GiB cannot come from a delivery; saturating keeps it total.
        let len = u32::try_from(text.len()).unwrap_or(u32::MAX);
        self.0.update(len.to_be_bytes());
        self.0.update(text.as_bytes());
    }

    fn finish(self) -> DeliveryKey {
        let digest = self.0.finalize();
        let mut text = String::with_capacity(PREFIX.len() + 22);
        text.push_str(PREFIX);
        text.push_str(&base64url(&digest[..HASH_BYTES]));
        DeliveryKey(text)
    }
}

impl fmt::Display for DeliveryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for DeliveryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DeliveryKey({})", self.0)
    }
}

impl AsRef<str> for DeliveryKey {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl FromStr for DeliveryKey {
    type Err = DeliveryKeyParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let rest = s
            .strip_prefix(PREFIX)
            .ok_or(DeliveryKeyParseError::UnknownVersion)?;
        // 22 characters of base64url are 16 bytes and 4 spare bits, which must be zero
        // for the text to be the one this crate writes.
        let bytes = (rest.len() == 22)
            .then(|| base64url_decode(rest))
            .flatten()
            .filter(|b| b.len() == HASH_BYTES)
            .ok_or(DeliveryKeyParseError::Malformed)?;
        if base64url(&bytes) != rest {
            return Err(DeliveryKeyParseError::Malformed);
        }
        Ok(DeliveryKey(s.to_owned()))
    }
}

impl Serialize for DeliveryKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for DeliveryKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(body: &str) -> DeliveryKey {
        DeliveryKey::from_body(body.as_bytes()).unwrap()
    }

    #[test]
    fn text_form_is_v1_and_22_characters() {
        let k = key(
            r#"{"event":"TransactionCreated","timestamp":"2026-01-01T00:00:00Z","data":{"id":"t1","type":"transfer","state":"pending","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","legs":[]}}"#,
        );
        assert_eq!(k.as_str().len(), 25, "{k}");
        assert!(k.as_str().starts_with("v1:"));
        assert_eq!(k.as_str().parse::<DeliveryKey>().unwrap(), k);
    }

    /// The text of a known event's key is pinned: users store it, so a change of the
    /// derivation must fail here (and become `v2:`).
    #[test]
    fn v1_keys_never_change() {
        let state_change = key(
            r#"{"data":{"id":"645a7696-22f3-aa47-9c74-cbae0449cc46","new_state":"completed","old_state":"pending","request_id":"app_charges-1"},"event":"TransactionStateChanged","timestamp":"2023-05-09T16:36:38.028960Z"}"#,
        );
        let unknown = key(
            r#"{"event":"CardCreated","timestamp":"2026-01-01T00:00:00Z","data":{"id":"c1","n":1.0}}"#,
        );
        assert_eq!(state_change.as_str(), PINNED_STATE_CHANGE);
        assert_eq!(unknown.as_str(), PINNED_UNKNOWN);
    }
    // Computed independently (Python: hashlib, struct.pack(">I"), urlsafe_b64encode).
    const PINNED_STATE_CHANGE: &str = "v1:EycxlBMimwWriL_pmUvFNg";
    const PINNED_UNKNOWN: &str = "v1:fvgf06wjdtDcKoEsF7CsNA";

    #[test]
    fn timestamp_spellings_agree() {
        let a = key(
            r#"{"event":"CardCreated","timestamp":"2026-01-01T00:00:00.5Z","data":{"id":"c1"}}"#,
        );
        let b = key(
            r#"{"event":"CardCreated","timestamp":"2026-01-01T01:00:00.500+01:00","data":{"id":"c1"}}"#,
        );
        assert_eq!(a, b);
    }

    #[test]
    fn numbers_are_canonical() {
        let a = key(r#"{"event":"X","timestamp":"2026-01-01T00:00:00Z","data":{"n":1.0}}"#);
        let b = key(r#"{"event":"X","timestamp":"2026-01-01T00:00:00Z","data":{"n":1}}"#);
        let c = key(r#"{"event":"X","timestamp":"2026-01-01T00:00:00Z","data":{"n":1.5}}"#);
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn object_ids() {
        let e = WebhookEvent::from_json(
            r#"{"event":"CardCreated","timestamp":"2026-01-01T00:00:00Z","data":{"id":"c1"}}"#,
        )
        .unwrap();
        assert_eq!(e.object_id().as_deref(), Some("c1"));
        let e = WebhookEvent::from_json(
            r#"{"event":"CardCreated","timestamp":"2026-01-01T00:00:00Z","data":[1]}"#,
        )
        .unwrap();
        assert_eq!(e.object_id(), None);
    }

    #[test]
    fn parse_refuses_other_texts() {
        for bad in [
            "",
            "v1:",
            "v2:AAAAAAAAAAAAAAAAAAAAAA",
            "v1:AAAAAAAAAAAAAAAAAAAAA",
            "v1:AAAAAAAAAAAAAAAAAAAAA!",
            "v1:AAAAAAAAAAAAAAAAAAAAAB",
            "v1:AAAAAAAAAAAAAAAAAAAAAAA",
        ] {
            assert!(bad.parse::<DeliveryKey>().is_err(), "{bad}");
        }
        assert!("v1:AAAAAAAAAAAAAAAAAAAAAA".parse::<DeliveryKey>().is_ok());
    }
}
