//! A crash-safe record of the failed events a consumer has processed, for batch
//! jobs that re-process failed events and must handle each one once across restarts.
//!
//! A [`Checkpoint`] is one file per webhook and consumer (a receiver URL, a job
//! name): a header line naming both, then one event id per line, appended and
//! synced to disk by [`Checkpoint::record`] before it returns. So a crash at any
//! moment loses at most the event being processed when it happened: it was not
//! recorded, and the next run processes it again. That is *at least once*: a
//! consumer whose effect cannot be repeated must make it idempotent (by event id).
//!
//! The `revolut-webhooks replay` command keeps its state in one of these.
//!
//! ```
//! use revolut_webhooks::checkpoint::Checkpoint;
//! # let dir = std::env::temp_dir().join(format!("checkpoint-doc-{}", std::process::id()));
//! # std::fs::create_dir_all(&dir)?;
//! # let path = dir.join("billing.checkpoint");
//! # let _ = std::fs::remove_file(&path);
//! let webhook = revolut_webhooks::WebhookId::from(uuid::Uuid::from_u128(1));
//! let event = revolut_webhooks::FailedEventId::from(uuid::Uuid::from_u128(2));
//!
//! let mut checkpoint = Checkpoint::builder(&path, webhook, "billing-sync").open()?;
//! if !checkpoint.contains(event) {
//!     // ... process the event, then:
//!     checkpoint.record(event)?;
//! }
//! drop(checkpoint);
//!
//! // A later run, after a crash or not, knows it was done.
//! let checkpoint = Checkpoint::builder(&path, webhook, "billing-sync").open()?;
//! assert!(checkpoint.contains(event));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # File format
//!
//! ```text
//! {"revolut_webhooks_checkpoint":1,"webhook_id":"…","consumer":"…"}
//! 7ea5d374-fad8-4ee7-93af-11f077c085a3
//! da8a09d9-f395-4271-88fa-822c05f0894f
//! ```
//!
//! A crash can leave at most the start of one id after the last newline (one write
//! per id): that is dropped, and the event processed again. Anything else that is
//! not an event id, an unfinished last line included, is refused with
//! [`CheckpointError::Corrupt`] rather than guessed at, and left as it is.
//!
//! # One process at a time, one regular file
//!
//! [`CheckpointBuilder::open`] locks the file before it reads it, repairs it in place
//! (never by renaming another file over it) and checks, once locked, that the path
//! still names the file it locked: while one process holds a checkpoint, every
//! other `open` of that path is refused with [`CheckpointError::InUse`]. The path must
//! be a regular file or nothing: a symbolic link, a FIFO, a device or a directory is
//! refused with [`CheckpointError::NotAFile`] without being followed, read or
//! replaced, and no other file is ever created beside it.
//!
//! # Blocking and async code
//!
//! The checkpoint is plain `std::fs`: [`Checkpoint::record`] blocks for one write
//! and one `fsync`, usually well under a few milliseconds. Async code can call it
//! directly between events, or move it into `spawn_blocking` when the disk is slow;
//! it holds no lock across an `.await` either way.

use std::collections::HashSet;
use std::fmt;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::models::{FailedEventId, WebhookId};

mod builder;
mod error;
mod file;
mod format;

pub use builder::CheckpointBuilder;
pub use error::CheckpointError;

/// The longest consumer name accepted.
pub const MAX_CONSUMER_LEN: usize = 2048;

/// A crash-safe set of processed event ids for one webhook and one consumer,
/// backed by a file. See the [module documentation](self).
pub struct Checkpoint {
    path: PathBuf,
    file: File,
    webhook_id: WebhookId,
    consumer: String,
    done: HashSet<FailedEventId>,
    len: u64,
    broken: bool,
}

impl fmt::Debug for Checkpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Checkpoint")
            .field("path", &self.path)
            .field("webhook_id", &self.webhook_id)
            .field("consumer", &self.consumer)
            .field("recorded", &self.done.len())
            .finish()
    }
}

impl Checkpoint {
    /// A checkpoint at `path` for the failed events of `webhook_id` processed by
    /// `consumer`: a receiver URL, a job name, anything that names who processed
    /// them (written to the file, so never a secret).
    pub fn builder(
        path: impl Into<PathBuf>,
        webhook_id: WebhookId,
        consumer: impl Into<String>,
    ) -> CheckpointBuilder {
        CheckpointBuilder {
            path: path.into(),
            webhook_id,
            consumer: consumer.into(),
        }
    }

    /// Whether `event_id` was recorded, by this run or an earlier one.
    pub fn contains(&self, event_id: FailedEventId) -> bool {
        self.done.contains(&event_id)
    }

    /// Records `event_id` as processed: appended to the file and synced to disk
    /// before this returns. `Ok(false)` if it was recorded already (nothing is written).
    ///
    /// Call it only once the event's processing is finished (for a delivery: the
    /// receiver's 2xx). After an error the event is not recorded.
    pub fn record(&mut self, event_id: FailedEventId) -> Result<bool, CheckpointError> {
        if self.broken {
            return Err(CheckpointError::Broken {
                path: self.path.clone(),
            });
        }
        if self.done.contains(&event_id) {
            return Ok(false);
        }
        let line = format!("{event_id}\n");
        let written = self
            .file
            .write_all(line.as_bytes())
            .and_then(|()| self.file.sync_data());
        if let Err(source) = written {
            // Cut off whatever part of the line reached the file, so the next
            // record does not glue onto it; if even that fails, stop writing.
            if self.file.set_len(self.len).is_err() {
                self.broken = true;
            }
            return Err(CheckpointError::Io {
                action: "write to",
                path: self.path.clone(),
                source,
            });
        }
        self.len += line.len() as u64;
        self.done.insert(event_id);
        Ok(true)
    }

    /// How many event ids are recorded.
    pub fn len(&self) -> usize {
        self.done.len()
    }

    /// Whether no event id is recorded.
    pub fn is_empty(&self) -> bool {
        self.done.is_empty()
    }

    /// The recorded event ids, in no particular order.
    pub fn ids(&self) -> impl Iterator<Item = FailedEventId> + '_ {
        self.done.iter().copied()
    }

    /// The checkpoint file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The webhook whose events this checkpoint records.
    pub fn webhook_id(&self) -> WebhookId {
        self.webhook_id
    }

    /// Who processed them.
    pub fn consumer(&self) -> &str {
        &self.consumer
    }
}

#[cfg(test)]
mod tests;
