//! The byte codecs the crate needs: hex, base64url, and percent-encoding of URL parts.
//!
//! Hand-written where no crate for them is in the no-feature build (hex, base64url,
//! decoding); percent-encoding through the `percent-encoding` crate, which gives the
//! very bytes the hand-written encoders did.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Hex digit values; `INVALID` for anything else.
const INVALID: u8 = 0xff;
const HEX_VALUES: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < 10 {
        table[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        table[b'a' as usize + i] = 10 + i as u8;
        table[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    table
};

/// Decodes exactly 64 hex digits (either case). No early exit inside the loop: it
/// reads signatures, whose timing must not tell where the first bad digit is.
pub(crate) fn decode_hex32(hex: &[u8]) -> Option<[u8; 32]> {
    let hex: &[u8; 64] = hex.try_into().ok()?;
    let mut out = [0u8; 32];
    let mut bad = 0u8;
    for (byte, pair) in out.iter_mut().zip(hex.chunks_exact(2)) {
        let (hi, lo) = (
            HEX_VALUES[usize::from(pair[0])],
            HEX_VALUES[usize::from(pair[1])],
        );
        bad |= hi | lo;
        *byte = (hi << 4) | (lo & 0x0f);
    }
    // Valid digits are < 16; INVALID sets the high bits.
    (bad & 0xf0 == 0).then_some(out)
}

/// Appends `bytes` to `out` as lowercase hex, two digits a byte.
pub(crate) fn encode_hex(bytes: &[u8], out: &mut String) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
}

const B64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Base64url without padding (RFC 7515).
pub(crate) fn base64url(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(B64URL[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// Decodes base64url with or without padding; `None` if it is not base64url.
pub(crate) fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in text.bytes() {
        let v = B64URL.iter().position(|&b| b == c)? as u32;
        acc = acc << 6 | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Everything but RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`) is escaped:
/// safe in a query value, a path segment and a form body alike.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Appends `value` to `out` percent-encoded as a URL component (`%XX`, uppercase hex).
pub(crate) fn percent_encode_into(value: &str, out: &mut String) {
    out.extend(utf8_percent_encode(value, COMPONENT));
}

/// `value` percent-encoded as a URL component, as [`percent_encode_into`] writes it.
pub(crate) fn percent_encoded(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    percent_encode_into(value, &mut out);
    out
}

/// Decodes `%XX` escapes (and `+` as a space when `plus_is_space`); `None` on a bad escape
/// or invalid UTF-8.
///
/// Hand-written: the `percent-encoding` crate keeps a bad escape as it is, where a
/// request that carries one is refused here.
// Only the emulator reads percent-encoded requests.
#[cfg_attr(not(feature = "emulator"), allow(dead_code))]
pub(crate) fn percent_decode(s: &str, plus_is_space: bool) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let (hi, lo) = (*bytes.get(i + 1)?, *bytes.get(i + 2)?);
                let (hi, lo) = (HEX_VALUES[usize::from(hi)], HEX_VALUES[usize::from(lo)]);
                if hi > 0x0f || lo > 0x0f {
                    return None;
                }
                out.push((hi << 4) | lo);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hand-written encoder percent-encoding replaced (request, auth and error had one each).
    fn encode_by_hand(value: &str) -> String {
        let mut out = String::new();
        for byte in value.bytes() {
            if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
                out.push(byte as char);
            } else {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
        out
    }

    #[test]
    fn pairs_of_invalid_digits_never_decode() {
        // Two invalid digits in a pair, or an even number of invalid pairs, must not
        // cancel out; ':' (just after '9') and 'g' (just after 'f') are not digits.
        assert_eq!(decode_hex32(&[b'z'; 64]), None);
        for bad in [b':', b'g', b'G', b'/', b'@', b'`'] {
            let mut hex = [b'0'; 64];
            hex[10] = bad;
            assert_eq!(decode_hex32(&hex), None, "{}", bad as char);
        }
    }

    #[test]
    fn hex_round_trip() {
        let bytes: Vec<u8> = (0..32).map(|i| i * 7 + 3).collect();
        let mut s = String::new();
        encode_hex(&bytes, &mut s);
        assert_eq!(s.len(), 64);
        assert_eq!(
            decode_hex32(s.as_bytes()).unwrap().as_slice(),
            bytes.as_slice()
        );
        assert_eq!(
            decode_hex32(s.to_uppercase().as_bytes())
                .unwrap()
                .as_slice(),
            bytes.as_slice()
        );
        assert!(decode_hex32(&s.as_bytes()[..62]).is_none());
        let mut bad = s.into_bytes();
        bad[10] = b'g';
        assert!(decode_hex32(&bad).is_none());
    }

    #[test]
    fn hex_encodes_every_byte_value() {
        let all: Vec<u8> = (0..=255).collect();
        let mut s = String::from("kept:");
        encode_hex(&all, &mut s);
        let expected: String = all.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(s, format!("kept:{expected}"));
        let mut empty = String::new();
        encode_hex(&[], &mut empty);
        assert_eq!(empty, "");
        // Every 32-byte window of every byte value comes back.
        for start in 0..=(256 - 32) {
            let window = &all[start..start + 32];
            let mut hex = String::new();
            encode_hex(window, &mut hex);
            assert_eq!(decode_hex32(hex.as_bytes()).unwrap().as_slice(), window);
        }
    }

    #[test]
    fn hex_refuses_every_non_digit_in_every_place() {
        for byte in 0..=255u8 {
            let valid = byte.is_ascii_hexdigit();
            for at in [0, 1, 31, 62, 63] {
                let mut hex = [b'a'; 64];
                hex[at] = byte;
                assert_eq!(decode_hex32(&hex).is_some(), valid, "{byte} at {at}");
            }
        }
        let digits = b"0123456789abcdefABCDEF";
        for &d in digits {
            let hex = [d; 64];
            let value = (d as char).to_digit(16).unwrap() as u8;
            assert_eq!(decode_hex32(&hex), Some([value << 4 | value; 32]));
        }
    }

    #[test]
    fn hex_needs_exactly_64_digits() {
        for len in [0, 1, 2, 31, 32, 63, 65, 66, 128] {
            assert_eq!(decode_hex32(&vec![b'0'; len]), None, "{len}");
        }
        assert_eq!(decode_hex32(&[b'0'; 64]), Some([0; 32]));
        assert_eq!(decode_hex32(&[b'f'; 64]), Some([0xff; 32]));
        // High digit first.
        let mut hex = [b'0'; 64];
        hex[0] = b'1';
        hex[63] = b'2';
        let mut expected = [0; 32];
        expected[0] = 0x10;
        expected[31] = 0x02;
        assert_eq!(decode_hex32(&hex), Some(expected));
    }

    #[test]
    fn base64url_round_trips() {
        for (raw, enc) in [
            (&b""[..], ""),
            (b"f", "Zg"),
            (b"fo", "Zm8"),
            (b"foo", "Zm9v"),
            (b"foob", "Zm9vYg"),
            (b"\xfb\xff", "-_8"),
        ] {
            assert_eq!(base64url(raw), enc);
            assert_eq!(base64url_decode(enc).unwrap(), raw);
        }
        assert_eq!(base64url_decode("Zm8=").unwrap(), b"fo");
        assert_eq!(base64url_decode("Zm+8"), None);
    }

    #[test]
    fn base64url_round_trips_every_byte_and_length() {
        let all: Vec<u8> = (0..=255).rev().collect();
        for len in 0..=all.len() {
            let raw = &all[..len];
            let enc = base64url(raw);
            assert_eq!(enc.len(), (len * 4).div_ceil(3), "{len}");
            assert!(!enc.contains(['=', '+', '/']), "{enc}");
            assert_eq!(base64url_decode(&enc).as_deref(), Some(raw), "{len}");
            assert_eq!(base64url_decode(&format!("{enc}==")).as_deref(), Some(raw));
        }
        assert_eq!(base64url(&[0; 3]), "AAAA");
        assert_eq!(base64url(&[0xff; 3]), "____");
        assert_eq!(base64url(b"\x00\x10\x83"), "ABCD");
    }

    #[test]
    fn base64url_refuses_what_is_not_in_its_alphabet() {
        for byte in 0..=127u8 {
            let c = byte as char;
            let in_alphabet = c.is_ascii_alphanumeric() || c == '-' || c == '_';
            // '=' is padding, and only trailing.
            if c == '=' {
                continue;
            }
            let text = format!("AA{c}A");
            assert_eq!(base64url_decode(&text).is_some(), in_alphabet, "{c:?}");
        }
        assert_eq!(base64url_decode("A=A"), None);
        assert_eq!(base64url_decode("é"), None);
        assert_eq!(base64url_decode("").unwrap(), b"");
        assert_eq!(base64url_decode("===").unwrap(), b"");
        // Each symbol's value.
        for (i, &symbol) in B64URL.iter().enumerate() {
            let text = format!("{}A", symbol as char);
            assert_eq!(base64url_decode(&text).unwrap(), [(i as u8) << 2]);
        }
    }

    #[test]
    fn query_values_are_percent_encoded() {
        let mut out = String::new();
        percent_encode_into("a b+c:d/é~._-", &mut out);
        assert_eq!(out, "a%20b%2Bc%3Ad%2F%C3%A9~._-");
        assert_eq!(percent_encoded("a b+c:d/é~._-"), out);
        let mut kept = String::from("x=");
        percent_encode_into("", &mut kept);
        percent_encode_into("y z", &mut kept);
        assert_eq!(kept, "x=y%20z");
        assert_eq!(percent_encoded(""), "");
    }

    #[test]
    fn percent_encoding_is_byte_for_byte_the_hand_written_one() {
        // Every ASCII byte, then characters of two, three and four UTF-8 bytes.
        let ascii: String = (0..=127u8).map(char::from).collect();
        let wide: String = (128..=255u32)
            .chain([
                0x7ff, 0x800, 0x20ac, 0xfffd, 0xffff, 0x10000, 0x1f600, 0x10ffff,
            ])
            .filter_map(char::from_u32)
            .collect();
        for text in [ascii.as_str(), wide.as_str(), "", "AZaz09-._~", "%41+%"] {
            assert_eq!(percent_encoded(text), encode_by_hand(text), "{text:?}");
        }
        for c in (0..=0x2ffu32)
            .chain(0xd7f0..=0xe010)
            .filter_map(char::from_u32)
        {
            let text = c.to_string();
            assert_eq!(percent_encoded(&text), encode_by_hand(&text), "{c:?}");
        }
        for byte in 0..=127u8 {
            let kept = byte.is_ascii_alphanumeric() || b"-._~".contains(&byte);
            let encoded = percent_encoded(&char::from(byte).to_string());
            assert_eq!(encoded.len(), if kept { 1 } else { 3 }, "{byte}");
        }
    }

    #[test]
    fn percent_decoding_round_trips() {
        let ascii: String = (0..=127u8).map(char::from).collect();
        let wide = "é€\u{10ffff}😀 a+b";
        for text in [ascii.as_str(), wide, ""] {
            let encoded = percent_encoded(text);
            assert_eq!(percent_decode(&encoded, false).as_deref(), Some(text));
            assert_eq!(percent_decode(&encoded, true).as_deref(), Some(text));
        }
    }

    #[test]
    fn percent_decoding_of_each_form() {
        assert_eq!(percent_decode("", false).as_deref(), Some(""));
        assert_eq!(percent_decode("abc", false).as_deref(), Some("abc"));
        assert_eq!(percent_decode("%41%6a%6A", false).as_deref(), Some("Ajj"));
        assert_eq!(percent_decode("%00", false).as_deref(), Some("\0"));
        assert_eq!(percent_decode("%FF%ff", true), None); // not UTF-8
        assert_eq!(percent_decode("%C3%A9", false).as_deref(), Some("é"));
        assert_eq!(percent_decode("é", false).as_deref(), Some("é"));
        assert_eq!(percent_decode("a+b", true).as_deref(), Some("a b"));
        assert_eq!(percent_decode("a+b", false).as_deref(), Some("a+b"));
        assert_eq!(percent_decode("%2B+", true).as_deref(), Some("+ "));
        assert_eq!(percent_decode("%20%", false), None);
        assert_eq!(percent_decode("%", false), None);
        assert_eq!(percent_decode("%4", false), None);
        assert_eq!(percent_decode("a%4", true), None);
        assert_eq!(percent_decode("%zz", false), None);
        assert_eq!(percent_decode("%4g", false), None);
        assert_eq!(percent_decode("%g4", false), None);
        assert_eq!(percent_decode("%-1", false), None);
        // An escape that cuts a multi-byte character is not one.
        assert_eq!(percent_decode("%4é", false), None);
        // Two hex digits, nothing else: not a sign before one digit, as
        // `u8::from_str_radix` would take it, nor a space for `+`.
        assert_eq!(percent_decode("%+1", false), None);
        assert_eq!(percent_decode("%+1", true), None);
        assert_eq!(percent_decode("%1+", true), None);
    }

    #[test]
    fn the_characters_next_to_the_digits_are_not_digits() {
        // ':' follows '9', '@' precedes 'A', 'G' follows 'F' (and likewise in lowercase).
        for c in [b'/', b':', b'@', b'G', b'`', b'g'] {
            let mut hex = [b'0'; 64];
            hex[63] = c;
            assert_eq!(decode_hex32(&hex), None, "{}", char::from(c));
            let escape = format!("%0{}", char::from(c));
            assert_eq!(percent_decode(&escape, false), None, "{escape}");
        }
    }

    #[test]
    fn one_bad_digit_refuses_an_escape_even_when_the_bytes_would_be_utf8() {
        // A bad first digit read as 0xf_ would start a valid four-byte character here.
        assert_eq!(
            percent_decode("%f0%9F%98%80", false).as_deref(),
            Some("\u{1F600}")
        );
        assert_eq!(percent_decode("%z0%9F%98%80", false), None);
        assert_eq!(percent_decode("%f0%zF%98%80", false), None);
    }

    #[test]
    fn percent_decoding_takes_every_pair_of_digits() {
        for byte in 0..=127u8 {
            for escape in [format!("%{byte:02X}"), format!("%{byte:02x}")] {
                let decoded = percent_decode(&escape, true).unwrap();
                assert_eq!(decoded.as_bytes(), [byte], "{escape}");
            }
        }
        for byte in 0..=255u8 {
            let c = byte as char;
            if !c.is_ascii_hexdigit() && c != '+' {
                assert_eq!(percent_decode(&format!("%{c}0"), false), None, "{c:?}");
                assert_eq!(percent_decode(&format!("%0{c}"), false), None, "{c:?}");
            }
        }
    }
}
