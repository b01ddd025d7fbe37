-- +goose Up
-- Delivery claims the earliest due call many times a second: a partial
-- index over the waiting calls only, in claim order, so that neither the
-- claim nor "when is the next one due" reads or sorts the whole table
-- (store/calls.go names it with INDEXED BY and spells the statuses as these
-- literals, which SQLite needs to use a partial index).
CREATE INDEX calls_waiting_due ON calls(next_attempt_at, id) WHERE status IN ('queued', 'retrying');
-- Joining a VPBX call with its calltracking copy by the entry id in the
-- copy's parameters looks only at that source's recent rows.
CREATE INDEX calls_source_received ON calls(source, received_at);
-- Joining by caller and start time looks only at the other source's calls
-- that started within the window (calls_started alone reads every call of
-- every source that started then).
CREATE INDEX calls_source_started ON calls(source, started_at);

-- +goose Down
DROP INDEX calls_source_started;
DROP INDEX calls_source_received;
DROP INDEX calls_waiting_due;
