//! The PostgreSQL engine: processes on several machines share one row of tokens and
//! a table of rate slots. The database's clock decides every rate instant, so the
//! machines' clocks may differ.
//!
//! The refresh lock is a row lock (`SELECT … FOR UPDATE`) in a transaction held
//! across the token request: the new tokens are written and the lock released by one
//! `COMMIT`, and a process that dies (or loses its connection) mid-refresh releases
//! it with its session, leaving the previous row. Rate slots are rows with an
//! expiry; an advisory transaction lock serialises taking them.
//!
//! The driver (sqlx) is async: the store runs its own small tokio runtime on one
//! thread, so the blocking client needs none, and the async client's runtime never
//! waits on it (the shell calls the store from tokio's blocking pool).

use std::future::Future;
use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions, Postgres};
use sqlx::{Row, Transaction};
use tokio::runtime::Handle;

use super::record::{self, Slot, StoredTokens};
use crate::auth::{AccessToken, RefreshToken};
use crate::shared_state::{SharedStateError, SharedStateErrorKind as Kind};

const STORE: &str = "PostgreSQL";

/// Serialises the schema's creation and the taking of rate slots.
const SCHEMA_LOCK: i64 = 0x7276_7768_0000_0001;
const SLOTS_LOCK: i64 = 0x7276_7768_0000_0002;

const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS revolut_webhooks_tokens (
        id SMALLINT PRIMARY KEY CHECK (id = 1),
        refresh_token TEXT,
        access_token TEXT,
        expires_at_ms BIGINT,
        obtained_at_ms BIGINT,
        generation BIGINT NOT NULL DEFAULT 0,
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now())",
    "INSERT INTO revolut_webhooks_tokens (id) VALUES (1) ON CONFLICT (id) DO NOTHING",
    "CREATE TABLE IF NOT EXISTS revolut_webhooks_rate_slots (
        id BIGSERIAL PRIMARY KEY,
        holds_until TIMESTAMPTZ NOT NULL,
        in_flight BOOLEAN NOT NULL)",
];

pub(crate) struct PgStore {
    pool: PgPool,
    handle: Handle,
    /// Dropped with the store: its runtime thread then ends.
    _stop: tokio::sync::oneshot::Sender<()>,
}

/// The refresh lock (an open transaction holding the row lock) and the row read under it.
pub(crate) struct PgGuard {
    tx: Option<Transaction<'static, Postgres>>,
    handle: Handle,
    pub(crate) current: Option<StoredTokens>,
}

impl Drop for PgGuard {
    fn drop(&mut self) {
        // Dropping a transaction rolls it back and returns its connection with a task
        // spawned on the current runtime: ours, whichever thread drops it.
        let _entered = self.handle.enter();
        self.tx.take();
    }
}

fn db_error(what: &str, e: sqlx::Error) -> SharedStateError {
    let kind = match &e {
        sqlx::Error::Database(db) if db.code().as_deref() == Some("55P03") => Kind::LockTimeout,
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => Kind::Io,
        _ => Kind::Database,
    };
    let message = if kind == Kind::LockTimeout {
        format!(
            "{what}: another process held the refresh lock too long (a token refresh that hangs?); try again, or raise the lock timeout"
        )
    } else {
        format!("{what}: {e}")
    };
    SharedStateError::new(kind, STORE, message).with_source(e)
}

