//! Producing `Revolut-Signature` values: the HMAC-SHA256 of a delivery, in hex.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::names::VERSION;
use crate::encoding::encode_hex;
use crate::models::SigningSecret;

pub(super) type HmacSha256 = Hmac<Sha256>;

pub(super) fn hmac_key(key: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length; this cannot fail.
    match HmacSha256::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    }
}

/// HMAC-SHA256 of `v1.{timestamp}.{body}`, from a keyed state computed beforehand.
pub(super) fn mac(key: &HmacSha256, timestamp: &str, body: &[u8]) -> [u8; 32] {
    let mut mac = key.clone();
    // "v1." + timestamp + "." in one update when it fits (it always does for real
    // timestamps: at most 20 digits).
    let mut prefix = [0u8; 32];
    let ts = timestamp.as_bytes();
    let len = 3 + ts.len() + 1;
    if len <= prefix.len() {
        prefix[..3].copy_from_slice(b"v1.");
        prefix[3..3 + ts.len()].copy_from_slice(ts);
        prefix[len - 1] = b'.';
        mac.update(&prefix[..len]);
    } else {
        mac.update(b"v1.");
        mac.update(ts);
        mac.update(b".");
    }
    mac.update(body);
    mac.finalize().into_bytes().into()
}

/// The `Revolut-Signature` header value Revolut would send for `body` at `timestamp_ms`
/// with `secret`: `v1=` followed by 64 lowercase hex digits.
///
/// Use it to test your receiver. The secret is used as given (it is not validated here),
/// and the timestamp header to send with it is `timestamp_ms.to_string()`.
///
/// ```
/// use revolut_webhooks::signature::sign_delivery;
///
/// let body = br#"{"data":{"id":"645a7696-22f3-aa47-9c74-cbae0449cc46","new_state":"completed","old_state":"pending","request_id":"app_charges-9f5d5eb3-1e06-46c5-b1c0-3914763e0bcb"},"event":"TransactionStateChanged","timestamp":"2023-05-09T16:36:38.028960Z"}"#;
/// assert_eq!(
///     sign_delivery(&"wsk_r59a4HfWVAKycbCaNO1RvgCJec02gRd8".into(), 1683650202360, body),
///     "v1=bca326fb378d0da7f7c490ad584a8106bab9723d8d9cdd0d50b4c5b3be3837c0",
/// );
/// ```
pub fn sign_delivery(secret: &SigningSecret, timestamp_ms: u64, body: &[u8]) -> String {
    sign_delivery_all([secret], timestamp_ms, body)
}

/// The `Revolut-Signature` header value for several active secrets, as Revolut sends it
/// during a rotation: one `v1=<hex>` per secret, in order, separated by commas.
///
/// ```
/// use revolut_webhooks::signature::{sign_delivery, sign_delivery_all};
/// use revolut_webhooks::SigningSecret;
///
/// let (new, old) = (SigningSecret::from("wsk_new"), SigningSecret::from("wsk_old"));
/// let header = sign_delivery_all([&new, &old], 1683650202360, b"{}");
/// assert_eq!(header, format!("{},{}", sign_delivery(&new, 1683650202360, b"{}"), sign_delivery(&old, 1683650202360, b"{}")));
/// ```
pub fn sign_delivery_all<'a, I>(secrets: I, timestamp_ms: u64, body: &[u8]) -> String
where
    I: IntoIterator<Item = &'a SigningSecret>,
{
    let timestamp = timestamp_ms.to_string();
    let mut header = String::new();
    for secret in secrets {
        if !header.is_empty() {
            header.push(',');
        }
        header.push_str(VERSION);
        header.push('=');
        let tag = mac(
            &hmac_key(secret.expose_secret().as_bytes()),
            &timestamp,
            body,
        );
        encode_hex(&tag, &mut header);
    }
    header
}
