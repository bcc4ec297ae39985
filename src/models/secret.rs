//! Secret strings that never print.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A webhook signing secret (`wsk_…`).
///
/// Its `Debug` output is redacted; read the value only with
/// [`expose_secret`](SigningSecret::expose_secret), where you mean to.
///
/// ```
/// use revolut_webhooks::SigningSecret;
///
/// let secret = SigningSecret::from("wsk_r59a4HfWVAKycbCaNO1RvgCJec02gRd8");
/// assert_eq!(format!("{secret:?}"), "SigningSecret(\"wsk_…\")");
/// assert!(secret.expose_secret().starts_with("wsk_"));
/// ```
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SigningSecret(String);

impl SigningSecret {
    /// The secret itself: the HMAC key, including its `wsk_` prefix.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl From<String> for SigningSecret {
    fn from(secret: String) -> Self {
        SigningSecret(secret)
    }
}

impl From<&str> for SigningSecret {
    fn from(secret: &str) -> Self {
        SigningSecret(secret.to_owned())
    }
}

impl fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The prefix says what kind of secret it is without revealing any of it.
        let shown = if self.0.starts_with("wsk_") {
            "wsk_…"
        } else {
            "…"
        };
        f.debug_tuple("SigningSecret").field(&shown).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let s = SigningSecret::from("wsk_abcdef123456");
        let dbg = format!("{s:?} {:#?}", s);
        assert!(!dbg.contains("abcdef"), "{dbg}");
        let other = SigningSecret::from(String::from("plain-secret"));
        assert!(!format!("{other:?}").contains("plain"));
        assert_eq!(other.expose_secret(), "plain-secret");
    }

    #[test]
    fn serde_is_transparent() {
        let s: SigningSecret = serde_json::from_str("\"wsk_x\"").unwrap();
        assert_eq!(s.expose_secret(), "wsk_x");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"wsk_x\"");
    }
}
