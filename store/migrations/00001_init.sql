-- +goose Up
-- One row per webhook that reached the receiver (including duplicates and
-- malformed ones: nothing is dropped). The row doubles as the delivery outbox.
CREATE TABLE calls (
    id              INTEGER PRIMARY KEY,
    source          TEXT    NOT NULL,              -- calltracking | vpbx | demo
    call_id         TEXT,                          -- Mango call id; NULL when missing
    duplicate_of    INTEGER REFERENCES calls(id),  -- set on duplicates, never delivered
    raw             TEXT    NOT NULL,              -- raw request envelope (JSON), as received
    params          TEXT    NOT NULL DEFAULT '{}', -- parsed parameters (JSON object)
    caller          TEXT    NOT NULL DEFAULT '',
    operator        TEXT    NOT NULL DEFAULT '',
    started_at      INTEGER,                       -- call start, unix ms (best effort)
    duration_s      INTEGER NOT NULL DEFAULT 0,
    received_at     INTEGER NOT NULL,              -- unix ms
    status          TEXT    NOT NULL,
    reason          TEXT    NOT NULL DEFAULT '',   -- why invalid / attention / skipped / failed
    request         TEXT    NOT NULL DEFAULT '',   -- last mapped TQM request (JSON, no secrets)
    tqm_id          TEXT    NOT NULL DEFAULT '',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,                       -- unix ms
    last_error      TEXT    NOT NULL DEFAULT '',
    correlation_id  TEXT    NOT NULL DEFAULT '',   -- TQM x-correlation-id of the last answer
    outcome_unknown INTEGER NOT NULL DEFAULT 0,    -- 1: a send may have reached TQM without us seeing the answer
    delivered_at    INTEGER,
    updated_at      INTEGER NOT NULL
);
CREATE UNIQUE INDEX calls_unique_call ON calls(source, call_id)
    WHERE duplicate_of IS NULL AND call_id IS NOT NULL;
CREATE INDEX calls_due ON calls(status, next_attempt_at);
CREATE INDEX calls_received ON calls(received_at);

-- One row per try to deliver a call to TQM.
CREATE TABLE attempts (
    id             INTEGER PRIMARY KEY,
    call_row       INTEGER NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
    started_at     INTEGER NOT NULL,               -- unix ms
    duration_ms    INTEGER NOT NULL DEFAULT 0,
    http_status    INTEGER NOT NULL DEFAULT 0,     -- 0: no HTTP answer
    outcome        TEXT    NOT NULL,               -- delivered | retry | attention | paused | unknown
    response       TEXT    NOT NULL DEFAULT '',    -- excerpt of TQM's answer
    error          TEXT    NOT NULL DEFAULT '',
    correlation_id TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX attempts_call ON attempts(call_row);

-- Typed settings, stored as JSON values (mapping, delivery options, ...). Never secrets.
CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
);

-- Incidents: one open row per kind at most (TQM key rejected, tunnel down, ...).
CREATE TABLE incidents (
    id         INTEGER PRIMARY KEY,
    kind       TEXT    NOT NULL,
    message    TEXT    NOT NULL,
    opened_at  INTEGER NOT NULL,
    cleared_at INTEGER
);
CREATE UNIQUE INDEX incidents_open ON incidents(kind) WHERE cleared_at IS NULL;

-- +goose Down
DROP TABLE incidents;
DROP TABLE settings;
DROP TABLE attempts;
DROP TABLE calls;
