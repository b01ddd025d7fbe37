-- +goose Up
-- notes: what the receiver flagged about an otherwise usable webhook (e.g.
-- parameters kept as received because of a stray ';' or '%').
-- raw_cut: 1 when the raw request kept in raw was cut at 1 MiB.
-- From this version on, raw holds the webhook once: a query string (or form
-- body) that is exactly the parsed parameters is not stored a second time;
-- raw then says {"derived":"query"} and the store rebuilds it from params.
ALTER TABLE calls ADD COLUMN notes TEXT NOT NULL DEFAULT '';
ALTER TABLE calls ADD COLUMN raw_cut INTEGER NOT NULL DEFAULT 0;

-- Why delivery is paused (delivery.pause, a JSON object next to the
-- delivery.paused flag). A pause saved before this version while the "TQM
-- rejected the key" incident is open was a key rejection: record it so the
-- bridge resumes by itself once the key differs (the rejected key's
-- fingerprint is unknown, so the first key it sees counts as changed).
INSERT INTO settings (key, value, updated_at)
SELECT 'delivery.pause', '{"paused":true,"reason":"key_rejected"}', s.updated_at
FROM settings s
WHERE s.key = 'delivery.paused' AND s.value = 'true'
  AND EXISTS (SELECT 1 FROM incidents WHERE kind = 'tqm_key_rejected' AND cleared_at IS NULL)
ON CONFLICT(key) DO NOTHING;

-- +goose Down
DELETE FROM settings WHERE key = 'delivery.pause';
ALTER TABLE calls DROP COLUMN raw_cut;
ALTER TABLE calls DROP COLUMN notes;
