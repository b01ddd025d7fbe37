package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Settings that hold the delivery pause. SettingPaused is the plain flag
// (true while sending is paused); SettingPause says why, and is believed
// only while it is at least as new as the flag (a later pause or resume
// that wrote only the flag makes it stale).
const (
	SettingPaused = "delivery.paused"
	SettingPause  = "delivery.pause"
)

// Why delivery is paused.
const (
	PauseByUser        = "user"         // paused in the window
	PauseByKeyRejected = "key_rejected" // TQM answered 401/403
)

// Pause is the saved delivery pause.
type Pause struct {
	Paused bool   `json:"paused"`
	Reason string `json:"reason,omitempty"` // PauseByUser, PauseByKeyRejected
	// KeyFingerprint identifies the TQM key that was rejected (a SHA-256
	// prefix, never the key); "" when unknown.
	KeyFingerprint string    `json:"keyFingerprint,omitempty"`
	Since          time.Time `json:"since,omitzero"`
	// HTTPStatus is TQM's answer that caused a key_rejected pause.
	HTTPStatus int `json:"httpStatus,omitempty"`
}

// LoadPause reads the saved pause. A paused flag without a (current)
// reason reads as a pause by the user.
func (s *Store) LoadPause(ctx context.Context) (Pause, error) {
	var p Pause
	flag, flagAt, err := s.settingAt(ctx, SettingPaused)
	if err != nil || flag == "" {
		return p, err
	}
	if err := json.Unmarshal([]byte(flag), &p.Paused); err != nil {
		return Pause{}, fmt.Errorf("decode setting %q: %w", SettingPaused, err)
	}
	if !p.Paused {
		return Pause{}, nil
	}
	why, whyAt, err := s.settingAt(ctx, SettingPause)
	if err != nil {
		return Pause{}, err
	}
	var w Pause
	if why != "" && whyAt >= flagAt && json.Unmarshal([]byte(why), &w) == nil && w.Paused {
		return w, nil
	}
	p.Reason = PauseByUser
	return p, nil
}

// SavePause saves p (both settings, in one transaction).
func (s *Store) SavePause(ctx context.Context, p Pause) error {
	if !p.Paused {
		p = Pause{}
	}
	flag, _ := json.Marshal(p.Paused)
	why, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encode pause: %w", err)
	}
	now := s.nowMS()
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		for _, kv := range [][2]string{{SettingPaused, string(flag)}, {SettingPause, string(why)}} {
			if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?,?,?)
				ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
				kv[0], kv[1], now); err != nil {
				return fmt.Errorf("save the delivery pause: %w", err)
			}
		}
		return nil
	})
}

func (s *Store) settingAt(ctx context.Context, key string) (value string, at int64, err error) {
	err = s.r.QueryRowContext(ctx, `SELECT value, updated_at FROM settings WHERE key = ?`, key).Scan(&value, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return "", 0, nil
	}
	if err != nil {
		return "", 0, fmt.Errorf("read setting %q: %w", key, err)
	}
	return value, at, nil
}
