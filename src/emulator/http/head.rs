//! Parsing a complete request head into a `Request`, with `httparse`.
//
// httparse tokenizes the head; the rules around it are the ones the emulator's own
// parser made before it, so that every head that parser refused is refused with the
// same status: CRLF line ends only, no empty line before the request line, a method
// in capitals, 505 for a version other than 1.0 and 1.1, an origin-form target, no
// limit on the number of headers but the head's size. It is stricter in one way
// only: bytes HTTP does not allow where they stand are refused, 400 (a header name
// that is not a token; a control character, a bare CR or LF included, in a header
// value or the target), where that parser took them as they came.

use super::message::{Request, Response};

/// Parses `head`: the request line and header lines, each ending in CRLF, and the
/// empty line after them.
pub(super) fn parse_head(head: &[u8]) -> Result<Request, Response> {
    let bad = |why: &str| Response::refusal(400, why);
    let text = std::str::from_utf8(head).map_err(|_| bad("the request head is not UTF-8"))?;
    if names_another_version(text) {
        return Err(Response::refusal(
            505,
            "only HTTP/1.0 and HTTP/1.1 are supported",
        ));
    }
    let lines = text.matches("\r\n").count();
    // httparse skips empty lines before the request line, and ends a line at a bare LF
    // too: a header and what follows it on the line would then be read as two headers,
    // where a reader of CRLF lines sees one.
    if text.starts_with("\r\n") {
        return Err(bad("malformed request line"));
    }
    if text.matches('\n').count() != lines {
        return Err(bad("a line of the request head ends in a bare LF"));
    }
    // A slot per line is more than the head can fill, so the only bound on the number
    // of headers stays the head's size.
    let mut slots = vec![httparse::EMPTY_HEADER; lines];
    let mut parsed = httparse::Request::new(&mut slots);
    let status = parsed.parse(head);
    let method = parsed.method.unwrap_or("");
    if parsed.method.is_some() && !is_method(method) {
        return Err(bad("malformed method"));
    }
    match status {
        Ok(httparse::Status::Complete(end)) if end == head.len() => {}
        Err(httparse::Error::HeaderName | httparse::Error::HeaderValue) => {
            return Err(bad("malformed header line"));
        }
        _ => return Err(bad("malformed request line")),
    }
    let http10 = parsed.version == Some(0);
    let target = parsed.path.unwrap_or("");
    if !target.starts_with('/') {
        return Err(bad("the request target must be a path"));
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut headers = Vec::with_capacity(parsed.headers.len() + 1);
    for header in parsed.headers.iter() {
        // Cut from a UTF-8 head at ASCII bytes, so this does not fail; `trim` takes
        // the Unicode spaces httparse leaves.
        let value = std::str::from_utf8(header.value).map_err(|_| bad("malformed header line"))?;
        headers.push((header.name.to_ascii_lowercase(), value.trim().to_owned()));
    }
    if http10 && !headers.iter().any(|(n, _)| n == "connection") {
        headers.push(("connection".into(), "close".into()));
    }
    Ok(Request {
        method: method.to_owned(),
        path: path.to_owned(),
        query: query.to_owned(),
        headers,
        body: Vec::new(),
        http10,
    })
}

fn is_method(method: &str) -> bool {
    !method.is_empty() && method.bytes().all(|b| b.is_ascii_uppercase())
}

/// Whether the request line is three parts, a method first, and a version other than
/// HTTP/1.0 and HTTP/1.1 last: a 505, whatever else is wrong with the head. httparse
/// cannot say: it reads a version as eight bytes, so `HTTP/1.10` is to it a line that
/// does not end where it should.
fn names_another_version(text: &str) -> bool {
    let line = text.split("\r\n").next().unwrap_or("");
    let mut parts = line.split(' ');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(method), Some(_), Some(version), None) => {
            is_method(method) && version != "HTTP/1.1" && version != "HTTP/1.0"
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(head: &[u8]) -> u16 {
        match parse_head(head) {
            Ok(_) => 200,
            Err(refusal) => refusal.status,
        }
    }

    #[test]
    fn parses_the_request_line_and_headers() {
        let head = b"POST /a/b?x=1&y=%20 HTTP/1.1\r\nHost: h\r\nX-Two:  a b \t\r\nx-two:\xc2\xa0c\xc2\xa0\r\nEmpty:\r\n\r\n";
        let request = parse_head(head).unwrap();
        assert_eq!(request.method, "POST");
        assert_eq!(request.path, "/a/b");
        assert_eq!(request.query, "x=1&y=%20");
        assert!(!request.http10);
        assert_eq!(
            request.headers,
            [
                ("host".to_owned(), "h".to_owned()),
                ("x-two".to_owned(), "a b".to_owned()),
                ("x-two".to_owned(), "c".to_owned()),
                ("empty".to_owned(), String::new()),
            ]
        );
        let old = parse_head(b"GET / HTTP/1.0\r\n\r\n").unwrap();
        assert!(old.http10);
        assert_eq!(old.header("connection"), Some("close"));
        let kept = parse_head(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").unwrap();
        assert_eq!(kept.header("connection"), Some("keep-alive"));
    }

    #[test]
    fn the_head_size_is_the_only_bound_on_headers() {
        let mut head = b"GET / HTTP/1.1\r\n".to_vec();
        for _ in 0..4000 {
            head.extend_from_slice(b"a:\r\n");
        }
        head.extend_from_slice(b"\r\n");
        assert_eq!(parse_head(&head).unwrap().headers.len(), 4000);
    }

    #[test]
    fn malformed_heads_are_refused_400_or_505() {
        let cases: [(&[u8], u16); 23] = [
            (b"\r\n\r\n", 400),
            (b"\r\nGET / HTTP/1.1\r\n\r\n", 400),
            (b"GET / HTTP/1.1\r\nX: a\nY: b\r\n\r\n", 400),
            (b"GET / HTTP/1.1\nX: a\r\n\r\n", 400),
            (b"GET\r\n\r\n", 400),
            (b"GET  / HTTP/1.1\r\n\r\n", 400),
            (b"GET / HTTP/1.1 \r\n\r\n", 400),
            (b"get / HTTP/1.1\r\n\r\n", 400),
            (b"get / HTTP/9.9\r\n\r\n", 400),
            (b"GET / HTTP/9.9\r\n\r\n", 505),
            (b"GET / HTTP/2\r\n\r\n", 505),
            (b"GET / HTTP/1.10\r\n\r\n", 505),
            (b"GET / HTTP/1.1x\r\n\r\n", 505),
            (b"GET x HTTP/9.9\r\nno colon\r\n\r\n", 505),
            (b"GET / HTTP/9.9\r\nX: a\nb\r\n\r\n", 505),
            (b"GET  / HTTP/9.9\r\n\r\n", 400),
            (b"GET / HTTP/2 x\r\n\r\n", 400),
            (b"GET http://x/ HTTP/1.1\r\n\r\n", 400),
            (b"GET / HTTP/1.1\r\nno colon\r\n\r\n", 400),
            (b"GET / HTTP/1.1\r\nX : a\r\n\r\n", 400),
            (b"GET / HTTP/1.1\r\n X: a\r\n\r\n", 400),
            (b"GET / HTTP/1.1\r\nX: a\r\n folded\r\n\r\n", 400),
            (b"GET /\xff HTTP/1.1\r\n\r\n", 400),
        ];
        for (head, expected) in cases {
            assert_eq!(
                status(head),
                expected,
                "{:?}",
                String::from_utf8_lossy(head)
            );
        }
    }

    #[test]
    fn bytes_http_does_not_allow_are_refused() {
        for head in [
            &b"GET / HTTP/1.1\r\nX(y): 1\r\n\r\n"[..],
            b"GET / HTTP/1.1\r\n\xc3\xa9: 1\r\n\r\n",
            b"GET / HTTP/1.1\r\nX: a\x01b\r\n\r\n",
            b"GET / HTTP/1.1\r\nX: a\rb\r\n\r\n",
            b"GET / HTTP/1.1\r\nX: a\x7f\r\n\r\n",
            b"GET /a\x7fb HTTP/1.1\r\n\r\n",
            b"GET /a\tb HTTP/1.1\r\n\r\n",
        ] {
            assert_eq!(status(head), 400, "{:?}", String::from_utf8_lossy(head));
        }
    }
}
