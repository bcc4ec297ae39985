//! The claims of a client assertion, and the signed JWT made of them.

use std::fmt;
use std::time::Duration;

use serde::Serialize;
use time::OffsetDateTime;

use crate::config::host_of;
use crate::encoding::base64url_decode;
use crate::error::{AuthError, AuthErrorKind};

/// The `aud` claim Revolut expects, written without escaped slashes.
pub(crate) const AUDIENCE: &str = "https://revolut.com";

/// How far `iat` is set back, for clocks that run a little ahead of Revolut's.
const CLOCK_SKEW: time::Duration = time::Duration::seconds(60);

/// The claims of a client assertion.
///
/// `iss` is the domain of the app's redirect URI (no scheme, no path), `sub` the
/// client id, `aud` always `https://revolut.com`. Serialized with `serde_json`, so
/// `aud` keeps its slashes unescaped, as Revolut requires.
///
/// ```
/// use revolut_webhooks::auth::AssertionClaims;
/// use time::macros::datetime;
///
/// let claims = AssertionClaims::new(
///     "client-id",
///     "https://example.com/oauth/callback",
///     datetime!(2026-11-25 12:00 UTC),
///     std::time::Duration::from_secs(600),
/// )?;
/// assert_eq!(
///     claims.to_json(),
///     r#"{"iss":"example.com","sub":"client-id","aud":"https://revolut.com","iat":1795607940,"exp":1795608600}"#
/// );
/// # Ok::<(), revolut_webhooks::AuthError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct AssertionClaims {
    /// Issuer: the redirect URI's domain, such as `example.com`.
    pub iss: String,
    /// Subject: the client id shown in the Business app's API settings.
    pub sub: String,
    /// Audience: `https://revolut.com`.
    pub aud: String,
    /// Issued at (Unix seconds), set back 60 s for clock skew.
    pub iat: i64,
    /// Expires at (Unix seconds).
    pub exp: i64,
}

impl AssertionClaims {
    /// The claims for an assertion made at `now` that lives `lifetime`.
    ///
    /// `redirect_uri` may be the full redirect URI or just its domain.
    pub fn new(
        client_id: &str,
        redirect_uri: &str,
        now: OffsetDateTime,
        lifetime: Duration,
    ) -> Result<Self, AuthError> {
        let client_id = client_id.trim();
        if client_id.is_empty() {
            return Err(AuthError::with_kind(
                AuthErrorKind::InvalidAssertion,
                "the client id is empty: copy it from the Business app (Settings → APIs → Business API)",
            ));
        }
        let exp = time::Duration::try_from(lifetime)
            .ok()
            .and_then(|lifetime| now.checked_add(lifetime))
            .ok_or_else(|| {
                AuthError::with_kind(
                    AuthErrorKind::InvalidAssertion,
                    format!(
                        "the assertion lifetime of {} s ends past the year 9999: set \
                         ClientAssertion::lifetime to minutes (the default is 10)",
                        lifetime.as_secs()
                    ),
                )
            })?;
        Ok(AssertionClaims {
            iss: redirect_domain(redirect_uri)?,
            sub: client_id.to_owned(),
            aud: AUDIENCE.to_owned(),
            // At the very start of time there is no earlier instant to allow for skew.
            iat: now.checked_sub(CLOCK_SKEW).unwrap_or(now).unix_timestamp(),
            exp: exp.unix_timestamp(),
        })
    }

    /// The claims as compact JSON, the JWT payload before encoding.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("claims are plain strings and integers")
    }
}

/// The domain of a redirect URI: `https://example.com:8443/cb` → `example.com`.
fn redirect_domain(redirect_uri: &str) -> Result<String, AuthError> {
    let trimmed = redirect_uri.trim();
    let rest = trimmed.split_once("://").map_or(trimmed, |(_, rest)| rest);
    host_of(rest).map(str::to_owned).ok_or_else(|| {
        AuthError::with_kind(
            AuthErrorKind::InvalidAssertion,
            "the redirect URI has no domain: pass the OAuth redirect URI set in the Business app, such as https://example.com/callback",
        )
    })
}

/// A signed client assertion, ready to send. `Debug` never shows it, and it has no `Display`: read it with `expose_secret`.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedAssertion {
    pub(super) jwt: String,
    pub(super) expires_at: Option<OffsetDateTime>,
}

impl SignedAssertion {
    /// The JWT itself, for the `client_assertion` form field.
    pub fn expose_secret(&self) -> &str {
        &self.jwt
    }

    /// When it expires, if its `exp` claim could be read.
    pub fn expires_at(&self) -> Option<OffsetDateTime> {
        self.expires_at
    }
}

impl fmt::Debug for SignedAssertion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedAssertion")
            .field("jwt", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// The `exp` claim of a compact JWT, if it has a readable one.
pub(super) fn jwt_expiry(jwt: &str) -> Option<OffsetDateTime> {
    let payload = jwt.split('.').nth(1)?;
    let claims: serde_json::Value = serde_json::from_slice(&base64url_decode(payload)?).ok()?;
    OffsetDateTime::from_unix_timestamp(claims.get("exp")?.as_i64()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_domains() {
        assert_eq!(
            redirect_domain("https://example.com/cb").unwrap(),
            "example.com"
        );
        assert_eq!(
            redirect_domain("https://a.example.com:8443").unwrap(),
            "a.example.com"
        );
        assert_eq!(redirect_domain("example.com").unwrap(), "example.com");
        assert!(redirect_domain("https://").is_err());
    }
}
