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
//! A last line cut short by a crash is dropped (that event is processed again);
//! anything else that is not an event id is refused with
//! [`CheckpointError::Corrupt`] rather than guessed at. A file of bare ids with no
//! header (the state file of `revolut-webhooks replay` before 0.1) names no
//! consumer; [`CheckpointBuilder::adopt_unkeyed`] takes it over.
//!
//! # Blocking and async code
//!
//! The checkpoint is plain `std::fs`: [`Checkpoint::record`] blocks for one write
//! and one `fsync`, usually well under a few milliseconds. Async code can call it
//! directly between events, or move it into `spawn_blocking` when the disk is slow;
//! it holds no lock across an `.await` either way.

use std::collections::HashSet;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::models::{FailedEventId, WebhookId};

/// The format version written in the header line.
const VERSION: u32 = 1;

/// The longest consumer name accepted.
pub const MAX_CONSUMER_LEN: usize = 2048;

/// The header line of a checkpoint file.
#[derive(Debug, Serialize, Deserialize)]
struct Header {
    revolut_webhooks_checkpoint: u32,
    webhook_id: WebhookId,
    consumer: String,
}

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

/// What a checkpoint file holds, as read.
struct Contents {
    /// `None` for a file of bare ids with no header.
    header: Option<Header>,
    ids: HashSet<FailedEventId>,
    /// Bytes up to the end of the last complete line.
    complete_len: u64,
    /// The file ends in a full id that lacks only its newline.
    needs_newline: bool,
    /// The file ends in a partial line to drop.
    torn: bool,
}

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

/// Opens a [`Checkpoint`]; from [`Checkpoint::builder`].
#[derive(Debug, Clone)]
#[must_use = "a checkpoint builder does nothing until `open` or `peek`"]
pub struct CheckpointBuilder {
    path: PathBuf,
    webhook_id: WebhookId,
    consumer: String,
    adopt_unkeyed: bool,
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
            adopt_unkeyed: false,
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

/// An event id exactly as [`Checkpoint::record`] writes it.
fn event_id(line: &[u8]) -> Option<FailedEventId> {
    if line.len() != 36 {
        return None;
    }
    Uuid::try_parse_ascii(line).ok().map(FailedEventId::from)
}

fn parse(path: &Path, bytes: &[u8]) -> Result<Contents, CheckpointError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "revolut-webhooks-checkpoint-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    const HOOK_UUID: Uuid = Uuid::from_u128(0x1111);
    // As text in hand-written files.
    const A_UUID: Uuid = Uuid::from_u128(0xa);
    const B_UUID: Uuid = Uuid::from_u128(0xb);

    fn hook() -> WebhookId {
        HOOK_UUID.into()
    }

    fn event(n: u128) -> FailedEventId {
        Uuid::from_u128(n).into()
    }

    fn open(path: &Path) -> Result<Checkpoint, CheckpointError> {
        Checkpoint::builder(path, hook(), "https://hooks.example.com/revolut").open()
    }

