package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// The outbox of alerts (app/alerts): messages wait here, one row per
// channel, until the channel takes them.

// Alert is one message to one channel.
type Alert struct {
	ID        int64
	Channel   string // "email", "telegram"
	Topic     string // an incident kind, "summary"
	Dedup     string // enqueueing the same Dedup again adds nothing
	Subject   string
	Body      string
	Created   time.Time
	Attempts  int
	LastError string
}

// IncidentEvent is an incident's opening or clearing.
type IncidentEvent string

// Incident events.
const (
	IncidentOpened  IncidentEvent = "opened"
	IncidentCleared IncidentEvent = "cleared"
)

// IncidentChange is an opening or clearing not yet turned into alerts.
type IncidentChange struct {
	IncidentID int64
	Kind       string
	Message    string
	Event      IncidentEvent
	Opened     time.Time
	Cleared    time.Time // zero while open
}

// IncidentChanges lists incident openings and clearings not yet announced
// (MarkAnnounced), oldest first: an opening before its clearing.
func (s *Store) IncidentChanges(ctx context.Context, limit int) ([]IncidentChange, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT i.id, i.kind, i.message, i.opened_at, i.cleared_at, e.event
		FROM incidents i JOIN (SELECT 'opened' AS event UNION ALL SELECT 'cleared') e
		  ON e.event = 'opened' OR i.cleared_at IS NOT NULL
		WHERE NOT EXISTS (SELECT 1 FROM alert_marks m WHERE m.incident_id = i.id AND m.event = e.event)
		ORDER BY COALESCE(CASE e.event WHEN 'opened' THEN i.opened_at ELSE i.cleared_at END, 0), i.id, e.event DESC
		LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("incident changes: %w", err)
	}
	defer rows.Close()
	var out []IncidentChange
	for rows.Next() {
		var c IncidentChange
		var opened int64
		var cleared sql.NullInt64
		if err := rows.Scan(&c.IncidentID, &c.Kind, &c.Message, &opened, &cleared, &c.Event); err != nil {
			return nil, fmt.Errorf("incident changes: %w", err)
		}
		c.Opened, c.Cleared = time.UnixMilli(opened), fromMS(cleared)
		out = append(out, c)
	}
	return out, rows.Err()
}

// Announce enqueues alerts and marks incident changes announced, in one
// transaction (an alert whose Dedup is already there is skipped).
func (s *Store) Announce(ctx context.Context, changes []IncidentChange, alerts []Alert) error {
	now := s.nowMS()
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		for _, a := range alerts {
			if _, err := tx.ExecContext(ctx, `INSERT INTO alerts (channel, topic, dedup, subject, body, created_at, next_attempt_at)
				VALUES (?,?,?,?,?,?,?) ON CONFLICT(dedup) DO NOTHING`,
				a.Channel, a.Topic, a.Dedup, a.Subject, a.Body, now, now); err != nil {
				return fmt.Errorf("enqueue alert: %w", err)
			}
		}
		for _, c := range changes {
			if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO alert_marks (incident_id, event) VALUES (?,?)`,
				c.IncidentID, string(c.Event)); err != nil {
				return fmt.Errorf("mark incident announced: %w", err)
			}
		}
		return nil
	})
}

// DueAlerts returns up to limit unsent alerts due at now, oldest first.
func (s *Store) DueAlerts(ctx context.Context, now time.Time, limit int) ([]Alert, error) {
	return s.queryAlerts(ctx, "due alerts", `FROM alerts INDEXED BY alerts_due
		WHERE sent_at IS NULL AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?`, now.UnixMilli(), limit)
}

// NextAlertDue is when the earliest unsent alert is due (ok false: none).
func (s *Store) NextAlertDue(ctx context.Context) (time.Time, bool, error) {
	var at sql.NullInt64
	err := s.r.QueryRowContext(ctx, `SELECT MIN(next_attempt_at) FROM alerts WHERE sent_at IS NULL`).Scan(&at)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next alert: %w", err)
	}
	if !at.Valid {
		return time.Time{}, false, nil
	}
	return time.UnixMilli(at.Int64), true, nil
}

// AlertDone records that an alert was sent (or dropped: note says why).
func (s *Store) AlertDone(ctx context.Context, id int64, note string) error {
	now := s.nowMS()
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE alerts SET sent_at = ?, attempts = attempts + 1, last_error = ? WHERE id = ?`,
			now, note, id)
		if err != nil {
			return fmt.Errorf("alert sent: %w", err)
		}
		// Sent alerts are kept for 30 days.
		if _, err := tx.ExecContext(ctx, `DELETE FROM alerts WHERE sent_at IS NOT NULL AND sent_at < ?`,
			now-(30*24*time.Hour).Milliseconds()); err != nil {
			return fmt.Errorf("prune alerts: %w", err)
		}
		return nil
	})
}

// AlertFailed records a failed try; the alert is tried again at next.
func (s *Store) AlertFailed(ctx context.Context, id int64, next time.Time, why string) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE alerts SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?`,
			why, next.UnixMilli(), id)
		if err != nil {
			return fmt.Errorf("alert failed: %w", err)
		}
		return nil
	})
}

// AlertStats counts unsent alerts per channel and the last error of each.
func (s *Store) AlertStats(ctx context.Context) (pending map[string]int, lastError map[string]string, err error) {
	rows, err := s.r.QueryContext(ctx, `SELECT channel, COUNT(*), COALESCE(MAX(CASE WHEN last_error <> '' THEN last_error END), '')
		FROM alerts WHERE sent_at IS NULL GROUP BY channel`)
	if err != nil {
		return nil, nil, fmt.Errorf("alert stats: %w", err)
	}
	defer rows.Close()
	pending, lastError = map[string]int{}, map[string]string{}
	for rows.Next() {
		var ch, le string
		var n int
		if err := rows.Scan(&ch, &n, &le); err != nil {
			return nil, nil, fmt.Errorf("alert stats: %w", err)
		}
		pending[ch], lastError[ch] = n, le
	}
	return pending, lastError, rows.Err()
}

// SentAlerts lists the alerts sent (not dropped) to a channel, oldest
// first (tests and the settings page's history).
func (s *Store) SentAlerts(ctx context.Context, channel string) ([]Alert, error) {
	return s.queryAlerts(ctx, "sent alerts", `FROM alerts
		WHERE channel = ? AND sent_at IS NOT NULL AND last_error = '' ORDER BY sent_at, id`, channel)
}

// queryAlerts reads the alerts that from (the query after SELECT …) picks.
func (s *Store) queryAlerts(ctx context.Context, what, from string, args ...any) ([]Alert, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, channel, topic, dedup, subject, body, created_at, attempts, last_error `+from, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []Alert
	for rows.Next() {
		var a Alert
		var created int64
		if err := rows.Scan(&a.ID, &a.Channel, &a.Topic, &a.Dedup, &a.Subject, &a.Body, &created, &a.Attempts, &a.LastError); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		a.Created = time.UnixMilli(created)
		out = append(out, a)
	}
	return out, rows.Err()
}

// DeferAlerts makes a channel's unsent alerts wait until at least until
// (the channel is down; its messages keep their order).
func (s *Store) DeferAlerts(ctx context.Context, channel string, until time.Time) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE alerts SET next_attempt_at = ? WHERE channel = ? AND sent_at IS NULL AND next_attempt_at < ?`,
			until.UnixMilli(), channel, until.UnixMilli())
		if err != nil {
			return fmt.Errorf("defer alerts: %w", err)
		}
		return nil
	})
}
