//! The SQLite engine: one file, WAL, `synchronous=FULL`, a busy timeout, `BEGIN
//! IMMEDIATE` for multi-statement writers. Safe for several processes on one machine;
//! not on a network file system (its locks are not reliable there).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use sqlx::Sqlite;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::handler::TxHandler;
use super::policy::{self, Micros, Window};
use super::record::{Claim, DeadLetter, Outcome, Processed, Status};
use super::rows::{ClaimRow, DeadRow, StatusRow};
use super::{InboxError, InboxOptions, NewEvent, SCHEMA_VERSION};
use crate::clock::{Clock, SystemClock};

/// An inbox in one SQLite file. Cheap to clone (a pool).
#[derive(Debug, Clone)]
pub struct SqliteInbox {
    pool: SqlitePool,
    options: Arc<InboxOptions>,
}

const COLUMNS: &str =
    "seq, key, event_type, event_ts, object_id, body, received_at, attempts, claims";

impl SqliteInbox {
    /// Opens (creating if missing) the inbox in the SQLite file at `path`, and creates
    /// or checks its schema.
    ///
    /// # Errors
    ///
    /// The file cannot be opened or written ([`InboxError::Unavailable`],
    /// [`InboxError::ReadOnly`]), or its schema is newer than this crate
    /// ([`InboxError::SchemaTooNew`]).
    pub async fn open(path: impl AsRef<Path>, options: InboxOptions) -> Result<Self, InboxError> {
        let wait = options.write_timeout;
        let connect = SqliteConnectOptions::new()
            .filename(path.as_ref())
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // Every commit synced to disk before `accept` returns: the durability promise.
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(wait);
        let pool = SqlitePoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(wait)
            .connect_with(connect)
            .await
            .map_err(|e| InboxError::from_sqlx(e, wait))?;
        let inbox = SqliteInbox {
            pool,
            options: Arc::new(options),
        };
        if let Err(found) = inbox.timed(inbox.migrate()).await? {
            inbox.close().await;
            return Err(InboxError::SchemaTooNew {
                found,
                supported: SCHEMA_VERSION,
            });
        }
        Ok(inbox)
    }

    /// The connection pool, for your own queries on the same file.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// The options it was opened with.
    pub fn options(&self) -> &InboxOptions {
        &self.options
    }

