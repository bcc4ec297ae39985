//! [`ValidationError`]: an input refused before any request was made.

/// An input refused before sending, naming the field and the rule.
///
/// ```
/// use revolut_webhooks::CreateWebhook;
///
/// let err = CreateWebhook::new("http://example.com/hook").unwrap_err();
/// assert_eq!(err.field, "url");
/// assert!(err.to_string().contains("https"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field}: {reason}")]
#[non_exhaustive]
pub struct ValidationError {
    /// The field or setting at fault (`url`, `limit`, `created_before`, …).
    pub field: &'static str,
    /// Why it was refused.
    pub reason: String,
}

impl ValidationError {
    pub(crate) fn new(field: &'static str, reason: impl Into<String>) -> Self {
        ValidationError {
            field,
            reason: reason.into(),
        }
    }
}
