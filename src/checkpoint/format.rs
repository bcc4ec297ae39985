//! The checkpoint file format: a header line, then one event id per line.

use std::collections::HashSet;
use std::path::Path;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::CheckpointError;
use crate::models::{FailedEventId, WebhookId};

/// The format version written in the header line.
pub(super) const VERSION: u32 = 1;

/// The header line of a checkpoint file.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Header {
    pub(super) revolut_webhooks_checkpoint: u32,
    pub(super) webhook_id: WebhookId,
    pub(super) consumer: String,
}

/// What a checkpoint file holds, as read.
pub(super) struct Contents {
    /// `None` for a file of bare ids with no header.
    pub(super) header: Option<Header>,
    pub(super) ids: HashSet<FailedEventId>,
    /// Bytes up to the end of the last complete line.
    pub(super) complete_len: u64,
    /// The file ends in a full id that lacks only its newline.
    pub(super) needs_newline: bool,
    /// The file ends in a partial line to drop.
    pub(super) torn: bool,
}

/// An event id exactly as [`Checkpoint::record`](super::Checkpoint::record) writes it.
fn event_id(line: &[u8]) -> Option<FailedEventId> {
    if line.len() != 36 {
        return None;
    }
    Uuid::try_parse_ascii(line).ok().map(FailedEventId::from)
}

pub(super) fn parse(path: &Path, bytes: &[u8]) -> Result<Contents, CheckpointError> {
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

    let mut ids = HashSet::new();
    let header = match lines.first() {
        Some(line) if line.first() == Some(&b'{') => Some(
            serde_json::from_slice::<Header>(line)
                .map_err(|_| corrupt(1, "is not a checkpoint header"))?,
        ),
        Some(line) => match event_id(line) {
            Some(id) => {
                ids.insert(id);
                None
            }
            None => return Err(corrupt(1, "is neither a checkpoint header nor an event id")),
        },
        // A single line with no newline at all: only a complete header counts.
        None => {
            return match serde_json::from_slice::<Header>(tail) {
                Ok(header) => Ok(Contents {
                    header: Some(header),
                    ids,
                    complete_len: bytes.len() as u64,
                    needs_newline: true,
                    torn: false,
                }),
                Err(_) if event_id(tail).is_some() => Err(corrupt(
                    1,
                    "is an event id with no newline: not a checkpoint this crate wrote",
                )),
                Err(_) => Err(corrupt(1, "is not a checkpoint header")),
            };
        }
    };
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
            None => torn = true,
        }
    }
    Ok(Contents {
        header,
        ids,
        complete_len: complete_len as u64,
        needs_newline,
        torn,
    })
}
