-- The inbox's tables on SQLite (schema version 1). Times are microseconds since the
-- Unix epoch, UTC.
CREATE TABLE IF NOT EXISTS revolut_inbox (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT, -- arrival order
    key             TEXT    NOT NULL UNIQUE,           -- the DeliveryKey, `v1:…`
    event_type      TEXT    NOT NULL,
    event_ts        INTEGER NOT NULL,                  -- the event's own timestamp
    object_id       TEXT,                              -- data.id
    body            BLOB    NOT NULL,                  -- the raw body, as accepted
    received_at     INTEGER NOT NULL,
    state           TEXT    NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'done', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,        -- attempts started
    claims          INTEGER NOT NULL DEFAULT 0,        -- fencing token, never reset
    next_attempt_at INTEGER NOT NULL DEFAULT 0,        -- backoff
    lease_until     INTEGER,                           -- set while a worker holds it
    last_error      TEXT,
    finished_at     INTEGER                            -- when done or dead
);
CREATE INDEX IF NOT EXISTS revolut_inbox_pending
    ON revolut_inbox (seq) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS revolut_inbox_object
    ON revolut_inbox (object_id, event_ts) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS revolut_inbox_finished
    ON revolut_inbox (finished_at) WHERE state <> 'pending';
