//! The checkpoint's promises: records survive, one process at a time, a regular
//! file or nothing, only a real torn record repaired.

mod hostile;
mod processes;

use std::collections::HashSet;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use uuid::Uuid;

use super::*;

/// A child process starts as a copy of this one, every open file included, until it
/// runs its program: meanwhile a checkpoint that another test closed stays locked by
/// the copy, and that test's next `open` is refused. Tests that start a process take
/// this alone; the others share it.
static SPAWNING: RwLock<()> = RwLock::new(());

fn shared() -> RwLockReadGuard<'static, ()> {
    SPAWNING.read().unwrap_or_else(|e| e.into_inner())
}

fn exclusive() -> RwLockWriteGuard<'static, ()> {
    SPAWNING.write().unwrap_or_else(|e| e.into_inner())
}

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

const CONSUMER: &str = "https://hooks.example.com/revolut";

fn open(path: &Path) -> Result<Checkpoint, CheckpointError> {
    Checkpoint::builder(path, hook(), CONSUMER).open()
}

fn peek(path: &Path) -> Result<HashSet<FailedEventId>, CheckpointError> {
    Checkpoint::builder(path, hook(), CONSUMER).peek()
}

#[test]
fn records_survive_reopening_and_are_written_once() {
    let _spawning = shared();
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
    let _spawning = shared();
    let path = dir("lock").join("c.ids");
    let _first = open(&path).unwrap();
    assert!(matches!(open(&path), Err(CheckpointError::InUse { .. })));
}

#[test]
fn another_webhook_or_consumer_is_refused() {
    let _spawning = shared();
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
    let _spawning = shared();
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
    let _spawning = shared();
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
    let _spawning = shared();
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
fn a_headerless_file_of_ids_is_corrupt() {
    let _spawning = shared();
    let path = dir("headerless").join("old.ids");
    let text = format!("{A_UUID}\n{B_UUID}\n");
    std::fs::write(&path, &text).unwrap();
    for result in [open(&path).map(|_| ()), peek(&path).map(|_| ())] {
        match result {
            Err(CheckpointError::Corrupt { line: 1, .. }) => {}
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
}

#[test]
fn consumers_are_names_not_lines() {
    let _spawning = shared();
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
    let _spawning = shared();
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Checkpoint>();
    send_sync::<CheckpointBuilder>();
    send_sync::<CheckpointError>();
}

#[test]
fn an_empty_file_becomes_a_new_checkpoint() {
    let _spawning = shared();
    let path = dir("empty").join("c.ids");
    std::fs::write(&path, "").unwrap();
    let mut c = open(&path).unwrap();
    c.record(event(0xa)).unwrap();
    drop(c);
    assert_eq!(open(&path).unwrap().len(), 1);
}