    /// Creates the schema if missing; `Ok(Err(found))` if it is newer than this crate's.
    async fn migrate(&self) -> Result<Result<(), i64>, sqlx::Error> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::raw_sql("CREATE TABLE IF NOT EXISTS revolut_inbox_schema (version INTEGER NOT NULL)")
            .execute(&mut *tx)
            .await?;
        let found: Option<i64> =
            sqlx::query_scalar("SELECT max(version) FROM revolut_inbox_schema")
                .fetch_one(&mut *tx)
                .await?;
        match found {
            Some(v) if v > SCHEMA_VERSION => return Ok(Err(v)),
            Some(_) => {}
            None => {
                sqlx::raw_sql(include_str!("sqlite.sql"))
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("INSERT INTO revolut_inbox_schema (version) VALUES (?1)")
                    .bind(SCHEMA_VERSION)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await.map(Ok)
    }

    /// Runs one store operation within the write timeout (plus a margin, so SQLite's own
    /// busy timeout reports first), mapping its error.
    async fn timed<T>(
        &self,
        op: impl Future<Output = Result<T, sqlx::Error>>,
    ) -> Result<T, InboxError> {
        super::error::timed(self.options.write_timeout, op).await
    }

    fn now(&self) -> Micros {
        let now = match &self.options.clock {
            Some(clock) => clock.now(),
            None => SystemClock.now(),
        };
        policy::instant_micros(now)
    }

    fn window(&self) -> Window {
        Window::at(self.now(), self.options.lease, self.options.backoff_cap)
    }

    pub(crate) async fn accept(&self, event: &NewEvent<'_>) -> Result<bool, InboxError> {
        let now = self.now();
        let result = self
            .timed(
                sqlx::query(
                    "INSERT INTO revolut_inbox \
                     (key, event_type, event_ts, object_id, body, received_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (key) DO NOTHING",
                )
                .bind(event.key.as_str())
                .bind(event.event_type)
                .bind(event.event_ts)
                .bind(event.object_id.as_deref())
                .bind(event.body)
                .bind(now)
                .execute(&self.pool),
            )
            .await?;
        Ok(result.rows_affected() == 1)
    }

    pub(crate) async fn claim(&self) -> Result<Option<Claim>, InboxError> {
        let sql = format!(
            "UPDATE revolut_inbox SET attempts = attempts + 1, claims = claims + 1, \
             lease_until = ?4 \
             WHERE seq = (SELECT e.seq FROM revolut_inbox e \
               WHERE e.state = 'pending' \
                 AND (e.next_attempt_at <= ?1 OR e.next_attempt_at > ?3) \
                 AND (e.lease_until IS NULL OR e.lease_until <= ?1 OR e.lease_until > ?2) \
                 AND NOT EXISTS (SELECT 1 FROM revolut_inbox o \
                   WHERE o.object_id = e.object_id AND o.state = 'pending' AND o.seq <> e.seq \
                     AND (o.event_ts < e.event_ts \
                          OR (o.event_ts = e.event_ts AND o.seq < e.seq) \
                          OR (o.lease_until > ?1 AND o.lease_until <= ?2))) \
               ORDER BY e.seq LIMIT 1) \
             RETURNING {COLUMNS}"
        );
        // In its own `BEGIN IMMEDIATE` transaction, with the time read once the write lock
        // is held: claims then see non-decreasing times, and a lease just granted by
        // another worker is never taken for a stale one (see `policy::Window`).
        let rows = self
            .timed(async {
                let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
                // Now, under the write lock: claims see non-decreasing times.
                let w = self.window();
                let rows = sqlx::query_as::<_, ClaimRow>(&sql)
                    .bind(w.now)
                    .bind(w.lease_horizon)
                    .bind(w.backoff_horizon)
                    .bind(w.lease_until)
                    .fetch_all(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(rows)
            })
            .await?;
        Ok(rows.into_iter().next().map(super::rows::claim_of))
    }

    pub(crate) async fn complete(&self, claim: &Claim) -> Result<bool, InboxError> {
        let done = self.timed(mark_done(&self.pool, claim, self.now())).await?;
        Ok(done)
    }

    pub(crate) async fn fail(&self, claim: &Claim, error: &str) -> Result<Outcome, InboxError> {
        let now = self.now();
        let (next, outcome) = super::worker::failure_plan(&self.options, claim, now, error);
        let query = sqlx::query(
            "UPDATE revolut_inbox SET \
               state = CASE WHEN ?1 THEN 'dead' ELSE 'pending' END, \
               next_attempt_at = ?2, lease_until = NULL, last_error = ?3, \
               finished_at = CASE WHEN ?1 THEN ?4 ELSE NULL END \
             WHERE seq = ?5 AND claims = ?6 AND state = 'pending'",
        )
        .bind(next.is_none())
        .bind(next.unwrap_or(now))
        .bind(super::worker::truncated(error))
        .bind(now)
        .bind(claim.seq)
        .bind(claim.token);
        let result = self
            .timed(async {
                let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
                let result = query.execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(result)
            })
            .await?;
        Ok(if result.rows_affected() == 1 {
            outcome
        } else {
            Outcome::LeaseLost
        })
    }

    /// Claims one event and runs `handler` on it inside the transaction that marks it
    /// done (a `BEGIN IMMEDIATE` transaction: it holds SQLite's write lock until it
    /// commits). `Ok(None)` when no event is ready.
    ///
    /// # Errors
    ///
    /// The store failed; the event, if claimed, is taken again when its lease ends.
    pub async fn process_one_tx<H>(&self, handler: &H) -> Result<Option<Processed>, InboxError>
    where
        H: TxHandler<Sqlite> + ?Sized,
    {
        let Some(claim) = self.claim().await? else {
            return Ok(None);
        };
        let key = claim.event.key.clone();
        let wait = self.options.write_timeout;
        let mut tx = self.timed(self.pool.begin_with("BEGIN IMMEDIATE")).await?;
        // Still ours? (Our lease may have ended and the event been claimed again.)
        let ours: Option<i64> = self
            .timed(
                sqlx::query_scalar(
                    "SELECT seq FROM revolut_inbox WHERE seq = ?1 AND claims = ?2 AND state = 'pending'",
                )
                .bind(claim.seq)
                .bind(claim.token)
                .fetch_optional(&mut *tx),
            )
            .await?;
        if ours.is_none() {
            return Ok(Some(Processed {
                key,
                outcome: Outcome::LeaseLost,
            }));
        }
        let ran =
            tokio::time::timeout(self.options.lease, handler.handle(&claim.event, &mut tx)).await;
        let error = match ran {
            Ok(Ok(())) => {
                let done = self.timed(mark_done(&mut *tx, &claim, self.now())).await?;
                if !done {
                    return Ok(Some(Processed {
                        key,
                        outcome: Outcome::LeaseLost,
                    }));
                }
                tx.commit()
                    .await
                    .map_err(|e| InboxError::from_sqlx(e, wait))?;
                return Ok(Some(Processed {
                    key,
                    outcome: Outcome::Done,
                }));
            }
            Ok(Err(error)) => error.to_string(),
            Err(_) => super::worker::lease_elapsed(self.options.lease),
        };
        // The handler's writes are rolled back; the failure is recorded on its own.
        drop(tx);
        let outcome = self.fail(&claim, &error).await?;
        Ok(Some(Processed { key, outcome }))
    }

    pub(crate) async fn status(&self) -> Result<Status, InboxError> {
        let w = self.window();
        let row: StatusRow = self
            .timed(
                sqlx::query_as(
                    "SELECT count(*), \
                       count(*) FILTER (WHERE state = 'pending'), \
                       count(*) FILTER (WHERE state = 'pending' AND lease_until > ?1 AND lease_until <= ?2), \
                       count(*) FILTER (WHERE state = 'done'), \
                       count(*) FILTER (WHERE state = 'dead'), \
                       min(received_at) FILTER (WHERE state = 'pending') \
                     FROM revolut_inbox",
                )
                .bind(w.now)
                .bind(w.lease_horizon)
                .fetch_one(&self.pool),
            )
            .await?;
        Ok(super::rows::status_of(row, w.now))
    }

    pub(crate) async fn dead_letters(&self, limit: u32) -> Result<Vec<DeadLetter>, InboxError> {
        let sql = format!(
            "SELECT {COLUMNS}, last_error, finished_at FROM revolut_inbox \
             WHERE state = 'dead' ORDER BY seq LIMIT ?1"
        );
        let rows: Vec<DeadRow> = self
            .timed(
                sqlx::query_as(&sql)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool),
            )
            .await?;
        Ok(rows.into_iter().map(super::rows::dead_letter_of).collect())
    }

    pub(crate) async fn requeue(&self, key: Option<&str>) -> Result<u64, InboxError> {
        let query = sqlx::query(
            "UPDATE revolut_inbox SET state = 'pending', attempts = 0, next_attempt_at = 0, \
               lease_until = NULL, finished_at = NULL \
             WHERE state = 'dead' AND (?1 IS NULL OR key = ?1)",
        )
        .bind(key);
        let result = self
            .timed(async {
                let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
                let result = query.execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(result)
            })
            .await?;
        Ok(result.rows_affected())
    }

    pub(crate) async fn prune(&self, older_than: Duration) -> Result<u64, InboxError> {
        let bound = self.now().saturating_sub(policy::micros(older_than));
        let result = self
            .timed(
                sqlx::query("DELETE FROM revolut_inbox WHERE state = 'done' AND finished_at < ?1")
                    .bind(bound)
                    .execute(&self.pool),
            )
            .await?;
        Ok(result.rows_affected())
    }

    pub(crate) async fn close(&self) {
        self.pool.close().await;
    }
}

async fn mark_done<'e, E>(executor: E, claim: &Claim, now: Micros) -> Result<bool, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Sqlite>,
{
    let result = sqlx::query(
        "UPDATE revolut_inbox SET state = 'done', lease_until = NULL, last_error = NULL, \
           finished_at = ?1 \
         WHERE seq = ?2 AND claims = ?3 AND state = 'pending'",
    )
    .bind(now)
    .bind(claim.seq)
    .bind(claim.token)
    .execute(executor)
    .await?;
    Ok(result.rows_affected() == 1)
}
