//! What a shared state holds, and the decisions taken on it, without I/O: when a stored
//! token may be used, whether a rate slot is free, and the file engine's encoding.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::auth::{AccessToken, RefreshToken, TokenSet};

/// The token set of one business, as stored, with what a reader needs to decide.
/// `Debug` shows no token.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct StoredTokens {
    /// The refresh token to use next; `None` before any process stored one.
    pub(crate) refresh_token: Option<RefreshToken>,
    /// The access token and its expiry, if one was stored.
    pub(crate) access: Option<(AccessToken, OffsetDateTime)>,
    /// When the process that stored the access token received it (its clock).
    pub(crate) obtained_at: Option<OffsetDateTime>,
    /// Bumped by every write: a reader tells a new token set from the one it saw.
    pub(crate) generation: u64,
}

impl StoredTokens {
    /// The token set just received from the token endpoint, one generation after `previous`.
    pub(crate) fn after(
        previous: Option<&StoredTokens>,
        tokens: &TokenSet,
        now: OffsetDateTime,
    ) -> Self {
        StoredTokens {
            refresh_token: Some(tokens.refresh_token.clone()),
            access: Some((tokens.access_token.clone(), tokens.expires_at)),
            obtained_at: Some(now),
            generation: previous.map_or(0, |p| p.generation).wrapping_add(1),
        }
    }

    /// The whole token set, when an access token is stored.
    pub(crate) fn token_set(&self) -> Option<TokenSet> {
        let (access, expires_at) = self.access.clone()?;
        let refresh = self.refresh_token.clone()?;
        Some(TokenSet::new(access, refresh, expires_at))
    }

    /// Whether the stored access token may be sent at `now`: stored, not the one
    /// the API just rejected, and not yet due for a refresh.
    pub(crate) fn usable(
        &self,
        now: OffsetDateTime,
        margin: time::Duration,
        rejected: Option<&AccessToken>,
    ) -> bool {
        let Some((access, expires_at)) = &self.access else {
            return false;
        };
        if rejected.is_some_and(|r| r == access) {
            return false;
        }
        let obtained_at = self.obtained_at.unwrap_or(*expires_at);
        now < refresh_at(*expires_at, obtained_at, margin)
    }
}

impl std::fmt::Debug for StoredTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredTokens")
            .field("has_refresh_token", &self.refresh_token.is_some())
            .field("expires_at", &self.access.as_ref().map(|a| a.1))
            .field("obtained_at", &self.obtained_at)
            .field("generation", &self.generation)
            .finish()
    }
}

/// When to refresh a token that expires at `expires_at` and was received at
/// `obtained_at`: `margin` ahead, but never more than half-way through a short-lived
/// token. Counted from when it was received, not from now, so that every process
/// reading it from the store agrees on the instant (counted from now, "half of what
/// is left" never arrives).
pub(crate) fn refresh_at(
    expires_at: OffsetDateTime,
    obtained_at: OffsetDateTime,
    margin: time::Duration,
) -> OffsetDateTime {
    let ahead = margin
        .min((expires_at - obtained_at) / 2)
        .max(time::Duration::ZERO);
    expires_at - ahead
}

/// One held slot of a shared rate budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Slot {
    /// Names the slot, so that its holder can release it.
    pub(crate) id: u64,
    /// When the slot frees, in milliseconds on the engine's clock.
    pub(crate) holds_until_ms: i64,
    /// Whether its request's answer has not arrived yet.
    pub(crate) in_flight: bool,
}

/// The shortest wait handed out, so a waiter never spins.
const MIN_WAIT: Duration = Duration::from_millis(1);

/// Drops the slots that have freed by `now_ms`, then says whether one more may be
/// taken (`Ok`), or how long at the least until one may be free, as the in-process
/// limiter does: the earliest release among answered requests, or a whole `per`
/// when every slot is held by a request still in flight.
pub(crate) fn decide_slot(
    slots: &mut Vec<Slot>,
    now_ms: i64,
    requests: usize,
    per: Duration,
) -> Result<(), Duration> {
    slots.retain(|s| s.holds_until_ms > now_ms);
    if slots.len() < requests {
        return Ok(());
    }
    let wait = slots
        .iter()
        .filter(|s| !s.in_flight)
        .map(|s| s.holds_until_ms)
        .min()
        .map_or(per, |free| {
            Duration::from_millis(u64::try_from(free.saturating_sub(now_ms)).unwrap_or(0))
        });
    Err(wait.max(MIN_WAIT))
}