    #[test]
    fn records_survive_reopening_and_are_written_once() {
        let path = dir("reopen").join("c.ids");
        let mut c = open(&path).unwrap();
        assert!(c.is_empty());
        assert!(c.record(event(0xa)).unwrap());
        assert!(c.record(event(0xb)).unwrap());
        assert!(!c.record(event(0xa)).unwrap());
        drop(c);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 3, "{text}");
        assert!(text.starts_with("{\"revolut_webhooks_checkpoint\":1,"));
        let c = open(&path).unwrap();
        assert_eq!(c.len(), 2);
        assert!(c.contains(event(0xa)) && c.contains(event(0xb)) && !c.contains(event(0xc)));
        let peeked = Checkpoint::builder(&path, hook(), "https://hooks.example.com/revolut")
            .peek()
            .unwrap();
        assert_eq!(peeked, HashSet::from([event(0xa), event(0xb)]));
    }

    #[test]
    fn a_second_process_is_refused_while_one_has_it_open() {
        let path = dir("lock").join("c.ids");
        let _first = open(&path).unwrap();
        assert!(matches!(open(&path), Err(CheckpointError::InUse { .. })));
    }

    #[test]
    fn another_webhook_or_consumer_is_refused() {
        let path = dir("key").join("c.ids");
        open(&path).unwrap().record(event(0xa)).unwrap();
        let other = Checkpoint::builder(&path, hook(), "https://staging.example.com/").open();
        let e = other.unwrap_err();
        assert!(matches!(e, CheckpointError::OtherKey { .. }), "{e}");
        assert!(e.to_string().contains("staging.example.com"), "{e}");
        let other = Checkpoint::builder(
            &path,
            WebhookId::from(Uuid::from_u128(0xb)),
            "https://hooks.example.com/revolut",
        )
        .peek();
        assert!(matches!(other, Err(CheckpointError::OtherKey { .. })));
    }

    #[test]
    fn a_torn_last_line_is_dropped_and_the_next_record_starts_a_line() {
        let path = dir("torn").join("c.ids");
        open(&path).unwrap().record(event(0xa)).unwrap();
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(&event(0xb).to_string().as_bytes()[..20])
            .unwrap();
        drop(f);
        let mut c = open(&path).unwrap();
        assert_eq!(c.ids().collect::<Vec<_>>(), [event(0xa)]);
        c.record(event(0xc)).unwrap();
        drop(c);
        let c = open(&path).unwrap();
        assert_eq!(
            c.ids().collect::<HashSet<_>>(),
            HashSet::from([event(0xa), event(0xc)])
        );
    }

    #[test]
    fn a_whole_id_missing_only_its_newline_counts() {
        let path = dir("newline").join("c.ids");
        open(&path).unwrap().record(event(0xa)).unwrap();
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(event(0xb).to_string().as_bytes()).unwrap();
        drop(f);
        let mut c = open(&path).unwrap();
        assert!(c.contains(event(0xb)));
        c.record(event(0xc)).unwrap();
        drop(c);
        assert_eq!(open(&path).unwrap().len(), 3);
    }

    #[test]
    fn garbage_is_a_clear_error_not_a_guess() {
        let d = dir("garbage");
        let header = format!(
            "{{\"revolut_webhooks_checkpoint\":1,\"webhook_id\":\"{HOOK_UUID}\",\"consumer\":\"https://hooks.example.com/revolut\"}}\n"
        );
        for (name, text, line) in [
            ("prose", "hello world\n".to_owned(), 1),
            ("json", "{\"not\":\"a header\"}\n".to_owned(), 1),
            (
                "middle",
                format!("{header}{A_UUID}\nnot an id\n{B_UUID}\n"),
                3,
            ),
            ("binary", format!("{header}\0\0\0\0\n"), 2),
        ] {
            let path = d.join(name);
            std::fs::write(&path, &text).unwrap();
            match open(&path) {
                Err(CheckpointError::Corrupt { line: l, .. }) => assert_eq!(l, line, "{name}"),
                other => panic!("{name}: {other:?}"),
            }
            // Nothing was changed.
            assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
        }
        let path = d.join("future");
        std::fs::write(
            &path,
            header.replace("checkpoint\":1", "checkpoint\":2") + &format!("{A_UUID}\n"),
        )
        .unwrap();
        assert!(matches!(
            open(&path),
            Err(CheckpointError::UnsupportedVersion { version: 2, .. })
        ));
    }

    #[test]
    fn a_headerless_file_of_ids_is_refused_unless_adopted() {
        let path = dir("legacy").join("old.ids");
        std::fs::write(&path, format!("{A_UUID}\n{B_UUID}\n")).unwrap();
        assert!(matches!(open(&path), Err(CheckpointError::Unkeyed { .. })));
        let builder = Checkpoint::builder(&path, hook(), "https://hooks.example.com/revolut")
            .adopt_unkeyed(true);
        assert_eq!(
            builder.clone().peek().unwrap(),
            HashSet::from([event(0xa), event(0xb)])
        );
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            format!("{A_UUID}\n{B_UUID}\n"),
            "peek writes nothing"
        );
        let mut c = builder.open().unwrap();
        c.record(event(0xc)).unwrap();
        drop(c);
        // Now keyed: a plain open reads it.
        let c = open(&path).unwrap();
        assert_eq!(
            c.ids().collect::<HashSet<_>>(),
            HashSet::from([event(0xa), event(0xb), event(0xc)])
        );
    }

    #[test]
    fn consumers_are_names_not_lines() {
        let path = dir("consumer").join("c.ids");
        for bad in ["", "a\nb", &"x".repeat(MAX_CONSUMER_LEN + 1)] {
            assert!(matches!(
                Checkpoint::builder(&path, hook(), bad).open(),
                Err(CheckpointError::InvalidConsumer)
            ));
        }
        assert!(!path.exists());
    }

    #[test]
    fn it_moves_between_threads_and_tasks() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<Checkpoint>();
        send_sync::<CheckpointBuilder>();
        send_sync::<CheckpointError>();
    }

    #[test]
    fn an_empty_file_becomes_a_new_checkpoint() {
        let path = dir("empty").join("c.ids");
        std::fs::write(&path, "").unwrap();
        let mut c = open(&path).unwrap();
        c.record(event(0xa)).unwrap();
        drop(c);
        assert_eq!(open(&path).unwrap().len(), 1);
    }
}
