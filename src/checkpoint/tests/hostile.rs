//! A hostile or mistaken path, and tails no crash can leave.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use super::*;

/// Runs `f` on a thread and waits at most 5 s for it: a checkpoint that blocks (on a
/// FIFO, say) fails the test instead of hanging it.
fn bounded<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(5))
        .expect("the checkpoint blocked")
}

fn assert_not_a_file(result: Result<impl fmt::Debug, CheckpointError>, found: &str) {
    match result {
        Err(e @ CheckpointError::NotAFile { .. }) => {
            let message = e.to_string();
            let CheckpointError::NotAFile { found: f, path } = e else {
                unreachable!()
            };
            assert_eq!(f, found);
            assert!(message.contains(&*path.to_string_lossy()), "{message}");
            assert!(message.contains("regular file"), "{message}");
        }
        other => panic!("expected NotAFile ({found}), got {other:?}"),
    }
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_is_refused_not_followed() {
    let _spawning = shared();
    let d = dir("symlink");
    let victim = d.join("victim");
    std::fs::write(&victim, "precious\n").unwrap();
    let empty = d.join("empty");
    std::fs::write(&empty, "").unwrap();
    for (link, target) in [("to-file", &victim), ("to-empty", &empty)] {
        let path = d.join(link);
        std::os::unix::fs::symlink(target, &path).unwrap();
        assert_not_a_file(open(&path), "a symbolic link");
        assert_not_a_file(peek(&path), "a symbolic link");
        assert!(
            path.symlink_metadata().unwrap().is_symlink(),
            "{link} replaced"
        );
    }
    // A dangling link: nothing is created where it points.
    let path = d.join("dangling");
    std::os::unix::fs::symlink(d.join("elsewhere"), &path).unwrap();
    assert_not_a_file(open(&path), "a symbolic link");
    assert!(!d.join("elsewhere").exists());
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    assert_eq!(std::fs::read_to_string(&empty).unwrap(), "");
}

#[cfg(unix)]
#[test]
fn a_fifo_is_refused_without_waiting_for_a_writer() {
    let _spawning = exclusive();
    let path = dir("fifo").join("c.ids");
    let made = std::process::Command::new("mkfifo").arg(&path).status();
    assert!(made.unwrap().success());
    let p = path.clone();
    assert_not_a_file(bounded(move || open(&p)), "a FIFO");
    let p = path.clone();
    assert_not_a_file(bounded(move || peek(&p)), "a FIFO");
    use std::os::unix::fs::FileTypeExt;
    assert!(path.symlink_metadata().unwrap().file_type().is_fifo());
}

#[cfg(unix)]
#[test]
fn a_device_is_refused_not_replaced_or_read() {
    let _spawning = exclusive();
    use std::os::unix::fs::FileTypeExt;
    // Copies of /dev/null and /dev/zero where the test may make them (as root), so a
    // checkpoint that replaced or read a device would do so to a copy; else the
    // real ones, which this code refuses before opening them.
    let d = dir("device");
    for (name, minor) in [("null", "3"), ("zero", "5")] {
        let copy = d.join(name);
        let made = std::process::Command::new("mknod")
            .arg(&copy)
            .args(["c", "1", minor])
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        let path = if made {
            copy
        } else {
            Path::new("/dev").join(name)
        };
        let p = path.clone();
        assert_not_a_file(bounded(move || open(&p)), "a device");
        let p = path.clone();
        assert_not_a_file(bounded(move || peek(&p)), "a device");
        assert!(
            path.symlink_metadata()
                .unwrap()
                .file_type()
                .is_char_device()
        );
    }
    let left = names(&d);
    assert!(left.iter().all(|n| n == "null" || n == "zero"), "{left:?}");
}

#[test]
fn a_directory_is_refused() {
    let _spawning = shared();
    let path = dir("directory").join("c.ids");
    std::fs::create_dir(&path).unwrap();
    assert_not_a_file(open(&path), "a directory");
    assert_not_a_file(peek(&path), "a directory");
}

#[cfg(unix)]
#[test]
fn no_other_file_is_made_so_a_planted_link_overwrites_nothing() {
    let _spawning = shared();
    let d = dir("planted");
    let victim = d.join("victim");
    std::fs::write(&victim, "precious\n").unwrap();
    // Where a version that wrote a temporary file beside the checkpoint put it.
    let planted = d.join(format!("c.ids.{}.tmp", std::process::id()));
    std::os::unix::fs::symlink(&victim, &planted).unwrap();
    let mut c = open(&d.join("c.ids")).unwrap();
    c.record(event(0xa)).unwrap();
    drop(c);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    assert_eq!(
        names(&d),
        [
            "c.ids",
            &format!("c.ids.{}.tmp", std::process::id()),
            "victim"
        ]
    );
    assert_eq!(open(&d.join("c.ids")).unwrap().len(), 1);
}

#[test]
fn a_name_as_long_as_the_file_system_allows_works() {
    let _spawning = shared();
    // 255 bytes: NAME_MAX on Linux, macOS and Windows.
    let path = dir("long").join("c".repeat(255));
    let mut c = open(&path).unwrap();
    c.record(event(0xa)).unwrap();
    drop(c);
    assert!(open(&path).unwrap().contains(event(0xa)));
}

/// A checkpoint holding event `0xa`, then `tail`.
fn with_tail(name: &str, tail: &[u8]) -> PathBuf {
    let path = dir(name).join("c.ids");
    open(&path).unwrap().record(event(0xa)).unwrap();
    let mut f = OpenOptions::new().append(true).open(&path).unwrap();
    f.write_all(tail).unwrap();
    path
}

#[test]
fn only_the_start_of_an_id_is_a_torn_record() {
    let _spawning = shared();
    let id = event(0xb).to_string();
    let upper = id.to_uppercase();
    for tail in [
        &id[..1],
        &id[..8],
        &id[..9],
        &id[..20],
        &id[..35],
        &upper[..30],
    ] {
        let path = with_tail("torn-ok", tail.as_bytes());
        assert_eq!(peek(&path).unwrap(), HashSet::from([event(0xa)]), "{tail}");
        let mut c = open(&path).unwrap();
        assert_eq!(c.ids().collect::<Vec<_>>(), [event(0xa)], "{tail}");
        c.record(event(0xc)).unwrap();
        drop(c);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.ends_with(&format!("\n{A_UUID}\n{}\n", event(0xc))),
            "{text}"
        );
    }
}

