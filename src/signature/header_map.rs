//! Verifying straight from an [`http::HeaderMap`] (feature `http`): a thin adapter over
//! [`Verifier::verify`] that reads the two headers.

use super::{SIGNATURE_HEADER, TIMESTAMP_HEADER, Verified, Verifier, VerifyError, traced};

// The cfg repeats the module's so that rustdoc shows the feature on each method.
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
impl Verifier {
    /// [`verify`](Verifier::verify), reading [`TIMESTAMP_HEADER`] and [`SIGNATURE_HEADER`]
    /// from an [`http::HeaderMap`] (header names are case-insensitive there). Several
    /// `Revolut-Signature` lines are treated as one comma-separated list; two
    /// timestamps, or a value that is not text, are malformed.
    ///
    /// ```
    /// use revolut_webhooks::signature::{sign_delivery, timestamp_ms, Verifier};
    ///
    /// let secret = "wsk_example000000000";
    /// let body = b"{}";
    /// let ts = timestamp_ms(time::OffsetDateTime::now_utc());
    /// let mut headers = http::HeaderMap::new();
    /// headers.insert("revolut-request-timestamp", ts.to_string().parse()?);
    /// headers.insert("revolut-signature", sign_delivery(&secret.into(), ts, body).parse()?);
    /// let verified = Verifier::new(secret)?.verify_headers(body, &headers)?;
    /// assert_eq!(verified.secret_index(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify_headers<'a>(
        &self,
        body: &'a [u8],
        headers: &http::HeaderMap,
    ) -> Result<Verified<'a>, VerifyError> {
        traced(self.headers(body, headers))
    }

    /// [`verify_headers`](Verifier::verify_headers), without its trace event.
    fn headers<'a>(
        &self,
        body: &'a [u8],
        headers: &http::HeaderMap,
    ) -> Result<Verified<'a>, VerifyError> {
        let mut timestamps = headers.get_all(TIMESTAMP_HEADER).iter();
        let timestamp = match (timestamps.next(), timestamps.next()) {
            (None, _) => "",
            (Some(value), None) => value
                .to_str()
                .map_err(|_| VerifyError::MalformedTimestamp)?,
            (Some(_), Some(_)) => return Err(VerifyError::MalformedTimestamp),
        };
        let values = headers
            .get_all(SIGNATURE_HEADER)
            .iter()
            .map(|v| v.to_str().map_err(|_| VerifyError::MalformedSignature))
            .collect::<Result<Vec<_>, _>>()?;
        let joined;
        let signature = match values.as_slice() {
            [] => "",
            [one] => one,
            many => {
                joined = many.join(",");
                joined.as_str()
            }
        };
        self.verify_ms(body, timestamp, signature, self.now_ms())
    }
}
