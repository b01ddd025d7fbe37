-- +goose Up
-- Reasons as codes with parameters (calls.Reason, JSON): the front ends
-- translate them. The text columns (reason, last_error, error) keep the
-- English text for logs and the command line; rows written before this
-- version have no code, and are shown by their text.
ALTER TABLE calls ADD COLUMN reason_coded TEXT NOT NULL DEFAULT '';
ALTER TABLE calls ADD COLUMN last_error_coded TEXT NOT NULL DEFAULT '';
ALTER TABLE attempts ADD COLUMN error_coded TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE attempts DROP COLUMN error_coded;
ALTER TABLE calls DROP COLUMN last_error_coded;
ALTER TABLE calls DROP COLUMN reason_coded;
