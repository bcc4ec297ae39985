//! An incremental decoder of chunked request bodies.

use super::message::{MAX_BODY_BYTES, MAX_CHUNK_LINE, MAX_HEAD_BYTES, Response};

/// An incremental decoder of a chunked body (RFC 9112 section 7.1): it consumes
/// what the buffer holds so far and remembers where it stopped.
#[derive(Debug, Default)]
pub(super) struct Chunked {
    /// Bytes of the buffer already decoded.
    at: usize,
    state: ChunkState,
    pub(super) body: Vec<u8>,
}

#[derive(Debug, Default, Clone, Copy)]
enum ChunkState {
    #[default]
    Size,
    /// Inside a chunk, this many bytes to go.
    Data(usize),
    /// The CRLF after a chunk's data.
    DataEnd,
    /// Trailer fields after the last chunk, until an empty line.
    Trailer,
}

impl Chunked {
    /// `Ok(Some(n))` when the body is complete after `n` bytes of the buffer;
    /// `Ok(None)` when more bytes are needed.
    pub(super) fn advance(&mut self, buffer: &[u8]) -> Result<Option<usize>, Response> {
        let bad = |why: &str| Response::refusal(400, why);
        loop {
            match self.state {
                ChunkState::Size => {
                    let Some(line) = self.line(buffer, MAX_CHUNK_LINE)? else {
                        return Ok(None);
                    };
                    // Extensions after `;` carry nothing the emulator uses.
                    let size = line.split(|&b| b == b';').next().unwrap_or(&[]);
                    let size = size.trim_ascii_end();
                    if size.is_empty() || !size.iter().all(u8::is_ascii_hexdigit) {
                        return Err(bad("malformed chunk size"));
                    }
                    let size = std::str::from_utf8(size)
                        .ok()
                        .and_then(|s| usize::from_str_radix(s, 16).ok())
                        .filter(|n| self.body.len().saturating_add(*n) <= MAX_BODY_BYTES)
                        .ok_or_else(|| Response::refusal(413, "request body too large"))?;
                    self.state = if size == 0 {
                        ChunkState::Trailer
                    } else {
                        ChunkState::Data(size)
                    };
                }
                ChunkState::Data(left) => {
                    let available = buffer.len() - self.at;
                    if available == 0 {
                        return Ok(None);
                    }
                    let take = left.min(available);
                    self.body
                        .extend_from_slice(&buffer[self.at..self.at + take]);
                    self.at += take;
                    self.state = if take == left {
                        ChunkState::DataEnd
                    } else {
                        ChunkState::Data(left - take)
                    };
                }
                ChunkState::DataEnd => {
                    let Some(end) = buffer.get(self.at..self.at + 2) else {
                        return Ok(None);
                    };
                    if end != b"\r\n" {
                        return Err(bad("a chunk's data must end with CRLF"));
                    }
                    self.at += 2;
                    self.state = ChunkState::Size;
                }
                ChunkState::Trailer => {
                    let Some(line) = self.line(buffer, MAX_HEAD_BYTES)? else {
                        return Ok(None);
                    };
                    if line.is_empty() {
                        return Ok(Some(self.at));
                    }
                }
            }
        }
    }

    /// The next CRLF-terminated line, consumed; `None` until it is complete.
    fn line<'b>(&mut self, buffer: &'b [u8], max: usize) -> Result<Option<&'b [u8]>, Response> {
        let rest = &buffer[self.at..];
        match rest.windows(2).position(|w| w == b"\r\n") {
            Some(end) if end <= max => {
                self.at += end + 2;
                Ok(Some(&rest[..end]))
            }
            Some(_) => Err(Response::refusal(400, "chunk line too long")),
            None if rest.len() > max => Err(Response::refusal(400, "chunk line too long")),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_bodies_decode_whatever_the_reads_split() {
        let wire =
            b"4;a=b\r\nWiki\r\n6\r\npedia \r\nE\r\nin \r\n\r\nchunks.\r\n0\r\nT: 1\r\n\r\nNEXT";
        let complete = wire.len() - 4;
        // Every prefix: incomplete until the last CRLF, then the whole body.
        let mut decoder = Chunked::default();
        for end in 0..=wire.len() {
            match decoder.advance(&wire[..end]) {
                Ok(None) => assert!(end < complete, "{end}"),
                Ok(Some(n)) => {
                    assert_eq!((end, n), (complete, complete));
                    break;
                }
                Err(e) => panic!("{end}: {:?}", String::from_utf8_lossy(&e.body)),
            }
        }
        assert_eq!(decoder.body, b"Wikipedia in \r\n\r\nchunks.");
    }
}
