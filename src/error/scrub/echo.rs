//! Parts and encodings of a secret that a server may echo: its start or its end
//! (an error message that quotes a few characters of the token), or its base64
//! (a server that prints back a `Basic` header or an encoded request).

use std::ops::Range;

use crate::encoding::base64url;

/// The shortest start or end of a secret counted as an echo of it: shorter runs of
/// a random token turn up in ordinary text by chance.
pub(super) const MIN_ECHO: usize = 8;

/// Where `text` holds an echo of `secret` that is not the whole secret as sent (the
/// caller replaces those): the longest start or end of it of at least [`MIN_ECHO`]
/// bytes, and base64 (standard or URL-safe, at any alignment) of it, as a whole
/// base64 word. Ranges are on character boundaries.
pub(super) fn echoes(text: &str, secret: &str) -> Vec<Range<usize>> {
    let (t, s) = (text.as_bytes(), secret.as_bytes());
    let mut spans = Vec::new();
    if s.len() < MIN_ECHO {
        return spans;
    }
    for at in find_all(t, &s[..MIN_ECHO]) {
        let len = common_prefix(&t[at..], s);
        spans.push(at..at + len);
    }
    for at in find_all(t, &s[s.len() - MIN_ECHO..]) {
        let end = at + MIN_ECHO;
        let len = common_suffix(&t[..end], s);
        spans.push(end - len..end);
    }
    for needle in base64_forms(s) {
        for at in find_all(t, needle.as_bytes()) {
            spans.push(base64_word(t, at..at + needle.len()));
        }
    }
    for span in &mut spans {
        while !text.is_char_boundary(span.start) {
            span.start -= 1;
        }
        while !text.is_char_boundary(span.end) {
            span.end += 1;
        }
    }
    spans
}

/// The characters of the base64 of `secret` that depend on its bytes alone, for
/// each of the three places it can start in a group of three bytes, in both
/// alphabets: whatever is encoded with it, these appear.
fn base64_forms(secret: &[u8]) -> Vec<String> {
    let mut forms = Vec::with_capacity(6);
    for offset in 0..3 {
        let mut bytes = vec![0; offset];
        bytes.extend_from_slice(secret);
        let encoded = base64url(&bytes);
        // Character j holds bits 6j..6j+6; the secret's bits are 8·offset..8·len.
        let first = (8 * offset).div_ceil(6);
        let end = 8 * bytes.len() / 6;
        let url = &encoded[first..end];
        let standard: String = url
            .chars()
            .map(|c| match c {
                '-' => '+',
                '_' => '/',
                c => c,
            })
            .collect();
        if standard != url {
            forms.push(standard);
        }
        forms.push(url.to_owned());
    }
    forms
}

/// Widens `span` to the whole run of base64 characters around it: the rest of
/// that word encodes what was sent with the secret.
fn base64_word(text: &[u8], span: Range<usize>) -> Range<usize> {
    let b64 = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_' | b'=');
    let start = text[..span.start]
        .iter()
        .rposition(|b| !b64(b))
        .map_or(0, |i| i + 1);
    let end = text[span.end..]
        .iter()
        .position(|b| !b64(b))
        .map_or(text.len(), |i| span.end + i);
    start..end
}

fn find_all<'a>(haystack: &'a [u8], needle: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
    haystack
        .windows(needle.len())
        .enumerate()
        .filter(move |(_, w)| *w == needle)
        .map(|(i, _)| i)
}

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    a.iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(x, y)| x == y)
        .count()
}

#[cfg(test)]
mod tests {
    use super::super::scrub;

    const TOKEN: &str = "Zx8Qp3Lm9Rt2Vw7Yk4Hb6Nc1Jd5Fg0Ss";

    /// No 6 consecutive characters of `secret` are left in `text`.
    fn assert_no_fragment(text: &str, secret: &str) {
        for window in secret.as_bytes().windows(6) {
            let w = std::str::from_utf8(window).unwrap();
            assert!(!text.contains(w), "{w:?} of the secret is left in {text:?}");
        }
    }

