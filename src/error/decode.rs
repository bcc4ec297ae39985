//! [`DecodeError`]: a success body that did not decode, described without its values.

use super::scrub::scrub;
use super::{OnUnknown, attempts_suffix, unconfirmed_suffix};
use crate::http_types::Method;

/// A success response whose body could not be decoded.
///
/// Neither the body nor any value from it is kept: success bodies hold signing
/// secrets, and serde's own messages quote the value they refused
/// (`invalid type: string "wsk_…"`). What is kept is the kind of error, the
/// expectation (`invalid type: string, expected a sequence`), line and column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "could not decode the {status} response to {method} {path}: {reason} at line {line}, column {column}{}{}",
    attempts_suffix(*attempts),
    unconfirmed_suffix(*unconfirmed)
)]
#[non_exhaustive]
pub struct DecodeError {
    /// The HTTP status of the response.
    pub status: u16,
    /// The HTTP method of the request.
    pub method: Method,
    /// The request path.
    pub path: String,
    /// Whether the body was not JSON (`Syntax`, `Eof`) or JSON of the wrong shape (`Data`).
    pub category: serde_json::error::Category,
    /// What was wrong, without the values from the body.
    pub reason: String,
    /// The line of the body where decoding stopped (1-based).
    pub line: usize,
    /// The column of that line where decoding stopped (1-based).
    pub column: usize,
    /// How many attempts were made, this one included (earlier ones may have
    /// failed with a retryable error).
    pub attempts: u32,
    pub(crate) unconfirmed: Option<OnUnknown>,
}

impl DecodeError {
    /// From serde's error, keeping its kind, position and expectation, never a value.
    pub(crate) fn new(status: u16, method: Method, path: &str, error: &serde_json::Error) -> Self {
        DecodeError {
            status,
            method,
            path: path.to_owned(),
            category: error.classify(),
            reason: decode_reason(error),
            line: error.line(),
            column: error.column(),
            attempts: 1,
            unconfirmed: None,
        }
    }
}

/// serde's message without the values it quotes from the body.
fn decode_reason(error: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let full = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    let message = full.strip_suffix(&suffix).unwrap_or(&full);
    if !matches!(error.classify(), Category::Data) {
        // serde_json's own syntax messages are fixed texts ("expected value", "EOF
        // while parsing a string", …): no value in them.
        return message.to_owned();
    }
    // "invalid type: string \"wsk_…\", expected a sequence": keep what kind of
    // value it was and what was expected. The expectation comes from this crate's
    // types, the value from the body.
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = message.strip_prefix(prefix)
            && let Some(at) = rest.rfind(", expected ")
        {
            return format!("{prefix}{}{}", unexpected_kind(&rest[..at]), &rest[at..]);
        }
    }
    // "unknown variant `X`, expected one of …", "unknown field `X`, expected …":
    // the name is from the body.
    for prefix in ["unknown variant ", "unknown field "] {
        if let Some(rest) = message.strip_prefix(prefix) {
            let tail = rest
                .rfind(", expected ")
                .or_else(|| rest.rfind(", there are no "))
                .map_or("", |at| &rest[at..]);
            return format!("{}{tail}", prefix.trim_end());
        }
    }
    // "missing field `url`" and "invalid length 3, expected …" name only this
    // crate's fields and counts. Anything else is a custom message from a type's
    // own parser, which may quote its input: drop every quoted part.
    if message.starts_with("missing field ")
        || message.starts_with("duplicate field ")
        || message.starts_with("invalid length ")
    {
        return message.to_owned();
    }
    scrub(&without_quoted(message), &[])
}

/// The kind of a serde `Unexpected` (`string "…"` → `string`), never its value.
fn unexpected_kind(unexpected: &str) -> &'static str {
    const KINDS: [&str; 17] = [
        "boolean",
        "integer",
        "floating point",
        "character",
        "string",
        "byte array",
        "unit value",
        "Option value",
        "newtype struct",
        "sequence",
        "map",
        "enum",
        "unit variant",
        "newtype variant",
        "tuple variant",
        "struct variant",
        "null",
    ];
    KINDS
        .iter()
        .find(|kind| unexpected.starts_with(*kind))
        .copied()
        .unwrap_or("a value")
}

/// Replaces every `"…"`, `` `…` `` and `'…'` span with `<…>`.
fn without_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if matches!(c, '"' | '`' | '\'') {
            out.push_str("<…>");
            let mut escaped = false;
            for inner in chars.by_ref() {
                if escaped {
                    escaped = false;
                } else if inner == '\\' {
                    escaped = true;
                } else if inner == c {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_parts_are_dropped() {
        assert_eq!(
            without_quoted(r#"got "a \" b" and `c` and 'd' and "open"#),
            "got <…> and <…> and <…> and <…>"
        );
    }
}
