-- The inbox's tables on PostgreSQL (schema version 1). Times are microseconds since
-- the Unix epoch, UTC (the same numbers as on SQLite).
CREATE TABLE IF NOT EXISTS revolut_inbox (
    seq             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, -- arrival order
    key             TEXT   NOT NULL UNIQUE,        -- the DeliveryKey, `v1:…`
    event_type      TEXT   NOT NULL,
    event_ts        BIGINT NOT NULL,               -- the event's own timestamp
    object_id       TEXT,                          -- data.id
    body            BYTEA  NOT NULL,               -- the raw body, as accepted
    received_at     BIGINT NOT NULL                -- the server's clock
                    DEFAULT floor(extract(epoch FROM clock_timestamp()) * 1000000)::bigint,
    state           TEXT   NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'done', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,    -- attempts started
    claims          BIGINT NOT NULL DEFAULT 0,     -- fencing token, never reset
    next_attempt_at BIGINT NOT NULL DEFAULT 0,     -- backoff
    lease_until     BIGINT,                        -- set while a worker holds it
    last_error      TEXT,
    finished_at     BIGINT                         -- when done or dead
);
CREATE INDEX IF NOT EXISTS revolut_inbox_pending
    ON revolut_inbox (seq) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS revolut_inbox_object
    ON revolut_inbox (object_id, event_ts) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS revolut_inbox_finished
    ON revolut_inbox (finished_at) WHERE state <> 'pending';
