//! Signing a client assertion: a custom [`AssertionSigner`], or RS256 from a PEM key.

use std::sync::Arc;

use super::AssertionClaims;
use crate::encoding::base64url;
use crate::error::{AuthError, AuthErrorKind};

/// Signs client assertions with a key this crate never sees: a KMS, an HSM, a vault.
///
/// It gets the JWS signing input (`base64url(header).base64url(claims)`) and returns
/// the raw RSASSA-PKCS1-v1_5 SHA-256 signature (JWS `RS256`). Any
/// `Fn(&[u8]) -> Result<Vec<u8>, AuthError>` is one.
///
/// It is called only when a new assertion is needed (about once per token refresh).
/// In async mode it runs inside the refresh, on the runtime's thread: keep it quick,
/// or wrap a slow remote call in `tokio::task::block_in_place`.
///
/// ```
/// use revolut_webhooks::auth::ClientAssertion;
/// use revolut_webhooks::AuthError;
///
/// let assertion = ClientAssertion::from_signer(
///     |message: &[u8]| -> Result<Vec<u8>, AuthError> {
///         // e.g. kms.sign(key_id, "RSASSA_PKCS1_V1_5_SHA_256", message)
///         # let _ = message;
///         Ok(vec![0; 256])
///     },
///     "client-id",
///     "https://example.com/callback",
/// )?;
/// # Ok::<(), AuthError>(())
/// ```
pub trait AssertionSigner: Send + Sync {
    /// Signs `message` with RS256 and returns the signature bytes.
    fn sign_rs256(&self, message: &[u8]) -> Result<Vec<u8>, AuthError>;
}

impl<F> AssertionSigner for F
where
    F: Fn(&[u8]) -> Result<Vec<u8>, AuthError> + Send + Sync,
{
    fn sign_rs256(&self, message: &[u8]) -> Result<Vec<u8>, AuthError> {
        self(message)
    }
}

#[derive(Clone)]
pub(super) enum Signer {
    Custom(Arc<dyn AssertionSigner>),
    #[cfg(feature = "jwt")]
    Pem(Arc<jsonwebtoken::EncodingKey>),
}

pub(super) fn sign(signer: &Signer, claims: &AssertionClaims) -> Result<String, AuthError> {
    match signer {
        Signer::Custom(signer) => {
            let mut jwt = base64url(br#"{"alg":"RS256","typ":"JWT"}"#);
            jwt.push('.');
            jwt.push_str(&base64url(claims.to_json().as_bytes()));
            let signature = signer.sign_rs256(jwt.as_bytes()).map_err(|mut e| {
                if e.kind == AuthErrorKind::Other {
                    e.kind = AuthErrorKind::Signing;
                }
                e
            })?;
            if signature.is_empty() {
                return Err(AuthError::with_kind(
                    AuthErrorKind::Signing,
                    "the assertion signer returned an empty signature",
                ));
            }
            jwt.push('.');
            jwt.push_str(&base64url(&signature));
            Ok(jwt)
        }
        #[cfg(feature = "jwt")]
        Signer::Pem(key) => {
            install_crypto_provider();
            let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
            jsonwebtoken::encode(&header, claims, key).map_err(|e| {
                AuthError::with_kind(
                    AuthErrorKind::Signing,
                    format!("could not sign the client assertion: {e}"),
                )
            })
        }
    }
}

/// jsonwebtoken panics on first use if more than one backend is compiled in and none
/// was chosen (another crate may enable `rust_crypto`): choose aws-lc-rs, once. An
/// `Err` means a provider is already installed, which is just as good.
#[cfg(feature = "jwt")]
pub(super) fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
    });
}