    #[test]
    fn the_start_or_end_of_a_secret_is_redacted_from_8_characters() {
        let cases = [
            (
                format!("token {}… rejected", &TOKEN[..8]),
                "token <redacted>… rejected",
            ),
            (
                format!("token {}... rejected", &TOKEN[..20]),
                "token <redacted>... rejected",
            ),
            (
                format!("token ...{} rejected", &TOKEN[24..]),
                "token ...<redacted> rejected",
            ),
            (format!("token ...{}.", &TOKEN[3..]), "token ...<redacted>."),
            // Start and end both echoed, around an ellipsis.
            (
                format!("{}…{}", &TOKEN[..10], &TOKEN[22..]),
                "<redacted>…<redacted>",
            ),
            // A start that goes on differently is cut where it differs.
            (format!("{}ZZZ", &TOKEN[..9]), "<redacted>ZZZ"),
        ];
        for (text, clean) in cases {
            assert_eq!(scrub(&text, &[TOKEN]), clean, "{text:?}");
        }
        // Seven characters are not enough to tell an echo from chance.
        let seven = format!("code {} here", &TOKEN[..7]);
        assert_eq!(scrub(&seven, &[TOKEN]), seven);
        let seven = format!("code {} here", &TOKEN[25..]);
        assert_eq!(scrub(&seven, &[TOKEN]), seven);
        // Nor from a secret shorter than that: only the whole one counts.
        assert_eq!(
            scrub("abcdefg and abcdef", &["abcdefg"]),
            "<redacted> and abcdef"
        );
    }

    #[test]
    fn a_secret_of_four_characters_is_the_shortest_redacted() {
        assert_eq!(
            scrub("code abcd, abc", &["abcd", "abc"]),
            "code <redacted>, abc"
        );
    }

    #[test]
    fn base64_counts_from_eight_characters_and_only_of_the_whole_secret() {
        // "abcdefgh" in base64: a secret of 8 characters is long enough.
        assert_eq!(scrub("x YWJjZGVmZ2g= y", &["abcdefgh"]), "x <redacted> y");
        // The base64 of the token's first 6 characters alone is not the token's.
        assert_eq!(scrub("b64 Wng4UXAz", &[TOKEN]), "b64 Wng4UXAz");
    }

    #[test]
    fn base64_of_a_secret_is_redacted_at_any_alignment_in_both_alphabets() {
        let cases = [
            // Alone, and inside `user:…` and `Bearer …`: each place in a group of three.
            "echo Wng4UXAzTG05UnQyVnc3WWs0SGI2TmMxSmQ1RmcwU3M= end",
            "Authorization: Basic dXNlcjpaeDhRcDNMbTlSdDJWdzdZazRIYjZOYzFKZDVGZzBTcw==",
            "got QmVhcmVyIFp4OFFwM0xtOVJ0MlZ3N1lrNEhiNk5jMUpkNUZnMFNz.",
        ];
        let clean = [
            "echo <redacted> end",
            "Authorization: Basic <redacted>",
            "got <redacted>.",
        ];
        for (text, clean) in cases.iter().zip(clean) {
            assert_eq!(scrub(text, &[TOKEN]), clean, "{text:?}");
        }
        // Characters that differ between the alphabets: `/` and `+`, `_` and `-`.
        let odd = "tok?>~?>~?>~abc";
        for text in [
            "[dG9rPz5+Pz5+Pz5+YWJj]",
            "[dG9rPz5-Pz5-Pz5-YWJj]",
            "[az10b2s/Pn4/Pn4/Pn5hYmM=]",
            "[az10b2s_Pn4_Pn4_Pn5hYmM]",
        ] {
            assert_eq!(scrub(text, &[odd]), "[<redacted>]", "{text:?}");
        }
    }

    #[test]
    fn what_is_left_holds_no_piece_of_the_secret() {
        let text = format!(
            "invalid token {TOKEN} ({}…, ends {}), b64 Wng4UXAzTG05UnQyVnc3WWs0SGI2TmMxSmQ1RmcwU3M",
            &TOKEN[..12],
            &TOKEN[20..]
        );
        let clean = scrub(&text, &[TOKEN]);
        assert_no_fragment(&clean, TOKEN);
        assert!(clean.starts_with("invalid token <redacted> ("), "{clean}");
    }

    #[test]
    fn text_around_an_echo_is_kept_whole_even_when_not_ascii() {
        let text = format!("é{}ü and ü{}é", &TOKEN[..9], &TOKEN[24..]);
        assert_eq!(scrub(&text, &[TOKEN]), "é<redacted>ü and ü<redacted>é");
        // A secret that is not ASCII, differing from the text in the middle of a
        // character (é and è share their first byte): the whole character goes.
        assert_eq!(scrub("xééééèü", &["ééééé-secret"]), "x<redacted>ü");
        assert_eq!(scrub("xüĩéééé", &["secret-éééééé"]), "xü<redacted>");
    }
}
