//! Access tokens, refresh tokens and authorization codes, each bounded: codes expire
//! after two minutes (as Revolut's do) and at most [`MAX_CODES`] wait at once, and
//! expired access tokens are forgotten, so no request, authenticated or not, makes
//! the emulator hold more.

use std::collections::{HashMap, HashSet, VecDeque};

use time::OffsetDateTime;

use super::super::random::random_string;
use super::super::times::plus;

/// Lifetime of an access token from the token endpoint.
pub(crate) const TOKEN_LIFETIME: time::Duration = time::Duration::minutes(40);
/// Lifetime of an authorization code, as Revolut documents it: 2 minutes.
pub(crate) const CODE_LIFETIME: time::Duration = time::Duration::minutes(2);
/// Most authorization codes waiting to be exchanged; issuing one more forgets the
/// oldest (`POST /_emulator/authorization-code` needs no authentication).
pub(crate) const MAX_CODES: usize = 1000;

/// An access token's life.
#[derive(Debug, Clone, Copy)]
enum Life {
    /// The emulator's initial token: never expires, never revoked by a refresh.
    Permanent,
    /// From the token endpoint (or `Emulator::issue_access_token`).
    Until(OffsetDateTime),
}

#[derive(Debug, Default)]
pub(crate) struct Tokens {
    access: HashMap<String, Life>,
    refresh: HashSet<String>,
    /// Codes with their expiry, oldest first (all live equally long).
    codes: VecDeque<(String, OffsetDateTime)>,
    /// Codes given to the builder: they wait until used, whatever the time.
    preset_codes: HashSet<String>,
    /// The builder's access-token lifetime; `None`: [`TOKEN_LIFETIME`].
    lifetime: Option<time::Duration>,
}

impl Tokens {
    /// Accepts `token` forever.
    pub(crate) fn add_permanent(&mut self, token: String) {
        self.access.insert(token, Life::Permanent);
    }

    /// Access tokens from now on live `lifetime` (whole seconds, at least one).
    pub(crate) fn set_lifetime(&mut self, lifetime: time::Duration) {
        self.lifetime = Some(lifetime.max(time::Duration::SECOND));
    }

    /// How long an access token from the token endpoint lives.
    pub(crate) fn lifetime(&self) -> time::Duration {
        self.lifetime.unwrap_or(TOKEN_LIFETIME)
    }

    /// Accepts `code` once, whenever it comes.
    pub(crate) fn add_preset_code(&mut self, code: String) {
        self.preset_codes.insert(code);
    }

    /// Whether `token` is a valid access token at `now`.
    pub(crate) fn is_valid(&self, token: &str, now: OffsetDateTime) -> bool {
        match self.access.get(token) {
            Some(Life::Permanent) => true,
            Some(Life::Until(expiry)) => *expiry > now,
            None => false,
        }
    }

    /// A new access token valid for [`TOKEN_LIFETIME`] from `now` (until the end of
    /// time near the year 9999). Forgets tokens expired by `now`.
    pub(crate) fn issue_access(&mut self, now: OffsetDateTime) -> String {
        self.access.retain(|_, life| {
            matches!(life, Life::Permanent) || matches!(life, Life::Until(t) if *t > now)
        });
        let token = format!("oa_emu_{}", random_string(40));
        self.access
            .insert(token.clone(), Life::Until(plus(now, self.lifetime())));
        token
    }

    /// Forgets every expiring access token: a refresh's effect on the tokens issued
    /// before it.
    pub(crate) fn revoke_issued(&mut self) {
        self.access
            .retain(|_, life| matches!(life, Life::Permanent));
    }

    /// A new refresh token (they do not expire).
    pub(crate) fn issue_refresh(&mut self) -> String {
        let token = format!("oa_emu_refresh_{}", random_string(40));
        self.refresh.insert(token.clone());
        token
    }

    pub(crate) fn knows_refresh(&self, token: &str) -> bool {
        self.refresh.contains(token)
    }

    /// A new authorization code, valid for [`CODE_LIFETIME`] from `now`.
    pub(crate) fn issue_code(&mut self, now: OffsetDateTime) -> String {
        self.forget_expired_codes(now);
        while self.codes.len() >= MAX_CODES {
            self.codes.pop_front();
        }
        let code = format!("oa_emu_code_{}", random_string(24));
        self.codes
            .push_back((code.clone(), plus(now, CODE_LIFETIME)));
        code
    }

    /// Uses up `code`; `false` if it is unknown, used or expired at `now`.
    pub(crate) fn take_code(&mut self, code: &str, now: OffsetDateTime) -> bool {
        if self.preset_codes.remove(code) {
            return true;
        }
        self.forget_expired_codes(now);
        match self.codes.iter().position(|(c, _)| c == code) {
            Some(i) => self.codes.remove(i).is_some(),
            None => false,
        }
    }

    /// How many codes wait to be exchanged.
    #[cfg(test)]
    fn code_count(&self) -> usize {
        self.codes.len() + self.preset_codes.len()
    }

    fn forget_expired_codes(&mut self, now: OffsetDateTime) {
        // Not only from the front: a clock set back makes later codes expire later
        // than earlier ones no more, but a clock set forward is the common case.
        self.codes.retain(|(_, expiry)| *expiry > now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn codes_expire_after_two_minutes_and_are_used_once() {
        let t0 = datetime!(2026-11-25 12:00 UTC);
        let mut tokens = Tokens::default();
        let code = tokens.issue_code(t0);
        assert!(!tokens.take_code(&code, plus(t0, CODE_LIFETIME)));
        let code = tokens.issue_code(t0);
        assert!(tokens.take_code(&code, plus(t0, time::Duration::seconds(119))));
        assert!(!tokens.take_code(&code, t0));
    }

    #[test]
    fn codes_are_capped_oldest_first() {
        let t0 = datetime!(2026-11-25 12:00 UTC);
        let mut tokens = Tokens::default();
        let first = tokens.issue_code(t0);
        for _ in 0..MAX_CODES + 500 {
            tokens.issue_code(t0);
        }
        assert_eq!(tokens.code_count(), MAX_CODES);
        assert!(!tokens.take_code(&first, t0));
        // Expired codes are forgotten when the next one is issued.
        tokens.issue_code(plus(t0, CODE_LIFETIME));
        assert_eq!(tokens.code_count(), 1);
    }

    #[test]
    fn expired_access_tokens_are_forgotten_and_the_end_of_time_does_not_overflow() {
        let t0 = datetime!(2026-11-25 12:00 UTC);
        let mut tokens = Tokens::default();
        tokens.add_permanent("forever".into());
        for _ in 0..100 {
            tokens.issue_access(t0);
        }
        let later = plus(t0, TOKEN_LIFETIME);
        let fresh = tokens.issue_access(later);
        assert_eq!(tokens.access.len(), 2);
        assert!(tokens.is_valid(&fresh, later) && tokens.is_valid("forever", later));
        let end = datetime!(9999-12-31 23:59:59.999999999 UTC);
        let last = tokens.issue_access(end);
        assert!(tokens.is_valid(&last, datetime!(9999-12-31 23:59:59 UTC)));
        assert!(tokens.issue_code(end).starts_with("oa_emu_code_"));
    }
}
