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
    /// A file of bare event ids with no header, from an earlier version: it does
    /// not say which consumer processed them.
    #[error(
        "{} lists event ids but not which consumer processed them (an earlier version's state \
         file): adopt it for this consumer only if the ids were processed by it",
        path.display()
    )]
    Unkeyed {
        /// The checkpoint file.
        path: PathBuf,
    },
    /// A line that is not an event id (or a header that is not one): the file is
    /// not a checkpoint, or was damaged. Nothing is guessed.
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
