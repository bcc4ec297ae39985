//! Removal of secrets and credential-shaped text from what a server echoed.

use std::ops::Range;

use crate::encoding::percent_encoded;

mod echo;

/// What replaces a secret in an error text.
const REDACTED: &str = "<redacted>";

/// Removes secrets from a text that came from a server (an error body, an echo of
/// the request): each of `secrets` as sent, raw and form-encoded, its first or last
/// 8 characters or more, and its base64 (the whole base64 word that holds it); and anything
/// shaped like a credential whoever it belongs to: `Bearer <…>`, a webhook
/// signing secret (`wsk_…`), a Revolut token (`oa_prod_…`, `oa_sand_…`) and a
/// JWT (`eyJ….….…`).
///
/// Every error text built from a server's answer goes through here, before it
/// is cut short, so no part of a secret survives at a cut either.
pub(crate) fn scrub(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_owned();
    for secret in secrets {
        // Shorter values would match ordinary words; no real credential is that short.
        if secret.len() < 4 {
            continue;
        }
        if out.contains(secret) {
            out = out.replace(secret, REDACTED);
        }
        let encoded = percent_encoded(secret);
        if encoded != *secret && out.contains(&encoded) {
            out = out.replace(&encoded, REDACTED);
        }
    }
    let echoes: Vec<_> = secrets.iter().flat_map(|s| echo::echoes(&out, s)).collect();
    if !echoes.is_empty() {
        out = redact(&out, echoes);
    }
    scrub_shapes(&out)
}

/// `text` with each of `spans` (overlapping or not) replaced by one [`REDACTED`].
fn redact(text: &str, mut spans: Vec<Range<usize>>) -> String {
    spans.sort_by_key(|s| s.start);
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for span in spans {
        if span.end <= copied {
            continue;
        }
        if span.start >= copied {
            out.push_str(&text[copied..span.start]);
            out.push_str(REDACTED);
        }
        copied = span.end;
    }
    out.push_str(&text[copied..]);
    out
}

/// Whether `byte` can be part of a credential: what tokens, secrets and JWTs are
/// made of, and percent-escapes.
fn credential_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric()
        || matches!(byte, b'-' | b'_' | b'.' | b'~' | b'+' | b'/' | b'=' | b'%')
}

fn scrub_shapes(text: &str) -> String {
    let bytes = text.as_bytes();
    let lower = text.to_ascii_lowercase();
    let lower = lower.as_bytes();
    let mut out = String::with_capacity(text.len());
    // Everything before `copied` is in `out`; only ASCII positions are cut at, so
    // every slice is on a character boundary.
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let starts_word = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        let keep = if lower[i..].starts_with(b"bearer")
            && bytes.get(i + 6).is_some_and(|b| *b == b' ' || *b == b'\t')
        {
            // Keep the scheme and the spaces, drop the credential after them.
            let mut start = i + 6;
            while bytes.get(start).is_some_and(|b| *b == b' ' || *b == b'\t') {
                start += 1;
            }
            Some(start)
        } else if starts_word
            && (lower[i..].starts_with(b"wsk_")
                || lower[i..].starts_with(b"oa_prod_")
                || lower[i..].starts_with(b"oa_sand_"))
        {
            Some(i)
        } else if starts_word && bytes[i..].starts_with(b"eyJ") {
            let end = credential_end(bytes, i);
            bytes[i..end].contains(&b'.').then_some(i)
        } else {
            None
        };
        match keep {
            Some(start) => {
                let end = credential_end(bytes, start);
                if end > start {
                    out.push_str(&text[copied..start]);
                    out.push_str(REDACTED);
                    copied = end;
                    i = end;
                } else {
                    i = start.max(i + 1);
                }
            }
            None => i += 1,
        }
    }
    out.push_str(&text[copied..]);
    out
}

fn credential_end(bytes: &[u8], start: usize) -> usize {
    let mut end = start;
    while end < bytes.len() && credential_byte(bytes[end]) {
        end += 1;
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_removes_secrets_and_credential_shapes() {
        let cases = [
            (
                "Authorization: Bearer abc.DEF-123_x",
                "Authorization: Bearer <redacted>",
            ),
            ("bearer\tabc, next", "bearer\t<redacted>, next"),
            ("\"BEARER   a+b/c==\"", "\"BEARER   <redacted>\""),
            ("Bearer <redacted> stays", "Bearer <redacted> stays"),
            ("a bearer.", "a bearer."),
            ("secret wsk_4jETWMz1g1b37gC= end", "secret <redacted> end"),
            ("x=oa_prod_ABC&y=oa_sand_DEF", "x=<redacted>&y=<redacted>"),
            ("jwt eyJhbGciOi.eyJzdWIi.c2ln!", "jwt <redacted>!"),
            ("eyJust a word", "eyJust a word"),
            ("my_wsk_x is a name", "my_wsk_x is a name"),
            ("é Bearer tök", "é Bearer <redacted>ök"),
            ("", ""),
        ];
        for (text, clean) in cases {
            assert_eq!(scrub(text, &[]), clean, "{text:?}");
        }
        assert_eq!(
            scrub("rt/a+b= sent as rt%2Fa%2Bb%3D", &["rt/a+b="]),
            "<redacted> sent as <redacted>"
        );
        // Too short to be a credential: left alone rather than shredding the text.
        assert_eq!(scrub("a cat", &["cat", ""]), "a cat");
    }
}