#[test]
fn any_other_unfinished_line_is_corrupt_and_left_alone() {
    let _spawning = shared();
    let id = event(0xb).to_string();
    let long = format!("{id}{id}");
    let swapped = format!("{}_{}", &id[..8], &id[9..20]);
    let early_hyphen = format!("{}-", &id[..7]);
    let bad = [
        "hello world",
        "x",
        "-",
        &early_hyphen,
        &swapped,
        &long[..37],
        &long,
        &"f".repeat(36),
        "\0\0\0",
        "0000000g",
        "{\"revolut_webhooks_checkpoint\":1",
    ];
    for tail in bad {
        let path = with_tail("torn-bad", tail.as_bytes());
        let before = std::fs::read(&path).unwrap();
        for result in [open(&path).map(|_| ()), peek(&path).map(|_| ())] {
            match result {
                Err(CheckpointError::Corrupt { line: 3, .. }) => {}
                other => panic!("{tail:?}: {other:?}"),
            }
        }
        assert_eq!(std::fs::read(&path).unwrap(), before, "{tail:?} changed");
    }
}

#[test]
fn a_header_cut_short_while_created_is_written_again() {
    let _spawning = shared();
    let d = dir("torn-header");
    let line = super::super::format::Header::new(hook(), CONSUMER).line();
    for cut in [1, 20, line.len() - 2] {
        let path = d.join(format!("c{cut}.ids"));
        std::fs::write(&path, &line[..cut]).unwrap();
        assert!(peek(&path).unwrap().is_empty());
        let mut c = open(&path).unwrap();
        assert!(c.is_empty());
        c.record(event(0xa)).unwrap();
        drop(c);
        assert_eq!(
            std::fs::read(&path).unwrap(),
            [&line[..], format!("{A_UUID}\n").as_bytes()].concat()
        );
    }
    // The start of another consumer's header is not this one's to rewrite.
    let other = super::super::format::Header::new(hook(), "https://other.example/").line();
    let path = d.join("other.ids");
    let cut = other.len() - 3;
    std::fs::write(&path, &other[..cut]).unwrap();
    assert!(matches!(
        open(&path),
        Err(CheckpointError::Corrupt { line: 1, .. })
    ));
    assert_eq!(std::fs::read(&path).unwrap(), &other[..cut]);
}

#[test]
fn a_whole_header_missing_only_its_newline_counts() {
    let _spawning = shared();
    let d = dir("header-newline");
    let line = super::super::format::Header::new(hook(), CONSUMER).line();
    let path = d.join("c.ids");
    std::fs::write(&path, &line[..line.len() - 1]).unwrap();
    let mut c = open(&path).unwrap();
    c.record(event(0xa)).unwrap();
    drop(c);
    assert_eq!(open(&path).unwrap().len(), 1);
    // Another key's whole header is that key's: refused as such, not as garbage.
    let other = super::super::format::Header::new(hook(), "https://other.example/").line();
    std::fs::write(&path, &other[..other.len() - 1]).unwrap();
    assert!(matches!(open(&path), Err(CheckpointError::OtherKey { .. })));
}

#[cfg(unix)]
#[test]
fn a_file_replaced_after_opening_is_noticed() {
    let _spawning = shared();
    let d = dir("replaced");
    let path = d.join("c.ids");
    std::fs::write(&path, "").unwrap();
    let file = super::super::file::open(&path, true).unwrap().unwrap();
    assert!(super::super::file::still_named(&path, &file).unwrap());
    std::fs::write(d.join("new"), "").unwrap();
    std::fs::rename(d.join("new"), &path).unwrap();
    assert!(!super::super::file::still_named(&path, &file).unwrap());
    std::fs::remove_file(&path).unwrap();
    assert!(!super::super::file::still_named(&path, &file).unwrap());
}
