//! [`CheckpointError`]: why a checkpoint could not be opened, read or written.

use std::io;
use std::path::PathBuf;

use crate::models::WebhookId;

/// Why a checkpoint could not be opened, read or written. Never holds a secret
/// (the consumer name is written to the file in plain text, so it must not be one).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointError {
    /// The file could not be read, created, written or synced.
    #[error("cannot {action} the checkpoint {}: {source}", path.display())]
    Io {
        /// What was being done: `read`, `create`, `write to`, …
        action: &'static str,
        /// The checkpoint file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// The file belongs to another webhook or consumer.
    #[error(
        "{} is the checkpoint of webhook {found_webhook_id} for {found_consumer:?}, not of webhook \
         {webhook_id} for {consumer:?}: use a file of its own for each webhook and consumer",
        path.display()
    )]
    OtherKey {
        /// The checkpoint file.
        path: PathBuf,
        /// The webhook named in the file.
        found_webhook_id: WebhookId,
        /// The consumer named in the file.
        found_consumer: String,
        /// The webhook asked for.
        webhook_id: WebhookId,
        /// The consumer asked for.
        consumer: String,
    },
    /// A line that is not an event id (or a header that is not one), or an
    /// unfinished last line that is not the start of an id (all that a crash can
    /// leave): the file is not a checkpoint, or was damaged. Nothing is guessed, and
    /// nothing is changed.
    #[error(
        "{} is not a checkpoint, or was damaged: line {line} {problem}; move it away or repair it",
        path.display()
    )]
    Corrupt {
        /// The checkpoint file.
        path: PathBuf,
        /// The first bad line, counting from 1.
        line: usize,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// A checkpoint written by a newer version of this crate.
    #[error(
        "{} is a version {version} checkpoint; this version of revolut-webhooks reads version 1",
        path.display()
    )]
    UnsupportedVersion {
        /// The checkpoint file.
        path: PathBuf,
        /// The version in its header.
        version: u32,
    },
    /// Another process has the checkpoint open.
    #[error(
        "{} is in use by another process: let it finish, or give this one another file",
        path.display()
    )]
    InUse {
        /// The checkpoint file.
        path: PathBuf,
    },
    /// The path names something other than a regular file: a symbolic link, a FIFO,
    /// a device, a directory. Nothing was read from it or written to it.
    #[error(
        "{} is {found}, not a checkpoint: a checkpoint is a regular file (or a path where \
         none exists yet, to create one)",
        path.display()
    )]
    NotAFile {
        /// The checkpoint path.
        path: PathBuf,
        /// What it is: `a symbolic link`, `a FIFO`, `a device`, `a directory`, …
        found: &'static str,
    },
    /// The file kept being removed or replaced by another program between being
    /// opened and being locked, so this process could not be sure to hold the file
    /// that the path names.
    #[error(
        "{} was replaced by another program while it was being opened: stop whatever \
         renames or removes it, then try again",
        path.display()
    )]
    Replaced {
        /// The checkpoint path.
        path: PathBuf,
    },
    /// An empty consumer name, a too long one, or one with control characters.
    #[error("a checkpoint's consumer must be 1 to 2048 characters without control characters")]
    InvalidConsumer,
    /// An earlier write failed and could not be undone: the file may end in a
    /// partial line. Open the checkpoint again (that drops the partial line).
    #[error(
        "an earlier write to the checkpoint {} failed: open it again before recording more",
        path.display()
    )]
    Broken {
        /// The checkpoint file.
        path: PathBuf,
    },
}
