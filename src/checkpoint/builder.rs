//! [`CheckpointBuilder`]: opens a checkpoint, checking, repairing and locking its file.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::format::{Contents, Header, VERSION, parse};
use super::{Checkpoint, CheckpointError, MAX_CONSUMER_LEN};
use crate::models::{FailedEventId, WebhookId};

/// Opens a [`Checkpoint`]; from [`Checkpoint::builder`].
#[derive(Debug, Clone)]
#[must_use = "a checkpoint builder does nothing until `open` or `peek`"]
pub struct CheckpointBuilder {
    pub(super) path: PathBuf,
    pub(super) webhook_id: WebhookId,
    pub(super) consumer: String,
    pub(super) adopt_unkeyed: bool,
}

impl CheckpointBuilder {
    /// Take over a file of bare event ids with no header (the state file of
    /// `revolut-webhooks replay` before 0.1) as this webhook's and consumer's: its
    /// ids count as processed, and [`open`](Self::open) rewrites it with a header.
    /// Only right if those events were processed by this consumer. Off by default:
    /// such a file is refused with [`CheckpointError::Unkeyed`].
    pub fn adopt_unkeyed(mut self, adopt: bool) -> Self {
        self.adopt_unkeyed = adopt;
        self
    }

    /// Opens the checkpoint for recording, creating the file if it does not exist,
    /// and locks it against other processes. A last line cut short by a crash is dropped.
    pub fn open(self) -> Result<Checkpoint, CheckpointError> {
        self.check_consumer()?;
        let io = |action: &'static str, path: &Path| {
            let path = path.to_owned();
            move |source| CheckpointError::Io {
                action,
                path,
                source,
            }
        };
        let contents = self.read()?;
        let (contents, keyed) = match contents {
            Some(contents) if contents.header.is_some() => (contents, true),
            Some(contents) => (contents, false),
            None => (self.empty(), false),
        };
        if !keyed {
            // New, empty, or adopted: write the header (and the adopted ids) to a
            // new file and rename it into place, so no reader ever sees half a header.
            self.replace_with(&contents.ids)?;
        }
        let file = OpenOptions::new()
            .append(true)
            .open(&self.path)
            .map_err(io("open", &self.path))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(CheckpointError::InUse { path: self.path });
            }
            // A file system without locks: go on unlocked rather than refuse to work.
            Err(std::fs::TryLockError::Error(_)) => {}
        }
        let mut len = file.metadata().map_err(io("read", &self.path))?.len();
        if keyed && contents.torn {
            file.set_len(contents.complete_len)
                .and_then(|()| file.sync_data())
                .map_err(io("repair", &self.path))?;
            len = contents.complete_len;
        }
        let mut checkpoint = Checkpoint {
            path: self.path,
            file,
            webhook_id: self.webhook_id,
            consumer: self.consumer,
            done: contents.ids,
            len,
            broken: false,
        };
        if keyed && contents.needs_newline {
            checkpoint
                .file
                .write_all(b"\n")
                .and_then(|()| checkpoint.file.sync_data())
                .map_err(io("repair", &checkpoint.path))?;
            checkpoint.len += 1;
        }
        Ok(checkpoint)
    }

    /// The recorded ids, read without creating, repairing, locking or rewriting
    /// anything (for a dry run): none if the file does not exist.
    pub fn peek(self) -> Result<HashSet<FailedEventId>, CheckpointError> {
        self.check_consumer()?;
        Ok(self.read()?.map(|c| c.ids).unwrap_or_default())
    }

    fn check_consumer(&self) -> Result<(), CheckpointError> {
        let c = &self.consumer;
        if c.is_empty() || c.chars().count() > MAX_CONSUMER_LEN || c.chars().any(char::is_control) {
            return Err(CheckpointError::InvalidConsumer);
        }
        Ok(())
    }

    fn empty(&self) -> Contents {
        Contents {
            header: None,
            ids: HashSet::new(),
            complete_len: 0,
            needs_newline: false,
            torn: false,
        }
    }

    /// The file's contents, checked against this builder's key; `None` when
    /// there is no file or it is empty.
    fn read(&self) -> Result<Option<Contents>, CheckpointError> {
        let bytes = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(CheckpointError::Io {
                    action: "read",
                    path: self.path.clone(),
                    source,
                });
            }
        };
        if bytes.is_empty() {
            return Ok(None);
        }
        let contents = parse(&self.path, &bytes)?;
        match &contents.header {
            Some(h) if h.revolut_webhooks_checkpoint != VERSION => {
                Err(CheckpointError::UnsupportedVersion {
                    path: self.path.clone(),
                    version: h.revolut_webhooks_checkpoint,
                })
            }
            Some(h) if h.webhook_id != self.webhook_id || h.consumer != self.consumer => {
                Err(CheckpointError::OtherKey {
                    path: self.path.clone(),
                    found_webhook_id: h.webhook_id,
                    found_consumer: h.consumer.clone(),
                    webhook_id: self.webhook_id,
                    consumer: self.consumer.clone(),
                })
            }
            Some(_) => Ok(Some(contents)),
            None if self.adopt_unkeyed => Ok(Some(contents)),
            None => Err(CheckpointError::Unkeyed {
                path: self.path.clone(),
            }),
        }
    }

    /// Atomically replaces the file with a header and `ids`.
    fn replace_with(&self, ids: &HashSet<FailedEventId>) -> Result<(), CheckpointError> {
        let header = Header {
            revolut_webhooks_checkpoint: VERSION,
            webhook_id: self.webhook_id,
            consumer: self.consumer.clone(),
        };
        let mut text = serde_json::to_string(&header).unwrap_or_default();
        text.push('\n');
        for id in ids {
            text.push_str(&id.to_string());
            text.push('\n');
        }
        let mut name = self.path.file_name().unwrap_or_default().to_owned();
        name.push(format!(".{}.tmp", std::process::id()));
        let tmp = self.path.with_file_name(name);
        let io = |action: &'static str| {
            let path = self.path.clone();
            move |source| CheckpointError::Io {
                action,
                path,
                source,
            }
        };
        let written = File::create(&tmp).and_then(|mut f| {
            f.write_all(text.as_bytes())?;
            f.sync_all()
        });
        if let Err(e) = written.and_then(|()| std::fs::rename(&tmp, &self.path)) {
            let _ = std::fs::remove_file(&tmp);
            return Err(io("create")(e));
        }
        sync_parent(&self.path).map_err(io("create"))
    }
}

/// Makes a rename durable: on Unix the directory entry lives in the parent.
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
