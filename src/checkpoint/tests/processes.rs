//! Several processes opening one new checkpoint at once: exactly one holds it, and
//! nothing it confirmed is lost.
//!
//! The test binary runs itself as the other processes: [`child`] does nothing unless
//! [`CHILD`] is set in its environment.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::*;

const CHILD: &str = "REVOLUT_WEBHOOKS_CHECKPOINT_CHILD";
const PROCESSES: usize = 4;
const TRIALS: usize = 8;
const RECORDS: u128 = 20;

/// Waits until `done` or `limit` has passed, polling every millisecond.
fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) {
    let end = Instant::now() + limit;
    while !done() && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn one_of_several_processes_opening_a_new_path_at_once_holds_it() {
    let _spawning = exclusive();
    let exe = std::env::current_exe().unwrap();
    for trial in 0..TRIALS {
        let d = dir(&format!("processes-{trial}"));
        let path = d.join("c.ids");
        // One start time for all, far enough ahead for each to be waiting for it.
        let start = SystemTime::now() + Duration::from_millis(400);
        let start = start.duration_since(UNIX_EPOCH).unwrap().as_nanos();
        let children: Vec<_> = (0..PROCESSES)
            .map(|n| {
                Command::new(&exe)
                    .args([
                        "checkpoint::tests::processes::child",
                        "--exact",
                        "--nocapture",
                        "--test-threads=1",
                    ])
                    .env(CHILD, format!("{n} {start} {}", path.display()))
                    .stdout(Stdio::piped())
                    .stderr(Stdio::null())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let mut opened = 0;
        let mut confirmed = Vec::new();
        for child in children {
            let out = child.wait_with_output().unwrap();
            let out = String::from_utf8_lossy(&out.stdout).into_owned();
            // The harness's "test … ... " may start the first line.
            let said = out
                .lines()
                .filter_map(|l| Some(&l[l.find("child: ")? + 7..]));
            for line in said {
                if line == "opened" {
                    opened += 1;
                } else if let Some(id) = line.strip_prefix("recorded ") {
                    confirmed.push(FailedEventId::from(Uuid::parse_str(id).unwrap()));
                } else if let Some(error) = line.strip_prefix("error ") {
                    panic!("trial {trial}: a process failed otherwise: {error}");
                }
            }
        }
        assert_eq!(
            opened,
            1,
            "trial {trial}: {opened} processes held {}",
            path.display()
        );
        let c = open(&path).unwrap();
        let lost: Vec<_> = confirmed.iter().filter(|id| !c.contains(**id)).collect();
        assert!(lost.is_empty(), "trial {trial}: lost {lost:?}");
        assert_eq!(confirmed.len() as u128, RECORDS, "trial {trial}");
    }
}

/// One of the processes above: opens the checkpoint at the agreed time; the one
/// that holds it waits until every other has tried, then records [`RECORDS`] ids.
#[test]
fn child() {
    let Ok(args) = std::env::var(CHILD) else {
        return;
    };
    let mut args = args.splitn(3, ' ');
    let n: u128 = args.next().unwrap().parse().unwrap();
    let start: u128 = args.next().unwrap().parse().unwrap();
    let path = PathBuf::from(args.next().unwrap());
    let tried = |n: u128| path.with_file_name(format!("tried-{n}"));
    let now = || {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    };
    if let Some(wait) = start.checked_sub(now()) {
        std::thread::sleep(Duration::from_nanos(wait.min(2_000_000_000) as u64));
    }
    let result = open(&path);
    std::fs::write(tried(n), "").unwrap();
    match result {
        Ok(mut c) => {
            println!("child: opened");
            wait_until(Duration::from_secs(20), || {
                (0..PROCESSES as u128).all(|m| tried(m).exists())
            });
            for k in 0..RECORDS {
                let id = event(n << 64 | k);
                if c.record(id).is_ok() {
                    println!("child: recorded {id}");
                }
            }
        }
        Err(CheckpointError::InUse { .. }) => println!("child: in use"),
        Err(e) => println!("child: error {e}"),
    }
}