impl PgStore {
    /// Connects, and creates the two tables if they are missing.
    pub(crate) fn open(url: &str) -> Result<PgStore, SharedStateError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| {
                SharedStateError::new(Kind::Io, STORE, format!("cannot start its runtime: {e}"))
                    .with_source(e)
            })?;
        let handle = runtime.handle().clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("revolut-webhooks-pg".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let _ = stopped.await;
                });
            })
            .map_err(|e| {
                SharedStateError::new(Kind::Io, STORE, format!("cannot start its thread: {e}"))
                    .with_source(e)
            })?;
        let options = url
            .parse::<sqlx::postgres::PgConnectOptions>()
            .map_err(|_| {
                SharedStateError::new(
                    Kind::Database,
                    STORE,
                    "the URL is not a valid postgres:// URL",
                )
            })?;
        let pool_handle = handle.clone();
        let pool = run(&handle, async move {
            let pool = PgPoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await
                .map_err(|e| db_error("cannot connect", e))?;
            let mut tx = pool
                .begin()
                .await
                .map_err(|e| db_error("cannot begin", e))?;
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(SCHEMA_LOCK)
                .execute(&mut *tx)
                .await
                .map_err(|e| db_error("cannot lock the schema", e))?;
            for statement in SCHEMA {
                sqlx::query(statement)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| db_error("cannot create its tables", e))?;
            }
            tx.commit()
                .await
                .map_err(|e| db_error("cannot create its tables", e))?;
            Ok(pool)
        })??;
        Ok(PgStore {
            pool,
            handle: pool_handle,
            _stop: stop,
        })
    }

    pub(crate) fn read_tokens(&self) -> Result<Option<StoredTokens>, SharedStateError> {
        let pool = self.pool.clone();
        run(&self.handle, async move {
            let row = sqlx::query(SELECT_TOKENS)
                .fetch_optional(&pool)
                .await
                .map_err(|e| db_error("cannot read the tokens", e))?;
            row.map(|r| decode(&r)).transpose()
        })?
    }

    pub(crate) fn lock_tokens(&self, wait: Duration) -> Result<PgGuard, SharedStateError> {
        let pool = self.pool.clone();
        let wait_ms = record::millis(wait).max(1);
        let (tx, current) = run(&self.handle, async move {
            let mut tx = pool
                .begin()
                .await
                .map_err(|e| db_error("cannot begin", e))?;
            // A number we formatted: SET takes no parameters.
            sqlx::query(&format!("SET LOCAL lock_timeout = {wait_ms}"))
                .execute(&mut *tx)
                .await
                .map_err(|e| db_error("cannot set the lock timeout", e))?;
            let row = sqlx::query(&format!("{SELECT_TOKENS} FOR UPDATE"))
                .fetch_optional(&mut *tx)
                .await
                .map_err(|e| db_error("cannot lock the tokens", e))?;
            let current = row.map(|r| decode(&r)).transpose()?;
            Ok::<_, SharedStateError>((tx, current))
        })??;
        Ok(PgGuard {
            tx: Some(tx),
            handle: self.handle.clone(),
            current,
        })
    }

    pub(crate) fn store_tokens(
        &self,
        mut guard: PgGuard,
        stored: &StoredTokens,
    ) -> Result<(), SharedStateError> {
        let Some(mut tx) = guard.tx.take() else {
            return Err(SharedStateError::new(
                Kind::Database,
                STORE,
                "the refresh lock was already released",
            ));
        };
        let refresh = stored
            .refresh_token
            .as_ref()
            .map(|r| r.expose_secret().to_owned());
        let access = stored
            .access
            .as_ref()
            .map(|a| a.0.expose_secret().to_owned());
        let expires = stored.access.as_ref().map(|a| record::unix_ms(a.1));
        let obtained = stored.obtained_at.map(record::unix_ms);
        let generation = i64::try_from(stored.generation).unwrap_or(i64::MAX);
        run(&self.handle, async move {
            sqlx::query(
                "UPDATE revolut_webhooks_tokens SET refresh_token = $1, access_token = $2, \
                 expires_at_ms = $3, obtained_at_ms = $4, generation = $5, updated_at = now() WHERE id = 1",
            )
            .bind(refresh)
            .bind(access)
            .bind(expires)
            .bind(obtained)
            .bind(generation)
            .execute(&mut *tx)
            .await
            .map_err(|e| db_error("cannot store the new tokens", e))?;
            tx.commit()
                .await
                .map_err(|e| db_error("cannot store the new tokens", e))
        })?
    }

    pub(crate) fn try_acquire_slot(
        &self,
        requests: usize,
        per: Duration,
        hold: Duration,
    ) -> Result<Result<u64, Duration>, SharedStateError> {
        let pool = self.pool.clone();
        let hold_secs = hold.as_secs_f64().min(1e9);
        run(&self.handle, async move {
            let mut tx = pool
                .begin()
                .await
                .map_err(|e| db_error("cannot begin", e))?;
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(SLOTS_LOCK)
                .execute(&mut *tx)
                .await
                .map_err(|e| db_error("cannot lock the rate slots", e))?;
            sqlx::query(
                "DELETE FROM revolut_webhooks_rate_slots WHERE holds_until <= clock_timestamp()",
            )
            .execute(&mut *tx)
            .await
            .map_err(|e| db_error("cannot free the rate slots", e))?;
            // Milliseconds from the database's now: its clock is the only one used.
            let rows = sqlx::query(
                "SELECT id, (EXTRACT(EPOCH FROM (holds_until - clock_timestamp())) * 1000)::BIGINT AS left_ms, \
                 in_flight FROM revolut_webhooks_rate_slots",
            )
            .fetch_all(&mut *tx)
            .await
            .map_err(|e| db_error("cannot read the rate slots", e))?;
            let mut slots = Vec::with_capacity(rows.len());
            for row in &rows {
                let id: i64 = row
                    .try_get(0)
                    .map_err(|e| db_error("cannot read the rate slots", e))?;
                let left: i64 = row
                    .try_get(1)
                    .map_err(|e| db_error("cannot read the rate slots", e))?;
                let in_flight: bool = row
                    .try_get(2)
                    .map_err(|e| db_error("cannot read the rate slots", e))?;
                slots.push(Slot {
                    id: id as u64,
                    holds_until_ms: left,
                    in_flight,
                });
            }
            if let Err(wait) = record::decide_slot(&mut slots, 0, requests, per) {
                return Ok(Err(wait));
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO revolut_webhooks_rate_slots (holds_until, in_flight) \
                 VALUES (clock_timestamp() + make_interval(secs => $1), true) RETURNING id",
            )
            .bind(hold_secs)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| db_error("cannot take a rate slot", e))?;
            tx.commit()
                .await
                .map_err(|e| db_error("cannot take a rate slot", e))?;
            Ok(Ok(id as u64))
        })?
    }

    pub(crate) fn release_slot(
        &self,
        id: u64,
        per: Option<Duration>,
    ) -> Result<(), SharedStateError> {
        let pool = self.pool.clone();
        let id = id as i64;
        run(&self.handle, async move {
            let query = match per {
                Some(per) => sqlx::query(
                    "UPDATE revolut_webhooks_rate_slots SET in_flight = false, \
                     holds_until = clock_timestamp() + make_interval(secs => $2) WHERE id = $1",
                )
                .bind(id)
                .bind(per.as_secs_f64().min(1e9)),
                None => {
                    sqlx::query("DELETE FROM revolut_webhooks_rate_slots WHERE id = $1").bind(id)
                }
            };
            query
                .execute(&pool)
                .await
                .map(drop)
                .map_err(|e| db_error("cannot release a rate slot", e))
        })?
    }
}

