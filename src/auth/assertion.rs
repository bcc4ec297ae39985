//! The client assertion: a JWT signed with the key whose certificate is uploaded
//! to Revolut, sent with every call to the token endpoint.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use time::OffsetDateTime;

use super::claims::jwt_expiry;
#[cfg(feature = "jwt")]
use super::signer::install_crypto_provider;
use super::signer::{Signer, sign};
use super::{AssertionClaims, AssertionSigner, SignedAssertion};
use crate::error::{AuthError, AuthErrorKind};

/// A signed assertion is reused until it has less than this left.
const REUSE_MARGIN: time::Duration = time::Duration::seconds(60);

#[derive(Clone)]
enum Source {
    Presigned(SignedAssertion),
    Signing {
        client_id: String,
        redirect_uri: String,
        signer: Signer,
    },
}

/// How the token endpoint learns who is asking: a JWT signed with the app's private key.
///
/// Three ways to have one:
/// - [`presigned`](Self::presigned): a JWT you signed elsewhere (with a long `exp`);
/// - [`rs256_pem`](Self::rs256_pem) / [`rs256_pem_file`](Self::rs256_pem_file)
///   (feature `jwt`): signed here with RS256 from the PEM private key;
/// - [`from_signer`](Self::from_signer): signed by your KMS or HSM.
///
/// Assertions signed here live 10 minutes by default ([`lifetime`](Self::lifetime)),
/// and a new one is made when the last one has less than a minute left. Clones share
/// that cache. `Debug` never shows the key or the JWT.
///
/// ```
/// use revolut_webhooks::auth::ClientAssertion;
///
/// let assertion = ClientAssertion::presigned("eyJhbGciOiJSUzI1NiJ9.e30.c2ln");
/// assert!(!format!("{assertion:?}").contains("eyJ"));
/// ```
#[derive(Clone)]
pub struct ClientAssertion {
    source: Source,
    lifetime: Duration,
    cache: Arc<Mutex<Option<SignedAssertion>>>,
}

impl fmt::Debug for ClientAssertion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("ClientAssertion");
        match &self.source {
            Source::Presigned(_) => s.field("kind", &"presigned"),
            Source::Signing {
                client_id, signer, ..
            } => s
                .field(
                    "kind",
                    &match signer {
                        Signer::Custom(_) => "custom signer",
                        #[cfg(feature = "jwt")]
                        Signer::Pem(_) => "RS256 private key",
                    },
                )
                .field("client_id", client_id)
                .field("lifetime", &self.lifetime),
        };
        s.finish_non_exhaustive()
    }
}

impl ClientAssertion {
    /// A JWT signed elsewhere, sent as it is. When its `exp` has passed, asking for it
    /// fails with advice to sign a new one.
    pub fn presigned(jwt: impl Into<String>) -> Self {
        let jwt = jwt.into().trim().to_owned();
        let expires_at = jwt_expiry(&jwt);
        Self::from_source(Source::Presigned(SignedAssertion { jwt, expires_at }))
    }

    /// Assertions signed here with RS256 from the private key in PEM form
    /// (`-----BEGIN PRIVATE KEY-----` or `-----BEGIN RSA PRIVATE KEY-----`), the key
    /// whose certificate is uploaded in the Business app.
    ///
    /// `redirect_uri` is the app's OAuth redirect URI (or just its domain): its domain
    /// becomes `iss`. `client_id` becomes `sub`.
    #[cfg(feature = "jwt")]
    #[cfg_attr(docsrs, doc(cfg(feature = "jwt")))]
    pub fn rs256_pem(
        private_key_pem: impl AsRef<[u8]>,
        client_id: &str,
        redirect_uri: &str,
    ) -> Result<Self, AuthError> {
        install_crypto_provider();
        // jsonwebtoken's messages name the PEM problem; they never quote the key.
        let bad_key = |e: jsonwebtoken::errors::Error| {
            AuthError::with_kind(
                AuthErrorKind::MissingKey,
                format!(
                    "the private key is not an RSA private key in PEM form ({e}): pass the key made with \
                     `openssl genrsa -out privatecert.pem 2048`, whose certificate is uploaded in the Business app"
                ),
            )
        };
        let key =
            jsonwebtoken::EncodingKey::from_rsa_pem(private_key_pem.as_ref()).map_err(bad_key)?;
        // The PEM is only decoded above; a test signature proves the key itself is usable.
        jsonwebtoken::crypto::sign(b"probe", &key, jsonwebtoken::Algorithm::RS256)
            .map_err(bad_key)?;
        Self::signing(client_id, redirect_uri, Signer::Pem(Arc::new(key)))
    }

    /// Like [`rs256_pem`](Self::rs256_pem), reading the PEM from a file.
    #[cfg(feature = "jwt")]
    #[cfg_attr(docsrs, doc(cfg(feature = "jwt")))]
    pub fn rs256_pem_file(
        path: impl AsRef<std::path::Path>,
        client_id: &str,
        redirect_uri: &str,
    ) -> Result<Self, AuthError> {
        let path = path.as_ref();
        let pem = std::fs::read(path).map_err(|e| {
            AuthError::with_kind(
                AuthErrorKind::MissingKey,
                format!(
                    "cannot read the private key file {}: {e}; pass the path of the PEM key \
                     whose certificate is uploaded in the Business app",
                    path.display()
                ),
            )
        })?;
        Self::rs256_pem(pem, client_id, redirect_uri)
    }