/// When a slot taken or answered at `now_ms` frees, `d` later. `now_ms` is the
/// clock truncated to the millisecond, so the real instant may be up to a
/// millisecond later: one more keeps the slot held for the whole of `d`, never less.
pub(crate) fn hold_until(now_ms: i64, d: Duration) -> i64 {
    now_ms.saturating_add(millis(d)).saturating_add(1)
}

/// Milliseconds in a duration, saturated, for slot arithmetic.
pub(crate) fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// The file engine's token file (JSON). Times in Unix milliseconds.
#[derive(Serialize, Deserialize)]
struct TokenFile {
    version: u32,
    refresh_token: Option<String>,
    access_token: Option<String>,
    expires_at_ms: Option<i64>,
    obtained_at_ms: Option<i64>,
    generation: u64,
}

/// The file engine's slot file (JSON).
#[derive(Debug, Serialize, Deserialize, Default)]
pub(crate) struct SlotFile {
    pub(crate) slots: Vec<Slot>,
}

const VERSION: u32 = 1;

pub(crate) fn unix_ms(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

pub(crate) fn from_unix_ms(ms: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()
}

/// The token file's bytes.
pub(crate) fn encode_tokens(stored: &StoredTokens) -> Vec<u8> {
    let file = TokenFile {
        version: VERSION,
        refresh_token: stored
            .refresh_token
            .as_ref()
            .map(|r| r.expose_secret().to_owned()),
        access_token: stored
            .access
            .as_ref()
            .map(|a| a.0.expose_secret().to_owned()),
        expires_at_ms: stored.access.as_ref().map(|a| unix_ms(a.1)),
        obtained_at_ms: stored.obtained_at.map(unix_ms),
        generation: stored.generation,
    };
    // Strings and integers only: serializing cannot fail.
    serde_json::to_vec(&file).unwrap_or_default()
}

/// Reads a token file. The error says where the text went wrong, never what it
/// held: serde's messages may quote a value, and the value may be a token.
pub(crate) fn decode_tokens(bytes: &[u8]) -> Result<StoredTokens, String> {
    let file: TokenFile = serde_json::from_slice(bytes).map_err(|e| {
        format!(
            "it is not a token file of this crate ({:?} error at line {}, column {})",
            e.classify(),
            e.line(),
            e.column()
        )
    })?;
    if file.version != VERSION {
        return Err(format!("its version {} is not {VERSION}", file.version));
    }
    let access = match (file.access_token, file.expires_at_ms) {
        (Some(token), Some(ms)) => Some((
            AccessToken::new(token),
            from_unix_ms(ms).ok_or("its expiry is out of range")?,
        )),
        (None, _) => None,
        (Some(_), None) => return Err("it holds an access token without its expiry".into()),
    };
    Ok(StoredTokens {
        refresh_token: file.refresh_token.map(RefreshToken::new),
        access,
        obtained_at: file.obtained_at_ms.and_then(from_unix_ms),
        generation: file.generation,
    })
}

/// Reads a slot file; the error never quotes its content.
pub(crate) fn decode_slots(bytes: &[u8]) -> Result<SlotFile, String> {
    serde_json::from_slice(bytes).map_err(|e| {
        format!(
            "it is not a rate-slot file of this crate ({:?} error at line {}, column {})",
            e.classify(),
            e.line(),
            e.column()
        )
    })
}

pub(crate) fn encode_slots(file: &SlotFile) -> Vec<u8> {
    serde_json::to_vec(file).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const S: Duration = Duration::from_secs(1);

    fn set(access: &str, expires_at: OffsetDateTime) -> TokenSet {
        TokenSet::new(
            AccessToken::new(access),
            RefreshToken::new("r-secret"),
            expires_at,
        )
    }

    #[test]
    fn a_stored_token_is_due_at_the_same_instant_for_every_reader() {
        let t0 = datetime!(2026-01-01 0:00 UTC);
        let stored = StoredTokens::after(None, &set("a", t0 + time::Duration::seconds(4)), t0);
        let margin = time::Duration::seconds(60);
        // Short-lived: due half-way, at 2 s, whoever reads it and whenever.
        assert!(stored.usable(t0 + time::Duration::milliseconds(1999), margin, None));
        assert!(!stored.usable(t0 + time::Duration::seconds(2), margin, None));
        assert!(!stored.usable(t0 + time::Duration::seconds(3), margin, None));
        // A long-lived one: `margin` ahead.
        let long = StoredTokens::after(None, &set("a", t0 + time::Duration::minutes(40)), t0);
        assert!(long.usable(t0 + time::Duration::minutes(38), margin, None));
        assert!(!long.usable(t0 + time::Duration::minutes(39), margin, None));
    }

    #[test]
    fn the_rejected_token_is_never_usable_but_a_newer_one_is() {
        let t0 = datetime!(2026-01-01 0:00 UTC);
        let margin = time::Duration::seconds(60);
        let stored = StoredTokens::after(None, &set("old", t0 + time::Duration::hours(1)), t0);
        let old = AccessToken::new("old");
        assert!(!stored.usable(t0, margin, Some(&old)));
        let newer = StoredTokens::after(
            Some(&stored),
            &set("new", t0 + time::Duration::hours(1)),
            t0,
        );
        assert_eq!(newer.generation, 2);
        assert!(newer.usable(t0, margin, Some(&old)));
        let empty = StoredTokens {
            refresh_token: None,
            access: None,
            obtained_at: None,
            generation: 0,
        };
        assert!(!empty.usable(t0, margin, None));
        assert!(empty.token_set().is_none());
    }

    #[test]
    fn slots_follow_the_in_process_limiter() {
        let per = 10 * S;
        let mut slots = Vec::new();
        for id in 0..2 {
            decide_slot(&mut slots, 0, 2, per).unwrap();
            slots.push(Slot {
                id,
                holds_until_ms: 100_000,
                in_flight: true,
            });
        }
        // Both in flight: a whole period.
        assert_eq!(decide_slot(&mut slots, 0, 2, per), Err(per));
        // One answered at 3 s: it frees at 13 s.
        slots[0] = Slot {
            id: 0,
            holds_until_ms: 13_000,
            in_flight: false,
        };
        assert_eq!(decide_slot(&mut slots, 5_000, 2, per), Err(8 * S));
        assert_eq!(decide_slot(&mut slots, 13_000, 2, per), Ok(()));
        assert_eq!(slots.len(), 1);
        // A dead holder's in-flight slot frees at its own expiry.
        assert_eq!(decide_slot(&mut slots, 100_000, 1, per), Ok(()));
        assert!(slots.is_empty());
        // Never a zero wait.
        let mut due = vec![Slot {
            id: 9,
            holds_until_ms: 1,
            in_flight: false,
        }];
        assert_eq!(decide_slot(&mut due, 0, 1, per), Err(MIN_WAIT));
    }

    #[test]
    fn a_slot_is_held_a_whole_period_despite_millisecond_truncation() {
        let per = 10 * S;
        // Answered at 1000.9 ms, read as 1000: another request at 11000.0 ms would
        // reach the server less than `per` after it.
        let mut slots = vec![Slot {
            id: 1,
            holds_until_ms: hold_until(1_000, per),
            in_flight: false,
        }];
        assert!(decide_slot(&mut slots, 11_000, 1, per).is_err());
        assert!(decide_slot(&mut slots, 11_001, 1, per).is_ok());
    }

    #[test]
    fn token_files_round_trip_and_errors_never_quote_them() {
        let t0 = datetime!(2026-01-01 0:00 UTC);
        let stored = StoredTokens::after(None, &set("acc-secret", t0), t0);
        let bytes = encode_tokens(&stored);
        assert!(decode_tokens(&bytes).unwrap() == stored);
        for bad in [
            &br#"{"version":1,"refresh_token":7,"access_token":"acc-secret"}"#[..],
            br#"{"version":1,"generation":"acc-secret"}"#,
            br#"{"version":2,"generation":1,"refresh_token":"acc-secret"}"#,
            br#"{"version":1,"generation":1,"access_token":"acc-secret"}"#,
            b"acc-secret",
            b"",
        ] {
            let error = decode_tokens(bad).unwrap_err();
            assert!(!error.contains("acc-secret"), "{error}");
        }
        assert!(
            !decode_slots(b"{\"slots\":\"acc-secret\"}")
                .unwrap_err()
                .contains("acc-secret")
        );
        let slots = SlotFile {
            slots: vec![Slot {
                id: 1,
                holds_until_ms: 2,
                in_flight: true,
            }],
        };
        assert_eq!(
            decode_slots(&encode_slots(&slots)).unwrap().slots,
            slots.slots
        );
    }
}
