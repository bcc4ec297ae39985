//! The checkpoint file format: a header line, then one event id per line.

use std::collections::HashSet;
use std::path::Path;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::CheckpointError;
use crate::models::{FailedEventId, WebhookId};

/// The format version written in the header line.
pub(super) const VERSION: u32 = 1;

/// The length of an event id as written: a hyphenated UUID.
const ID_LEN: usize = 36;

/// The header line of a checkpoint file.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Header {
    pub(super) revolut_webhooks_checkpoint: u32,
    pub(super) webhook_id: WebhookId,
    pub(super) consumer: String,
}

impl Header {
    /// The header of this version for `webhook_id` and `consumer`.
    pub(super) fn new(webhook_id: WebhookId, consumer: &str) -> Self {
        Header {
            revolut_webhooks_checkpoint: VERSION,
            webhook_id,
            consumer: consumer.to_owned(),
        }
    }

    /// The header line as written, newline included.
    pub(super) fn line(&self) -> Vec<u8> {
        // A struct of a number, a UUID and a string always serializes.
        let mut line = serde_json::to_vec(self).unwrap_or_default();
        line.push(b'\n');
        line
    }
}

/// What a checkpoint file holds, as read.
#[derive(Debug)]
pub(super) enum Parsed {
    /// Nothing to keep: an empty file, or a strict prefix of the header line this
    /// opener writes (a crash while the file was being created).
    New,
    /// A header, and the ids after it.
    Keyed(Contents),
}

/// A checkpoint file with a header.
#[derive(Debug)]
pub(super) struct Contents {
    pub(super) header: Header,
    pub(super) ids: HashSet<FailedEventId>,
    /// Bytes up to the end of the last complete line.
    pub(super) complete_len: u64,
    /// The file ends in a full id that lacks only its newline.
    pub(super) needs_newline: bool,
    /// The file ends in the start of an id, to drop.
    pub(super) torn: bool,
}

/// An event id exactly as [`Checkpoint::record`](super::Checkpoint::record) writes it.
fn event_id(line: &[u8]) -> Option<FailedEventId> {
    if line.len() != ID_LEN {
        return None;
    }
    Uuid::try_parse_ascii(line).ok().map(FailedEventId::from)
}

/// Whether `tail` is the start of an event id and not all of it: what a crash in the
/// middle of [`Checkpoint::record`](super::Checkpoint::record)'s one write can leave.
fn is_torn_id(tail: &[u8]) -> bool {
    tail.len() < ID_LEN
        && tail.iter().enumerate().all(|(i, &b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// Reads a checkpoint file; `own_header` is the header line this opener would write.
pub(super) fn parse(
    path: &Path,
    bytes: &[u8],
    own_header: &[u8],
) -> Result<Parsed, CheckpointError> {
    let corrupt = |line: usize, problem: &'static str| CheckpointError::Corrupt {
        path: path.to_owned(),
        line,
        problem,
    };
    // Everything after the last newline is a line whose write may not have finished.
    let complete_len = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let (complete, tail) = bytes.split_at(complete_len);
    let mut lines: Vec<&[u8]> = complete
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .collect();
    lines.pop(); // the empty piece after the last newline

    let header = match lines.first() {
        Some(line) => serde_json::from_slice::<Header>(line)
            .map_err(|_| corrupt(1, "is not a checkpoint header"))?,
        // A single line with no newline at all (or nothing: the start of any header).
        None => {
            return match serde_json::from_slice::<Header>(tail) {
                // The whole header reached the disk; only its newline did not.
                Ok(header) => Ok(Parsed::Keyed(Contents {
                    header,
                    ids: HashSet::new(),
                    complete_len: bytes.len() as u64,
                    needs_newline: true,
                    torn: false,
                })),
                Err(_) if own_header.starts_with(tail) => Ok(Parsed::New),
                Err(_) => Err(corrupt(
                    1,
                    "is not a checkpoint header, nor the start of this checkpoint's",
                )),
            };
        }
    };
    let mut ids = HashSet::new();
    for (n, line) in lines.iter().enumerate().skip(1) {
        if line.is_empty() {
            continue;
        }
        let id = event_id(line).ok_or_else(|| corrupt(n + 1, "is not an event id"))?;
        ids.insert(id);
    }
    let mut needs_newline = false;
    let mut torn = false;
    if !tail.is_empty() {
        match event_id(tail) {
            // The whole id reached the disk; only its newline did not.
            Some(id) => {
                ids.insert(id);
                needs_newline = true;
            }
            None if is_torn_id(tail) => torn = true,
            None => {
                return Err(corrupt(
                    lines.len() + 1,
                    "is unfinished and not the start of an event id",
                ));
            }
        }
    }
    Ok(Parsed::Keyed(Contents {
        header,
        ids,
        complete_len: complete_len as u64,
        needs_newline,
        torn,
    }))
}