    /// Assertions signed by `signer` (a KMS, an HSM), see [`AssertionSigner`].
    pub fn from_signer(
        signer: impl AssertionSigner + 'static,
        client_id: &str,
        redirect_uri: &str,
    ) -> Result<Self, AuthError> {
        Self::signing(client_id, redirect_uri, Signer::Custom(Arc::new(signer)))
    }

    fn signing(client_id: &str, redirect_uri: &str, signer: Signer) -> Result<Self, AuthError> {
        // Check the claims' inputs now rather than at the first refresh.
        AssertionClaims::new(
            client_id,
            redirect_uri,
            OffsetDateTime::UNIX_EPOCH,
            Duration::ZERO,
        )?;
        Ok(Self::from_source(Source::Signing {
            client_id: client_id.trim().to_owned(),
            redirect_uri: redirect_uri.trim().to_owned(),
            signer,
        }))
    }

    fn from_source(source: Source) -> Self {
        ClientAssertion {
            source,
            lifetime: Duration::from_secs(600),
            cache: Arc::new(Mutex::new(None)),
        }
    }

    /// Sets how long an assertion signed here lives (default 10 minutes). No effect on
    /// a pre-signed one.
    #[must_use]
    pub fn with_lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// How long an assertion signed here lives.
    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// The client id (`sub`), when the assertion is signed here.
    pub fn client_id(&self) -> Option<&str> {
        match &self.source {
            Source::Presigned(_) => None,
            Source::Signing { client_id, .. } => Some(client_id),
        }
    }

    /// An assertion valid at `now`: the cached one while it has more than a minute
    /// left, otherwise a newly signed one.
    pub fn assertion(&self, now: OffsetDateTime) -> Result<SignedAssertion, AuthError> {
        let (client_id, redirect_uri, signer) = match &self.source {
            Source::Presigned(signed) => {
                return match signed.expires_at {
                    Some(exp) if exp <= now => Err(AuthError::with_kind(
                        AuthErrorKind::InvalidAssertion,
                        format!(
                            "the pre-signed client assertion expired at {exp}: sign a new one \
                             with a later `exp`, or let this crate sign it (ClientAssertion::rs256_pem)"
                        ),
                    )),
                    _ => Ok(signed.clone()),
                };
            }
            Source::Signing {
                client_id,
                redirect_uri,
                signer,
            } => (client_id, redirect_uri, signer),
        };
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(cached) = cache.as_ref()
            && cached
                .expires_at
                .is_some_and(|exp| exp - now > REUSE_MARGIN)
        {
            return Ok(cached.clone());
        }
        let claims = AssertionClaims::new(client_id, redirect_uri, now, self.lifetime)?;
        let jwt = sign(signer, &claims)?;
        let signed = SignedAssertion {
            jwt,
            expires_at: OffsetDateTime::from_unix_timestamp(claims.exp).ok(),
        };
        *cache = Some(signed.clone());
        Ok(signed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::{base64url, base64url_decode};
    use time::macros::datetime;

    #[test]
    fn custom_signer_builds_a_compact_jwt_and_reuses_it() {
        let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let seen = calls.clone();
        let assertion = ClientAssertion::from_signer(
            move |message: &[u8]| {
                seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                assert_eq!(message.iter().filter(|&&b| b == b'.').count(), 1);
                Ok(b"signature".to_vec())
            },
            "cid",
            "https://example.com/cb",
        )
        .unwrap();
        let now = datetime!(2026-11-25 12:00 UTC);
        let jwt = assertion.assertion(now).unwrap();
        let parts: Vec<_> = jwt.expose_secret().split('.').collect();
        assert_eq!(
            base64url_decode(parts[0]).unwrap(),
            br#"{"alg":"RS256","typ":"JWT"}"#
        );
        let claims: serde_json::Value =
            serde_json::from_slice(&base64url_decode(parts[1]).unwrap()).unwrap();
        assert_eq!(claims["iss"], "example.com");
        assert_eq!(claims["sub"], "cid");
        assert_eq!(claims["aud"], "https://revolut.com");
        assert_eq!(base64url_decode(parts[2]).unwrap(), b"signature");
        assert_eq!(jwt.expires_at(), Some(now + time::Duration::minutes(10)));
        // Reused while it has more than a minute left, then signed anew.
        assert_eq!(
            assertion
                .assertion(now + time::Duration::minutes(8))
                .unwrap(),
            jwt
        );
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 1);
        let later = assertion
            .assertion(now + time::Duration::minutes(9))
            .unwrap();
        assert_ne!(later, jwt);
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 2);
    }

    #[test]
    fn signer_errors_become_signing_errors() {
        let assertion = ClientAssertion::from_signer(
            |_: &[u8]| Err(AuthError::new("KMS unavailable")),
            "cid",
            "example.com",
        )
        .unwrap();
        let err = assertion
            .assertion(datetime!(2026-11-25 12:00 UTC))
            .unwrap_err();
        assert_eq!(err.kind, AuthErrorKind::Signing);
    }

    #[test]
    fn an_expired_presigned_assertion_says_so() {
        let claims = base64url(br#"{"exp":1000}"#);
        let assertion = ClientAssertion::presigned(format!("e30.{claims}.c2ln"));
        let err = assertion
            .assertion(datetime!(2026-11-25 12:00 UTC))
            .unwrap_err();
        assert_eq!(err.kind, AuthErrorKind::InvalidAssertion);
        assert!(err.message.contains("expired"), "{err}");
        let fresh = ClientAssertion::presigned("not-a-jwt");
        assert!(fresh.assertion(datetime!(2026-11-25 12:00 UTC)).is_ok());
        assert!(ClientAssertion::from_signer(|_: &[u8]| Ok(vec![1]), " ", "example.com").is_err());
    }
}
