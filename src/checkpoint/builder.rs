//! [`CheckpointBuilder`]: opens a checkpoint, locking its file before reading it and
//! repairing it in place.

use std::collections::HashSet;
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::file::{self, io_error};
use super::format::{Contents, Header, Parsed, VERSION, parse};
use super::{Checkpoint, CheckpointError, MAX_CONSUMER_LEN};
use crate::models::{FailedEventId, WebhookId};

/// How many times [`CheckpointBuilder::open`] opens the path again when it was
/// replaced between opening and locking, before it gives up.
const ATTEMPTS: usize = 3;

/// Opens a [`Checkpoint`]; from [`Checkpoint::builder`].
#[derive(Debug, Clone)]
#[must_use = "a checkpoint builder does nothing until `open` or `peek`"]
pub struct CheckpointBuilder {
    pub(super) path: PathBuf,
    pub(super) webhook_id: WebhookId,
    pub(super) consumer: String,
}

impl CheckpointBuilder {
    /// Opens the checkpoint for recording, creating the file if it does not exist,
    /// and locks it against other processes: while one holds it, a second `open` is
    /// refused with [`CheckpointError::InUse`]. A last id cut short by a crash is
    /// dropped. The path must be a regular file or nothing
    /// ([`CheckpointError::NotAFile`]).
    pub fn open(self) -> Result<Checkpoint, CheckpointError> {
        self.check_consumer()?;
        let own_header = Header::new(self.webhook_id, &self.consumer).line();
        for _ in 0..ATTEMPTS {
            let Some(file) = file::open(&self.path, true)? else {
                continue;
            };
            // The lock comes first: what is read, checked and repaired below is
            // then seen by no other opener until this one is dropped.
            match file.try_lock() {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(CheckpointError::InUse { path: self.path });
                }
                // A file system without locks: go on unlocked rather than refuse to work.
                Err(std::fs::TryLockError::Error(_)) => {}
            }
            // Locked, but maybe a file that was removed or renamed over meanwhile:
            // the next opener would find another file at the path, and lock that.
            if !file::still_named(&self.path, &file)? {
                continue;
            }
            let bytes = file::read_all(&self.path, &file)?;
            return match parse(&self.path, &bytes, &own_header)? {
                Parsed::New => self.create(file, &own_header),
                Parsed::Keyed(contents) => {
                    self.check_key(&contents)?;
                    self.repair(file, contents, bytes.len() as u64)
                }
            };
        }
        Err(CheckpointError::Replaced { path: self.path })
    }

    /// The recorded ids, read without creating, repairing, locking or rewriting
    /// anything (for a dry run): none if the file does not exist.
    pub fn peek(self) -> Result<HashSet<FailedEventId>, CheckpointError> {
        self.check_consumer()?;
        let Some(file) = file::open(&self.path, false)? else {
            return Ok(HashSet::new());
        };
        let bytes = file::read_all(&self.path, &file)?;
        let own_header = Header::new(self.webhook_id, &self.consumer).line();
        match parse(&self.path, &bytes, &own_header)? {
            Parsed::New => Ok(HashSet::new()),
            Parsed::Keyed(contents) => {
                self.check_key(&contents)?;
                Ok(contents.ids)
            }
        }
    }

    fn check_consumer(&self) -> Result<(), CheckpointError> {
        let c = &self.consumer;
        if c.is_empty() || c.chars().count() > MAX_CONSUMER_LEN || c.chars().any(char::is_control) {
            return Err(CheckpointError::InvalidConsumer);
        }
        Ok(())
    }

    fn check_key(&self, contents: &Contents) -> Result<(), CheckpointError> {
        let h = &contents.header;
        if h.revolut_webhooks_checkpoint != VERSION {
            return Err(CheckpointError::UnsupportedVersion {
                path: self.path.clone(),
                version: h.revolut_webhooks_checkpoint,
            });
        }
        if h.webhook_id != self.webhook_id || h.consumer != self.consumer {
            return Err(CheckpointError::OtherKey {
                path: self.path.clone(),
                found_webhook_id: h.webhook_id,
                found_consumer: h.consumer.clone(),
                webhook_id: self.webhook_id,
                consumer: self.consumer.clone(),
            });
        }
        Ok(())
    }

    /// Writes the header to a new (empty, or torn while created) file, under the lock.
    fn create(self, mut file: File, header: &[u8]) -> Result<Checkpoint, CheckpointError> {
        let written = file
            .set_len(0)
            .and_then(|()| file.write_all(header))
            .and_then(|()| file.sync_data())
            // The file's name in its directory must survive a crash too.
            .and_then(|()| sync_parent(&self.path));
        written.map_err(|e| io_error("create", &self.path, e))?;
        Ok(self.checkpoint(file, HashSet::new(), header.len() as u64))
    }

    /// Drops a torn last id, or ends a whole one with its newline, in place.
    fn repair(
        self,
        mut file: File,
        contents: Contents,
        mut len: u64,
    ) -> Result<Checkpoint, CheckpointError> {
        let repaired = if contents.torn {
            len = contents.complete_len;
            file.set_len(len).and_then(|()| file.sync_data())
        } else if contents.needs_newline {
            len += 1;
            file.write_all(b"\n").and_then(|()| file.sync_data())
        } else {
            Ok(())
        };
        repaired.map_err(|e| io_error("repair", &self.path, e))?;
        Ok(self.checkpoint(file, contents.ids, len))
    }

    fn checkpoint(self, file: File, done: HashSet<FailedEventId>, len: u64) -> Checkpoint {
        Checkpoint {
            path: self.path,
            file,
            webhook_id: self.webhook_id,
            consumer: self.consumer,
            done,
            len,
            broken: false,
        }
    }
}

/// Makes a new file's name durable: on Unix the directory entry lives in the parent.
#[cfg(unix)]
fn sync_parent(path: &Path) -> io::Result<()> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    File::open(parent)?.sync_all()
}

#[cfg(not(unix))]
fn sync_parent(_path: &Path) -> io::Result<()> {
    Ok(())
}
