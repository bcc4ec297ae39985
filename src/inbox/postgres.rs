//! The PostgreSQL engine: a connection URL (libpq parameters such as `sslmode`
//! honoured; TLS by rustls), `FOR UPDATE SKIP LOCKED` claims with a lease column, and
//! the database server's clock for leases and backoff, so machines whose clocks differ
//! agree on when a lease ends.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::Postgres;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use super::handler::TxHandler;
use super::policy::{self, Micros};
use super::record::{Claim, DeadLetter, Outcome, Processed, Status};
use super::rows::{ClaimRow, DeadRow, StatusRow};
use super::{InboxError, InboxOptions, NewEvent, SCHEMA_VERSION};

/// An inbox in a PostgreSQL database, shared by any number of processes on any number of
/// machines. Cheap to clone (a pool).
#[derive(Debug, Clone)]
pub struct PostgresInbox {
    pool: PgPool,
    options: Arc<InboxOptions>,
}

/// The instant every query calls "now": the injected clock's (`$1`, for tests), else the
/// server's, in microseconds since the epoch.
const NOW: &str = "WITH w AS (SELECT coalesce($1::bigint, \
    floor(extract(epoch FROM clock_timestamp()) * 1000000)::bigint) AS now)";

/// Serialises concurrent first uses of one database (an arbitrary, fixed number).
const MIGRATION_LOCK: i64 = 0x7265_766f_6c75_7401;

const COLUMNS: &str = "t.seq, t.key, t.event_type, t.event_ts, t.object_id, t.body, \
    t.received_at, t.attempts::bigint, t.claims";

