//! Refresh tokens and token sets.

use std::fmt;

use time::OffsetDateTime;

use super::AccessToken;

/// A refresh token: it buys new access tokens. `Debug` never shows it.
///
/// ```
/// use revolut_webhooks::auth::RefreshToken;
///
/// let token = RefreshToken::new("oa_sand_refresh_secret");
/// assert_eq!(format!("{token:?}"), "RefreshToken(<redacted>)");
/// assert_eq!(token.expose_secret(), "oa_sand_refresh_secret");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct RefreshToken(String);

impl RefreshToken {
    /// Wraps a refresh token string.
    pub fn new(token: impl Into<String>) -> Self {
        RefreshToken(token.into())
    }

    /// The token itself, for the token endpoint or for storing it.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for RefreshToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RefreshToken(<redacted>)")
    }
}

/// What the token endpoint gives: an access token, its expiry, and the refresh token
/// to use next time.
///
/// `Debug` shows the expiry only.
///
/// ```
/// use revolut_webhooks::auth::{RefreshToken, TokenSet};
/// use revolut_webhooks::auth::AccessToken;
/// use time::macros::datetime;
///
/// let set = TokenSet::new(
///     AccessToken::new("oa_sand_access"),
///     RefreshToken::new("oa_sand_refresh"),
///     datetime!(2026-11-25 12:40 UTC),
/// );
/// assert!(!format!("{set:?} {set:#?}").contains("oa_sand"));
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenSet {
    /// The bearer token for API requests.
    pub access_token: AccessToken,
    /// The refresh token. A refresh answer that carries none keeps the one that was used.
    pub refresh_token: RefreshToken,
    /// When the access token stops working.
    pub expires_at: OffsetDateTime,
}

impl TokenSet {
    /// A token set, for example one loaded from storage.
    pub fn new(
        access_token: AccessToken,
        refresh_token: RefreshToken,
        expires_at: OffsetDateTime,
    ) -> Self {
        TokenSet {
            access_token,
            refresh_token,
            expires_at,
        }
    }

    /// Whether the access token has expired at `now`.
    pub fn is_expired_at(&self, now: OffsetDateTime) -> bool {
        now >= self.expires_at
    }
}

impl fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSet")
            .field("access_token", &self.access_token)
            .field("refresh_token", &self.refresh_token)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}
