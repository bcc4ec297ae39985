//! Where a delivery goes, and how it is signed: pure decisions, tested without
//! sockets.

use crate::config::{Scheme, UrlRules, check_url};
use crate::models::SigningSecret;
use crate::signature::sign_delivery_all;

/// The `Revolut-Signature` value: one `v1=` per secret, current secret first.
pub(crate) fn signature_header(secrets: &[String], timestamp_ms: u64, body: &[u8]) -> String {
    let secrets: Vec<SigningSecret> = secrets
        .iter()
        .map(|s| SigningSecret::from(s.as_str()))
        .collect();
    sign_delivery_all(&secrets, timestamp_ms, body)
}

/// Where to POST: the webhook's URL, except that with loopback http allowed a
/// loopback `https` URL is reached over plain http (a local test receiver rarely has
/// a certificate, and the client only lets you register https URLs).
pub(crate) fn target(allow_loopback_http: bool, url: &str) -> Result<String, String> {
    let checked = check_url(url, "url", UrlRules::Webhook).map_err(|e| e.reason)?;
    let loopback = checked.host.is_loopback();
    match checked.scheme {
        Scheme::Https if allow_loopback_http && loopback => {
            Ok(format!("http://{}", checked.after_scheme))
        }
        Scheme::Https => Ok(url.to_owned()),
        Scheme::Http if allow_loopback_http && loopback => Ok(url.to_owned()),
        _ => Err("plain http delivery is allowed only to loopback hosts, and only when the emulator allows it".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_the_official_vector() {
        let body = br#"{"data":{"id":"645a7696-22f3-aa47-9c74-cbae0449cc46","new_state":"completed","old_state":"pending","request_id":"app_charges-9f5d5eb3-1e06-46c5-b1c0-3914763e0bcb"},"event":"TransactionStateChanged","timestamp":"2023-05-09T16:36:38.028960Z"}"#;
        let secret = "wsk_r59a4HfWVAKycbCaNO1RvgCJec02gRd8".to_owned();
        let expected = "v1=bca326fb378d0da7f7c490ad584a8106bab9723d8d9cdd0d50b4c5b3be3837c0";
        assert_eq!(
            signature_header(std::slice::from_ref(&secret), 1683650202360, body),
            expected
        );
        let both = signature_header(&["wsk_other".into(), secret], 1683650202360, body);
        assert!(both.ends_with(&format!(",{expected}")));
        assert_eq!(both.matches("v1=").count(), 2);
    }

    #[test]
    fn targets() {
        assert_eq!(
            target(false, "https://example.com/h").unwrap(),
            "https://example.com/h"
        );
        assert_eq!(
            target(false, "https://127.0.0.1:9/h").unwrap(),
            "https://127.0.0.1:9/h"
        );
        assert_eq!(
            target(true, "https://127.0.0.1:9/h").unwrap(),
            "http://127.0.0.1:9/h"
        );
        assert_eq!(
            target(true, "http://localhost:9/h").unwrap(),
            "http://localhost:9/h"
        );
        assert_eq!(
            target(true, "https://example.com/h").unwrap(),
            "https://example.com/h"
        );
        assert!(target(false, "http://127.0.0.1:9/h").is_err());
        assert!(target(true, "http://example.com/h").is_err());
        assert!(target(true, "ftp://127.0.0.1/h").is_err());
    }
}