const SELECT_TOKENS: &str = "SELECT refresh_token, access_token, expires_at_ms, obtained_at_ms, generation \
     FROM revolut_webhooks_tokens WHERE id = 1";

fn decode(row: &sqlx::postgres::PgRow) -> Result<StoredTokens, SharedStateError> {
    let bad = |e: sqlx::Error| db_error("the tokens row is not what this crate wrote", e);
    let refresh: Option<String> = row.try_get(0).map_err(bad)?;
    let access: Option<String> = row.try_get(1).map_err(bad)?;
    let expires: Option<i64> = row.try_get(2).map_err(bad)?;
    let obtained: Option<i64> = row.try_get(3).map_err(bad)?;
    let generation: i64 = row.try_get(4).map_err(bad)?;
    let access = match (access, expires.and_then(record::from_unix_ms)) {
        (Some(token), Some(at)) => Some((AccessToken::new(token), at)),
        _ => None,
    };
    Ok(StoredTokens {
        refresh_token: refresh.filter(|r| !r.is_empty()).map(RefreshToken::new),
        access,
        obtained_at: obtained.and_then(record::from_unix_ms),
        generation: generation as u64,
    })
}

/// Runs `work` on the store's runtime and waits for it here (a blocking wait:
/// callers are the blocking client, or the async client's blocking pool).
fn run<T: Send + 'static>(
    handle: &Handle,
    work: impl Future<Output = T> + Send + 'static,
) -> Result<T, SharedStateError> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    handle.spawn(async move {
        let _ = tx.send(work.await);
    });
    rx.recv()
        .map_err(|_| SharedStateError::new(Kind::Io, STORE, "its runtime has stopped"))
}
