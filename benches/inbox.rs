//! Benchmark 7: the inbox. Accepting deliveries (latency p50/p99, deliveries per second)
//! on SQLite and on PostgreSQL, each against a bare `INSERT … ON CONFLICT DO NOTHING` of
//! the same body under a precomputed key, with the same durability on the same engine
//! (SQLite: WAL, `synchronous=FULL`; PostgreSQL: a durable cluster, `fsync=on`); and
//! events processed per second by 1 and 4 workers.
//!
//! Accepts run one after another from one task: each is a commit, synced, which is the
//! cost a sender waits for. The inbox's accept also parses the body, derives its key and
//! stores more columns; the ratio says what that costs. Targets: accept ≥ 0.8× the bare
//! insert's throughput; p99 accept < 10 ms on SQLite.

mod common;
#[path = "../tests/it/pg_cluster.rs"]
mod pg_cluster;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::{Comparison, Target};
use revolut_webhooks::events::DeliveryKey;
use revolut_webhooks::inbox::{Handler, HandlerError, Inbox, InboxEvent, async_trait, sqlx};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqliteSynchronous};

static NEXT: AtomicU64 = AtomicU64::new(0);

/// A new event, as Revolut sends it: a distinct transaction each time.
fn delivery() -> String {
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!(
        r#"{{"data":{{"id":"645a7696-22f3-aa47-9c74-{n:012x}","new_state":"completed","old_state":"pending","request_id":"app_charges-{n}"}},"event":"TransactionStateChanged","timestamp":"2026-03-01T12:00:00.028960Z"}}"#
    )
}

/// The bare baseline: the body under a key computed outside the timing.
enum Bare {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Bare {
    async fn insert(&self, key: &str, body: &[u8]) {
        match self {
            Bare::Sqlite(pool) => {
                sqlx::query(
                    "INSERT INTO bare (key, body) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING",
                )
                .bind(key)
                .bind(body)
                .execute(pool)
                .await
                .unwrap();
            }
            Bare::Postgres(pool) => {
                sqlx::query(
                    "INSERT INTO bare (key, body) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
                )
                .bind(key)
                .bind(body)
                .execute(pool)
                .await
                .unwrap();
            }
        }
    }
}

async fn bare_sqlite(dir: &std::path::Path) -> Bare {
    let options = SqliteConnectOptions::new()
        .filename(dir.join("bare.db"))
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(2));
    let pool = SqlitePool::connect_with(options).await.unwrap();
    sqlx::raw_sql("CREATE TABLE bare (key TEXT PRIMARY KEY, body BLOB NOT NULL)")
        .execute(&pool)
        .await
        .unwrap();
    Bare::Sqlite(pool)
}

async fn bare_postgres(url: &str) -> Bare {
    let pool = PgPoolOptions::new()
        .max_connections(8)
        .connect(url)
        .await
        .unwrap();
    sqlx::raw_sql("CREATE TABLE bare (key TEXT PRIMARY KEY, body BYTEA NOT NULL)")
        .execute(&pool)
        .await
        .unwrap();
    Bare::Postgres(pool)
}

