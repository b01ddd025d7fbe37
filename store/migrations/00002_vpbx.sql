-- +goose Up
-- Recording ids Mango announced with events/record/added, by call (entry_id).
-- A recording may be announced before or after the call's events/summary.
CREATE TABLE recordings (
    entry_id     TEXT    NOT NULL,
    recording_id TEXT    NOT NULL,
    received_at  INTEGER NOT NULL, -- unix ms
    PRIMARY KEY (entry_id, recording_id)
);

-- Joining the calltracking and VPBX copies of one call: by call id (entry
-- id) across sources, and by start time (the caller is compared by its last
-- 10 digits in Go, so an index on the raw caller would not help).
CREATE INDEX calls_call_id ON calls(call_id);
CREATE INDEX calls_started ON calls(started_at);

-- +goose Down
DROP INDEX calls_started;
DROP INDEX calls_call_id;
DROP TABLE recordings;
