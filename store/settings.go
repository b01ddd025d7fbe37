package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"mangotqm/app/calls"
	"time"
)

// GetSetting decodes the JSON value stored under key into v. found is false
// (and v untouched) when the key was never set.
func (s *Store) GetSetting(ctx context.Context, key string, v any) (found bool, err error) {
	var raw string
	err = s.r.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read setting %q: %w", key, err)
	}
	if err := json.Unmarshal([]byte(raw), v); err != nil {
		return false, fmt.Errorf("decode setting %q: %w", key, err)
	}
	return true, nil
}

// SetSetting stores v as JSON under key.
func (s *Store) SetSetting(ctx context.Context, key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode setting %q: %w", key, err)
	}
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?,?,?)
			ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
			key, string(raw), s.nowMS())
		if err != nil {
			return fmt.Errorf("write setting %q: %w", key, err)
		}
		return nil
	})
}

// OpenIncident raises an incident of kind unless one is already open; opened
// reports whether this call raised it (so callers notify once per incident).
// An open incident's message is refreshed.
func (s *Store) OpenIncident(ctx context.Context, kind, message string) (opened bool, err error) {
	now := s.nowMS()
	err = s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE incidents SET message = ? WHERE kind = ? AND cleared_at IS NULL`,
			message, kind)
		if err != nil {
			return fmt.Errorf("update incident: %w", err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO incidents (kind, message, opened_at) VALUES (?,?,?)`,
			kind, message, now); err != nil {
			return fmt.Errorf("open incident: %w", err)
		}
		opened = true
		return nil
	})
	return opened, err
}

// ClearIncident closes the open incident of kind, if any; cleared reports
// whether one was open.
func (s *Store) ClearIncident(ctx context.Context, kind string) (cleared bool, err error) {
	now := s.nowMS()
	err = s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE incidents SET cleared_at = ? WHERE kind = ? AND cleared_at IS NULL`,
			now, kind)
		if err != nil {
			return fmt.Errorf("clear incident: %w", err)
		}
		n, _ := res.RowsAffected()
		cleared = n > 0
		return nil
	})
	return cleared, err
}

// OpenIncidents lists the incidents not yet cleared, oldest first.
func (s *Store) OpenIncidents(ctx context.Context) ([]calls.Incident, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, kind, message, opened_at FROM incidents
		WHERE cleared_at IS NULL ORDER BY opened_at, id`)
	if err != nil {
		return nil, fmt.Errorf("list incidents: %w", err)
	}
	defer rows.Close()
	var out []calls.Incident
	for rows.Next() {
		var in calls.Incident
		var opened int64
		if err := rows.Scan(&in.ID, &in.Kind, &in.Message, &opened); err != nil {
			return nil, fmt.Errorf("list incidents: %w", err)
		}
		in.Opened = time.UnixMilli(opened)
		out = append(out, in)
	}
	return out, rows.Err()
}
