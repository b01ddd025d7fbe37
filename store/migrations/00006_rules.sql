-- +goose Up
-- Import rules: the calltracking numbers, learned from the webhooks'
-- "number" parameter (origin 'webhook') or typed in by the user ('manual').
-- Calls skipped by a rule use the existing status 'skipped' with a reason
-- code "rule.*".
CREATE TABLE tracking_numbers (
  number       TEXT PRIMARY KEY,          -- last 10 digits
  shown        TEXT NOT NULL DEFAULT '',  -- as first seen or typed
  origin       TEXT NOT NULL DEFAULT 'webhook',
  first_seen   INTEGER NOT NULL,
  last_seen    INTEGER NOT NULL,
  calls        INTEGER NOT NULL DEFAULT 0
);

-- +goose Down
DROP TABLE tracking_numbers;