impl PostgresInbox {
    /// Connects to the database at `url` (`postgres://user:password@host:port/db?sslmode=…`)
    /// and creates or checks the inbox's schema.
    ///
    /// # Errors
    ///
    /// [`InboxError::InvalidStore`] for a URL that does not parse (its text is not
    /// repeated: it may hold a password), [`InboxError::Unavailable`] when the server
    /// cannot be reached within the write timeout, [`InboxError::SchemaTooNew`].
    pub async fn connect(url: &str, options: InboxOptions) -> Result<Self, InboxError> {
        let connect = PgConnectOptions::from_str(url).map_err(|e| {
            InboxError::InvalidStore(format!("not a PostgreSQL connection URL: {}", kind_of(&e)))
        })?;
        let wait = options.write_timeout;
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(wait)
            .connect_with(connect)
            .await
            .map_err(|e| InboxError::from_sqlx(e, wait))?;
        let inbox = PostgresInbox {
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

    /// The connection pool, for your own queries on the same database.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The options it was opened with.
    pub fn options(&self) -> &InboxOptions {
        &self.options
    }

    /// Creates the schema if missing; `Ok(Err(found))` if it is newer than this crate's.
    async fn migrate(&self) -> Result<Result<(), i64>, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        // Several processes starting at once: one creates, the others then see it.
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *tx)
            .await?;
        sqlx::raw_sql("CREATE TABLE IF NOT EXISTS revolut_inbox_schema (version BIGINT NOT NULL)")
            .execute(&mut *tx)
            .await?;
        let found: Option<i64> =
            sqlx::query_scalar("SELECT max(version)::bigint FROM revolut_inbox_schema")
                .fetch_one(&mut *tx)
                .await?;
        match found {
            Some(v) if v > SCHEMA_VERSION => return Ok(Err(v)),
            Some(_) => {}
            None => {
                sqlx::raw_sql(include_str!("postgres.sql"))
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("INSERT INTO revolut_inbox_schema (version) VALUES ($1)")
                    .bind(SCHEMA_VERSION)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await.map(Ok)
    }

    async fn timed<T>(
        &self,
        op: impl Future<Output = Result<T, sqlx::Error>>,
    ) -> Result<T, InboxError> {
        super::error::timed(self.options.write_timeout, op).await
    }

    /// The injected clock's now, or `None` for the server's.
    fn clock(&self) -> Option<Micros> {
        self.options
            .clock
            .as_ref()
            .map(|c| policy::instant_micros(c.now()))
    }

    fn lease(&self) -> Micros {
        policy::micros(self.options.lease)
    }

    pub(crate) async fn accept(&self, event: &NewEvent<'_>) -> Result<bool, InboxError> {
        // Without an injected clock, `received_at` is the column's default (the server's
        // clock): one plain statement, the cheapest accept.
        let clock = self.clock();
        let sql = if clock.is_some() {
            "INSERT INTO revolut_inbox \
             (key, event_type, event_ts, object_id, body, received_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (key) DO NOTHING"
        } else {
            "INSERT INTO revolut_inbox (key, event_type, event_ts, object_id, body) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key) DO NOTHING"
        };
        let mut query = sqlx::query(sql)
            .bind(event.key.as_str())
            .bind(event.event_type)
            .bind(event.event_ts)
            .bind(event.object_id.as_deref())
            .bind(event.body);
        if let Some(now) = clock {
            query = query.bind(now);
        }
        let result = self.timed(query.execute(&self.pool)).await?;
        Ok(result.rows_affected() == 1)
    }

    pub(crate) async fn claim(&self) -> Result<Option<Claim>, InboxError> {
        let sql = format!(
            "{NOW}, next AS (SELECT e.seq FROM revolut_inbox e, w \
               WHERE e.state = 'pending' \
                 AND (e.next_attempt_at <= w.now OR e.next_attempt_at > w.now + $3) \
                 AND (e.lease_until IS NULL OR e.lease_until <= w.now OR e.lease_until > w.now + $4) \
                 AND NOT EXISTS (SELECT 1 FROM revolut_inbox o \
                   WHERE o.object_id = e.object_id AND o.state = 'pending' AND o.seq <> e.seq \
                     AND (o.event_ts < e.event_ts \
                          OR (o.event_ts = e.event_ts AND o.seq < e.seq) \
                          OR (o.lease_until > w.now AND o.lease_until <= w.now + $4))) \
               ORDER BY e.seq LIMIT 1 \
               FOR UPDATE OF e SKIP LOCKED) \
             UPDATE revolut_inbox t SET attempts = t.attempts + 1, claims = t.claims + 1, \
               lease_until = w.now + $2 \
             FROM next, w WHERE t.seq = next.seq \
             RETURNING {COLUMNS}"
        );
        let row: Option<ClaimRow> = self
            .timed(
                sqlx::query_as(&sql)
                    .bind(self.clock())
                    .bind(self.lease())
                    .bind(policy::horizon(self.options.backoff_cap))
                    .bind(policy::horizon(self.options.lease))
                    .fetch_optional(&self.pool),
            )
            .await?;
        Ok(row.map(super::rows::claim_of))
    }

    pub(crate) async fn complete(&self, claim: &Claim) -> Result<bool, InboxError> {
        self.timed(mark_done(&self.pool, claim, self.clock())).await
    }

    pub(crate) async fn fail(&self, claim: &Claim, error: &str) -> Result<Outcome, InboxError> {
        // The wait is relative; the server's clock (or the injected one) makes it an instant.
        let (_, outcome) = super::worker::failure_plan(&self.options, claim, 0, error);
        let (dead, wait) = match &outcome {
            Outcome::Retry { after, .. } => (false, policy::micros(*after)),
            _ => (true, 0),
        };
        let sql = format!(
            "{NOW} UPDATE revolut_inbox t SET \
               state = CASE WHEN $2 THEN 'dead' ELSE 'pending' END, \
               next_attempt_at = w.now + $3, lease_until = NULL, last_error = $4, \
               finished_at = CASE WHEN $2 THEN w.now ELSE NULL END \
             FROM w WHERE t.seq = $5 AND t.claims = $6 AND t.state = 'pending'"
        );
        let result = self
            .timed(
                sqlx::query(&sql)
                    .bind(self.clock())
                    .bind(dead)
                    .bind(wait)
                    .bind(super::worker::truncated(error))
                    .bind(claim.seq)
                    .bind(claim.token)
                    .execute(&self.pool),
            )
            .await?;
        Ok(if result.rows_affected() == 1 {
            outcome
        } else {
            Outcome::LeaseLost
        })
    }

    /// Claims one event and runs `handler` on it inside the transaction that marks it
    /// done; the transaction holds the event's row lock, so no other worker takes it
    /// meanwhile. `Ok(None)` when no event is ready.
    ///
    /// # Errors
    ///
    /// The store failed; the event, if claimed, is taken again when its lease ends.
    pub async fn process_one_tx<H>(&self, handler: &H) -> Result<Option<Processed>, InboxError>
    where
        H: TxHandler<Postgres> + ?Sized,
    {
        let Some(claim) = self.claim().await? else {
            return Ok(None);
        };
        let key = claim.event.key.clone();
        let wait = self.options.write_timeout;
        let mut tx = self.timed(self.pool.begin()).await?;
        let ours: Option<i64> = self
            .timed(
                sqlx::query_scalar(
                    "SELECT seq FROM revolut_inbox \
                     WHERE seq = $1 AND claims = $2 AND state = 'pending' FOR UPDATE",
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
                let done = self
                    .timed(mark_done(&mut *tx, &claim, self.clock()))
                    .await?;
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
        // Roll the handler's writes back before recording the failure on its own.
        let _ = tx.rollback().await;
        let outcome = self.fail(&claim, &error).await?;
        Ok(Some(Processed { key, outcome }))
    }

    pub(crate) async fn status(&self) -> Result<Status, InboxError> {
        let sql = format!(
            "{NOW} SELECT count(*), \
               count(*) FILTER (WHERE state = 'pending'), \
               count(*) FILTER (WHERE state = 'pending' AND lease_until > w.now \
                                AND lease_until <= w.now + $2), \
               count(*) FILTER (WHERE state = 'done'), \
               count(*) FILTER (WHERE state = 'dead'), \
               min(received_at) FILTER (WHERE state = 'pending'), \
               min(w.now) \
             FROM revolut_inbox CROSS JOIN w"
        );
        let row: (i64, i64, i64, i64, i64, Option<i64>, Option<i64>) = self
            .timed(
                sqlx::query_as(&sql)
                    .bind(self.clock())
                    .bind(policy::horizon(self.options.lease))
                    .fetch_one(&self.pool),
            )
            .await?;
        // `now` is NULL for an empty table, where there is no age to tell either.
        let (received, pending, in_progress, done, dead, oldest, now) = row;
        let status: StatusRow = (received, pending, in_progress, done, dead, oldest);
        Ok(super::rows::status_of(status, now.unwrap_or(0)))
    }

    pub(crate) async fn dead_letters(&self, limit: u32) -> Result<Vec<DeadLetter>, InboxError> {
        let sql = format!(
            "SELECT {COLUMNS}, t.last_error, t.finished_at FROM revolut_inbox t \
             WHERE t.state = 'dead' ORDER BY t.seq LIMIT $1"
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
        let result = self
            .timed(
                sqlx::query(
                    "UPDATE revolut_inbox SET state = 'pending', attempts = 0, \
                       next_attempt_at = 0, lease_until = NULL, finished_at = NULL \
                     WHERE state = 'dead' AND ($1::text IS NULL OR key = $1)",
                )
                .bind(key)
                .execute(&self.pool),
            )
            .await?;
        Ok(result.rows_affected())
    }

    pub(crate) async fn prune(&self, older_than: Duration) -> Result<u64, InboxError> {
        let sql = format!(
            "{NOW} DELETE FROM revolut_inbox t USING w \
             WHERE t.state = 'done' AND t.finished_at < w.now - $2"
        );
        let result = self
            .timed(
                sqlx::query(&sql)
                    .bind(self.clock())
                    .bind(policy::micros(older_than))
                    .execute(&self.pool),
            )
            .await?;
        Ok(result.rows_affected())
    }

    pub(crate) async fn close(&self) {
        self.pool.close().await;
    }
}

async fn mark_done<'e, E>(
    executor: E,
    claim: &Claim,
    clock: Option<Micros>,
) -> Result<bool, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Postgres>,
{
    let sql = format!(
        "{NOW} UPDATE revolut_inbox t SET state = 'done', lease_until = NULL, \
           last_error = NULL, finished_at = w.now \
         FROM w WHERE t.seq = $2 AND t.claims = $3 AND t.state = 'pending'"
    );
    let result = sqlx::query(&sql)
        .bind(clock)
        .bind(claim.seq)
        .bind(claim.token)
        .execute(executor)
        .await?;
    Ok(result.rows_affected() == 1)
}

/// What is wrong with a URL, without repeating it (it may hold a password).
fn kind_of(error: &sqlx::Error) -> &'static str {
    match error {
        sqlx::Error::Configuration(_) => "a parameter or part of it is invalid",
        _ => "it does not parse",
    }
}
