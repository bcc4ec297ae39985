//! Access tokens, refresh tokens and the client assertion.
//!
//! Every request carries `Authorization: Bearer <access token>`. A client asks its
//! token provider for the token before each request (see `blocking::TokenProvider`
//! and `nonblocking::TokenProvider`); [`StaticToken`] is the simplest provider, and
//! `RefreshingTokenProvider` (in each mode) renews a Revolut access token, which lives
//! 40 minutes, from a refresh token and a signed [`ClientAssertion`].
//!
//! This module is sans-IO: it builds the token endpoint's requests
//! ([`refresh_token_request`], [`authorization_code_request`]), reads its answers
//! ([`TokenCall::parse`]) and the consent URL ([`ConsentUrl`]); the clients send them.
//!
//! No type here prints a secret: `Debug` of tokens, assertions and keys is redacted,
//! and they have no `Display` at all, so a token cannot be formatted into a header or
//! a log line by accident; each gives its secret only through `expose_secret()`.

use std::fmt;

mod assertion;
mod claims;
mod consent;
mod endpoint;
mod signer;
mod token;

pub use assertion::ClientAssertion;
pub use claims::{AssertionClaims, SignedAssertion};
pub use consent::ConsentUrl;
pub use endpoint::{Grant, TokenCall, authorization_code_request, refresh_token_request};
pub use signer::AssertionSigner;
pub use token::{RefreshToken, TokenSet};

/// A bearer access token. `Debug` never shows it.
///
/// ```
/// use revolut_webhooks::auth::AccessToken;
///
/// let token = AccessToken::new("oa_sand_secret");
/// assert_eq!(format!("{token:?}"), "AccessToken(<redacted>)");
/// assert_eq!(token.expose_secret(), "oa_sand_secret");
/// ```
///
/// It has no `Display`, so formatting it into a header is a compile error rather
/// than a request that carries `<redacted>` and fails with a 401:
///
/// ```compile_fail
/// let token = revolut_webhooks::auth::AccessToken::new("oa_sand_secret");
/// let header = format!("Bearer {token}");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken(String);

impl AccessToken {
    /// Wraps a token string.
    pub fn new(token: impl Into<String>) -> Self {
        AccessToken(token.into())
    }

    /// The token itself, for the `Authorization` header.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken(<redacted>)")
    }
}

/// A token provider that always gives the same access token.
///
/// Good for scripts and tests. Revolut access tokens expire after 40 minutes;
/// for anything that runs longer, use a provider that refreshes.
///
/// ```
/// use revolut_webhooks::auth::StaticToken;
///
/// let provider = StaticToken::new("oa_sand_secret");
/// assert!(!format!("{provider:?}").contains("secret"));
/// ```
#[derive(Clone, Debug)]
pub struct StaticToken {
    token: AccessToken,
}

impl StaticToken {
    /// A provider for this token.
    pub fn new(token: impl Into<String>) -> Self {
        StaticToken {
            token: AccessToken::new(token),
        }
    }

    /// The token it gives.
    pub fn token(&self) -> &AccessToken {
        &self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_never_print() {
        let p = StaticToken::new("very-secret-token");
        let shown = format!("{p:?} {:?} {:#?}", p.token(), p);
        assert!(!shown.contains("very-secret"), "{shown}");
        assert_eq!(p.token().expose_secret(), "very-secret-token");
        assert_eq!(p.token(), &AccessToken::new("very-secret-token"));
    }
}
