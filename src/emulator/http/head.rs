//! Parsing a complete request head into a `Request`.

use super::{Request, Response};

pub(super) fn parse_head(head: &str) -> Result<Request, Response> {
    let bad = |why: &str| Response::refusal(400, why);
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or("");
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("malformed request line"));
    };
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(bad("malformed method"));
    }
    if version != "HTTP/1.1" && version != "HTTP/1.0" {
        return Err(Response::refusal(
            505,
            "only HTTP/1.0 and HTTP/1.1 are supported",
        ));
    }
    if !target.starts_with('/') {
        return Err(bad("the request target must be a path"));
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut headers = Vec::new();
    for line in lines {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| bad("malformed header line"))?;
        if name.is_empty()
            || name
                .bytes()
                .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
        {
            return Err(bad("malformed header name"));
        }
        headers.push((name.to_ascii_lowercase(), value.trim().to_owned()));
    }
    if version == "HTTP/1.0" && !headers.iter().any(|(n, _)| n == "connection") {
        headers.push(("connection".into(), "close".into()));
    }
    Ok(Request {
        method: method.to_owned(),
        path: path.to_owned(),
        query: query.to_owned(),
        headers,
        body: Vec::new(),
        http10: version == "HTTP/1.0",
    })
}
