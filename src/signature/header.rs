//! Reading the `Revolut-Request-Timestamp` and `Revolut-Signature` header values.

use super::error::VerifyError;
use super::names::{SIGNATURE_HEADER, TIMESTAMP_HEADER, VERSION};
use crate::encoding::decode_hex32;

pub(super) struct Timestamp<'a> {
    pub(super) text: &'a str,
    pub(super) value: u64,
}

pub(super) fn parse_timestamp(header: &str) -> Result<Timestamp<'_>, VerifyError> {
    let text = header.trim_matches(|c: char| c == ' ' || c == '\t');
    if text.is_empty() {
        return Err(VerifyError::MissingHeader {
            name: TIMESTAMP_HEADER,
        });
    }
    // `u64::from_str` would also take a leading `+`; only digits are signed as they are.
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(VerifyError::MalformedTimestamp);
    }
    let value = text.parse().map_err(|_| VerifyError::MalformedTimestamp)?;
    Ok(Timestamp { text, value })
}

/// Entries of a signature header are separated by commas and/or spaces and tabs.
fn is_separator(b: u8) -> bool {
    matches!(b, b',' | b' ' | b'\t')
}

/// The well-formed `v1` signatures of a header, decoded. Revolut sends at most three
/// (one per active secret), so the first few live on the stack.
pub(super) struct Candidates {
    inline: [[u8; 32]; INLINE_CANDIDATES],
    len: usize,
    more: Vec<[u8; 32]>,
}

const INLINE_CANDIDATES: usize = 4;

impl Candidates {
    /// Reads the header in one pass: entries separated by commas and/or whitespace, each
    /// `version=value`; other versions are skipped.
    pub(super) fn parse(header: &str) -> Result<Self, VerifyError> {
        let mut candidates = Candidates {
            inline: [[0; 32]; INLINE_CANDIDATES],
            len: 0,
            more: Vec::new(),
        };
        let (mut any, mut malformed) = (false, false);
        let mut rest = header.as_bytes();
        // Separators are ASCII, so no character is ever cut.
        while let Some(start) = rest.iter().position(|&b| !is_separator(b)) {
            rest = &rest[start..];
            any = true;
            // Fast path: a `v1=` entry of exactly 64 hex digits. Decoding checks every
            // digit, so none of them was a separator.
            if rest.len() >= 67
                && rest.starts_with(b"v1=")
                && rest.get(67).is_none_or(|&b| is_separator(b))
                && let Some(signature) = decode_hex32(&rest[3..67])
            {
                candidates.push(signature);
                rest = &rest[67..];
                continue;
            }
            let end = rest
                .iter()
                .position(|&b| is_separator(b))
                .unwrap_or(rest.len());
            let entry = &rest[..end];
            rest = &rest[end..];
            match entry.iter().position(|&b| b == b'=') {
                Some(eq) if &entry[..eq] == VERSION.as_bytes() => {
                    match decode_hex32(&entry[eq + 1..]) {
                        Some(signature) => candidates.push(signature),
                        None => malformed = true,
                    }
                }
                Some(eq) if eq > 0 => {} // another version
                _ => malformed = true,
            }
        }
        if !any {
            Err(VerifyError::MissingHeader {
                name: SIGNATURE_HEADER,
            })
        } else if candidates.len > 0 {
            Ok(candidates)
        } else if malformed {
            Err(VerifyError::MalformedSignature)
        } else {
            Err(VerifyError::NoV1Signature)
        }
    }

    fn push(&mut self, signature: [u8; 32]) {
        if self.len < INLINE_CANDIDATES {
            self.inline[self.len] = signature;
        } else {
            self.more.push(signature);
        }
        self.len += 1;
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = &[u8; 32]> {
        self.inline[..self.len.min(INLINE_CANDIDATES)]
            .iter()
            .chain(&self.more)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_digits_make_a_malformed_signature() {
        let header = format!("v1={}", "zz".repeat(32));
        assert!(matches!(
            Candidates::parse(&header),
            Err(VerifyError::MalformedSignature)
        ));
    }

    #[test]
    fn header_entries_split_on_commas_and_spaces() {
        let a = "ab".repeat(32);
        let b = "CD".repeat(32);
        let header = format!(" v1={a},  v1={b}\tv0=c,,v1={a}x,v1={a},v1=");
        let parsed = Candidates::parse(&header).unwrap_or_else(|_| panic!());
        let got: Vec<_> = parsed.iter().copied().collect();
        assert_eq!(got, [[0xab; 32], [0xcd; 32], [0xab; 32]]);
        // A separator inside the 64 characters after `v1=` ends the entry there.
        let split = format!("v1={},{}", &a[..10], &a[..53]);
        assert!(matches!(
            Candidates::parse(&split),
            Err(VerifyError::MalformedSignature)
        ));
        // More than the inline capacity.
        let many = vec![format!("v1={a}"); INLINE_CANDIDATES + 3].join(",");
        assert_eq!(
            Candidates::parse(&many)
                .unwrap_or_else(|_| panic!())
                .iter()
                .count(),
            INLINE_CANDIDATES + 3
        );
    }
}
