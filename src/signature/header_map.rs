//! Verifying straight from an [`http::HeaderMap`] (feature `http`).

use time::OffsetDateTime;

use super::{SIGNATURE_HEADER, TIMESTAMP_HEADER, Verifier, VerifyError, traced, unix_ms};
use crate::clock::{Clock, SystemClock};
use crate::events::WebhookEvent;

// The cfg repeats the module's so that rustdoc shows the feature on each method.
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
impl Verifier {
    /// [`verify`](Verifier::verify), reading [`TIMESTAMP_HEADER`] and [`SIGNATURE_HEADER`]
    /// from an [`http::HeaderMap`] (header names are case-insensitive there). Several
    /// `Revolut-Signature` lines are treated as one comma-separated list.
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
    /// Verifier::new(secret)?.verify_headers(body, &headers)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify_headers(
        &self,
        body: &[u8],
        headers: &http::HeaderMap,
    ) -> Result<(), VerifyError> {
        traced(self.headers_at(body, headers, self.current_time()))
    }

    /// Now, according to the configured clock.
    fn current_time(&self) -> OffsetDateTime {
        match &self.clock {
            Some(clock) => clock.now(),
            None => SystemClock.now(),
        }
    }

    /// [`verify_headers`](Verifier::verify_headers), with "now" given.
    pub fn verify_headers_at(
        &self,
        body: &[u8],
        headers: &http::HeaderMap,
        now: OffsetDateTime,
    ) -> Result<(), VerifyError> {
        traced(self.headers_at(body, headers, now))
    }

    /// [`verify_headers_at`](Verifier::verify_headers_at), without its trace event.
    fn headers_at(
        &self,
        body: &[u8],
        headers: &http::HeaderMap,
        now: OffsetDateTime,
    ) -> Result<(), VerifyError> {
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
        self.verify_ms(body, timestamp, signature, unix_ms(now))
    }

    /// [`verify_headers`](Verifier::verify_headers), then parses the body into a
    /// [`WebhookEvent`].
    pub fn verify_headers_and_parse(
        &self,
        body: &[u8],
        headers: &http::HeaderMap,
    ) -> Result<WebhookEvent, VerifyError> {
        traced(
            self.headers_at(body, headers, self.current_time())
                .and_then(|()| WebhookEvent::from_slice(body).map_err(VerifyError::from)),
        )
    }
}
