//! A throw-away PostgreSQL server for the tests and benchmarks: `initdb` and `pg_ctl` in a
//! temporary directory, listening on a free 127.0.0.1 port, stopped when the owner drops it
//! (or, for the shared cluster, when the test process exits, even by `kill -9`: a watcher
//! process stops it). Never a mock, and never skipped: without PostgreSQL's server binaries
//! the test fails and says how to install them.
//!
//! Binaries are looked up in `$PG_BINDIR`, then `/usr/lib/postgresql/<newest>/bin`, then
//! `PATH`. As root (CI), the server runs as the `postgres` user (else `nobody`), since
//! `initdb` refuses to run as root.
//!
//! Also compiled into the benchmarks (`#[path]`), so it uses only std.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Options of a cluster: `durable` keeps `fsync` on (benchmarks of durability need it;
/// tests that never kill the server do not).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClusterOptions {
    pub(crate) durable: bool,
}

/// One PostgreSQL server, with its data in a temporary directory.
#[derive(Debug)]
pub(crate) struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    run_as: Option<&'static str>,
    options: ClusterOptions,
    stop_on_drop: bool,
}

static SHARED: OnceLock<Cluster> = OnceLock::new();
static NEXT_DB: AtomicU32 = AtomicU32::new(0);

/// A new, empty database on the cluster shared by this test process: its connection URL.
pub(crate) fn database() -> String {
    SHARED
        .get_or_init(|| {
            let mut cluster = Cluster::start(ClusterOptions { durable: false });
            // Statics are never dropped: the watcher stops it when this process ends.
            cluster.stop_on_drop = false;
            cluster.watch_parent();
            cluster
        })
        .new_database()
}

impl Cluster {
    /// Starts a server of its own (stopped and deleted when dropped).
    pub(crate) fn start(options: ClusterOptions) -> Cluster {
        let bin = bin_dir();
        let run_as = if is_root() {
            Some(unprivileged_user())
        } else {
            None
        };
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!("rw-pg-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create the cluster's temporary directory");
        let mut cluster = Cluster {
            bin,
            dir,
            port: 0,
            run_as,
            options,
            stop_on_drop: true,
        };
        if let Some(user) = run_as {
            let status = Command::new("chown")
                .arg(format!("{user}:"))
                .arg(&cluster.dir)
                .status()
                .expect("run chown");
            assert!(status.success(), "chown {user} {}", cluster.dir.display());
        }
        let data = cluster.data_dir();
        cluster.run_ok(
            "initdb",
            &[
                "-D",
                path_str(&data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
                "--no-instructions",
            ],
        );
        // A port is free when we look and may be taken when the server binds it: retry.
        for attempt in 0..5 {
            cluster.port = free_port();
            if cluster.pg_ctl_start() {
                return cluster;
            }
            eprintln!(
                "PostgreSQL did not start on port {} (attempt {attempt})",
                cluster.port
            );
        }
        panic!(
            "PostgreSQL did not start; its log: {}",
            std::fs::read_to_string(cluster.dir.join("server.log")).unwrap_or_default()
        );
    }

    /// The server's port on 127.0.0.1.
    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// The URL of database `name` on this server.
    pub(crate) fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// Creates a new, empty database and returns its URL.
    pub(crate) fn new_database(&self) -> String {
        let name = format!(
            "t_{}_{}",
            std::process::id(),
            NEXT_DB.fetch_add(1, Ordering::Relaxed)
        );
        let port = self.port.to_string();
        self.run_ok(
            "createdb",
            &["-h", "127.0.0.1", "-p", &port, "-U", "postgres", &name],
        );
        self.url(&name)
    }

    /// Stops the server (fast shutdown: connections are cut), keeping its data.
    pub(crate) fn stop(&self) {
        self.run_ok(
            "pg_ctl",
            &["-D", path_str(&self.data_dir()), "-m", "fast", "-w", "stop"],
        );
    }

    /// Starts the stopped server again on the same port.
    pub(crate) fn restart(&self) {
        assert!(self.pg_ctl_start(), "PostgreSQL did not start again");
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn pg_ctl_start(&self) -> bool {
        let settings = format!(
            "-c listen_addresses=127.0.0.1 -p {} -k {} -c fsync={} -c max_connections=200",
            self.port,
            path_str(&self.dir),
            if self.options.durable { "on" } else { "off" },
        );
        let log = self.dir.join("server.log");
        self.command("pg_ctl")
            .args(["-D", path_str(&self.data_dir()), "-l", path_str(&log)])
            .args(["-o", &settings, "-w", "-t", "60", "start"])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// A shell that stops the server once this process is gone, however it ended.
    // Never waited for: it outlives this process by design.
    #[allow(clippy::zombie_processes)]
    fn watch_parent(&self) {
        let stop = self.command_line("pg_ctl", &["-D", path_str(&self.data_dir())]);
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {stop} -m immediate stop >/dev/null 2>&1; rm -rf '{dir}'",
            pid = std::process::id(),
            dir = self.dir.display(),
        );
        Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the cluster's watcher");
    }

    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        match self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(path);
                c
            }
            None => Command::new(path),
        }
    }

    fn command_line(&self, program: &str, args: &[&str]) -> String {
        let path = self.bin.join(program);
        let mut line = match self.run_as {
            Some(user) => format!("runuser -u {user} -- '{}'", path.display()),
            None => format!("'{}'", path.display()),
        };
        for arg in args {
            line.push_str(&format!(" '{arg}'"));
        }
        line
    }

    fn run_ok(&self, program: &str, args: &[&str]) {
        let out = self
            .command(program)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("run {program}: {e}"));
        assert!(
            out.status.success(),
            "{program} {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.stop_on_drop {
            let _ = self
                .command("pg_ctl")
                .args(["-D", path_str(&self.data_dir()), "-m", "immediate", "stop"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address").port()
}

fn is_root() -> bool {
    // /proc/self/status: "Uid:\t<real>\t<effective>\t…"
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|uid| uid == "0"))
        })
        .unwrap_or(false)
}

fn unprivileged_user() -> &'static str {
    let known = |user: &str| {
        Command::new("id")
            .arg(user)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if known("postgres") {
        "postgres"
    } else {
        "nobody"
    }
}

fn bin_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("PG_BINDIR") {
        return PathBuf::from(dir);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return bin;
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            if dir.join("initdb").exists() && dir.join("pg_ctl").exists() {
                return dir;
            }
        }
    }
    panic!(
        "PostgreSQL's server binaries (initdb, pg_ctl) were not found: install them \
         (`apt-get install -y postgresql`) or set PG_BINDIR. The PostgreSQL tests never skip."
    );
}

#[test]
fn a_throw_away_cluster_starts_serves_and_stops() {
    let cluster = Cluster::start(ClusterOptions { durable: false });
    let url = cluster.new_database();
    assert!(url.starts_with("postgres://postgres@127.0.0.1:"), "{url}");
    let port = cluster.port();
    // Serving: a connection on its port is accepted.
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
    cluster.stop();
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
    cluster.restart();
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
    let dir = cluster.dir.clone();
    drop(cluster);
    assert!(!dir.exists(), "the cluster's directory is removed");
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
}
