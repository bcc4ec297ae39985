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
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::models::{FailedEventId, WebhookId};

mod builder;
mod error;
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

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::fs::OpenOptions;
    use std::io::Write;
    use std::path::PathBuf;

    use uuid::Uuid;

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