/// Milliseconds at a quantile of sorted durations.
fn quantile_ms(sorted: &[Duration], q: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// Accept latencies of ours and the bare insert, interleaved one by one.
async fn latencies(inbox: &Inbox, bare: &Bare, n: usize) -> (Vec<Duration>, Vec<Duration>) {
    let (mut ours, mut base) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for _ in 0..n {
        let body = delivery();
        let start = Instant::now();
        assert!(inbox.accept(body.as_bytes()).await.unwrap().is_new());
        ours.push(start.elapsed());
        let body = delivery();
        let key = DeliveryKey::from_body(body.as_bytes()).unwrap();
        let start = Instant::now();
        bare.insert(key.as_str(), body.as_bytes()).await;
        base.push(start.elapsed());
    }
    ours.sort();
    base.sort();
    (ours, base)
}

struct Count(AtomicU64);

#[async_trait]
impl Handler for Count {
    async fn handle(&self, _: &InboxEvent) -> Result<(), HandlerError> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

/// Events per second drained by `workers` workers: `events` more are stored, then every
/// pending event (those the accept cases left too) is processed.
async fn processing(inbox: &Inbox, workers: usize, events: usize) -> f64 {
    for _ in 0..events {
        inbox.accept(delivery().as_bytes()).await.unwrap();
    }
    let pending = inbox.status().await.unwrap().pending;
    let count = std::sync::Arc::new(Count(AtomicU64::new(0)));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let (inbox, count) = (inbox.clone(), count.clone());
        tasks.push(tokio::spawn(async move {
            while inbox.process_one(&*count).await.unwrap().is_some() {}
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let elapsed = start.elapsed();
    assert_eq!(count.0.load(Ordering::Relaxed), pending);
    pending as f64 / elapsed.as_secs_f64()
}

fn engine(
    rt: &tokio::runtime::Runtime,
    name: &str,
    inbox: Inbox,
    bare: Bare,
    p99_target: Option<f64>,
) {
    let smoke = common::smoke();
    let samples = if smoke { 3 } else { 1000 };
    let (ours, base) = rt.block_on(latencies(&inbox, &bare, samples));
    let (p50, p99) = (quantile_ms(&ours, 0.5), quantile_ms(&ours, 0.99));
    let (b50, b99) = (quantile_ms(&base, 0.5), quantile_ms(&base, 0.99));
    let (target, met) = match p99_target {
        Some(t) if smoke => (format!("< {t} ms"), "(smoke)".to_owned()),
        Some(t) => (
            format!("< {t} ms"),
            if p99 < t { "yes" } else { "**no**" }.to_owned(),
        ),
        None => ("-".to_owned(), "-".to_owned()),
    };
    println!(
        "| inbox | {name}: accept latency p50 | {p50:.2} ms | {b50:.2} ms | {:.3} | - | - |",
        b50 / p50
    );
    println!(
        "| inbox | {name}: accept latency p99 | {p99:.2} ms | {b99:.2} ms | {:.3} | {target} | {met} |",
        b99 / p99
    );

    let c: Comparison = common::compare(
        |n| {
            rt.block_on(async {
                for _ in 0..n {
                    inbox.accept(delivery().as_bytes()).await.unwrap();
                }
            })
        },
        |n| {
            rt.block_on(async {
                for _ in 0..n {
                    let body = delivery();
                    let key = DeliveryKey::from_body(body.as_bytes()).unwrap();
                    bare.insert(key.as_str(), body.as_bytes()).await;
                }
            })
        },
    );
    common::row(
        "inbox",
        &format!("{name}: accept vs bare insert"),
        "deliveries/s",
        &c,
        Target::AtLeast(0.8),
    );

    let events = if smoke { 4 } else { 2000 };
    for workers in [1, 4] {
        let rate = rt.block_on(processing(&inbox, workers, events));
        println!(
            "| inbox | {name}: processed by {workers} worker{} | {} events/s | - | - | - | - |",
            if workers == 1 { "" } else { "s" },
            common::rate(rate)
        );
    }
}

fn main() {
    common::banner("inbox", common::rounds());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    println!("{}", common::HEADER);

    let dir: PathBuf = std::env::temp_dir().join(format!("rw-inbox-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (inbox, bare) = rt.block_on(async {
        let inbox = Inbox::open(dir.join("inbox.db").to_str().unwrap())
            .await
            .unwrap();
        (inbox, bare_sqlite(&dir).await)
    });
    engine(&rt, "SQLite", inbox, bare, Some(10.0));
    let _ = std::fs::remove_dir_all(&dir);

    let cluster = pg_cluster::Cluster::start(pg_cluster::ClusterOptions { durable: true });
    let (inbox_url, bare_url) = (cluster.new_database(), cluster.new_database());
    let (inbox, bare) = rt.block_on(async {
        (
            Inbox::open(&inbox_url).await.unwrap(),
            bare_postgres(&bare_url).await,
        )
    });
    engine(&rt, "PostgreSQL", inbox, bare, None);
}
