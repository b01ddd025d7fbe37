-- +goose Up
-- Alerts by e-mail and Telegram (app/alerts): a durable outbox, one row per
-- message and channel, retried with backoff while the channel is down.
-- dedup makes enqueueing idempotent (an incident's opening is enqueued once
-- per channel, the summary of a day once per channel).
CREATE TABLE alerts (
    id              INTEGER PRIMARY KEY,
    channel         TEXT    NOT NULL,
    topic           TEXT    NOT NULL,
    dedup           TEXT    NOT NULL UNIQUE,
    subject         TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT    NOT NULL DEFAULT '',
    sent_at         INTEGER
);
CREATE INDEX alerts_due ON alerts(next_attempt_at) WHERE sent_at IS NULL;

-- Which incident openings and clearings were turned into alerts, so that
-- each is announced once, across restarts too.
CREATE TABLE alert_marks (
    incident_id INTEGER NOT NULL,
    event       TEXT    NOT NULL,
    PRIMARY KEY (incident_id, event)
);
-- Incidents of the past are not news: only those still open are announced.
INSERT INTO alert_marks (incident_id, event) SELECT id, 'opened' FROM incidents WHERE cleared_at IS NOT NULL;
INSERT INTO alert_marks (incident_id, event) SELECT id, 'cleared' FROM incidents WHERE cleared_at IS NOT NULL;

-- +goose Down
DROP TABLE alert_marks;
DROP TABLE alerts;
