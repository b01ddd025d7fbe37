package store

// The calltracking numbers of the import rules: learned from webhooks (in
// the webhook's own transaction) and edited by the user.

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"mangotqm/app/calls"
)

// TrackingNumber is one known calltracking number.
type TrackingNumber struct {
	Number    string // as first seen or typed
	Manual    bool   // typed in by the user (else learned from a webhook)
	FirstSeen time.Time
	LastSeen  time.Time
	Calls     int // webhooks seen on it
}

func learnTracking(tx *sql.Tx, number, origin string, now int64) error {
	key := calls.NormalizeNumber(number)
	if len(key) < 5 {
		return nil
	}
	inc := 1
	if origin != "webhook" {
		inc = 0
	}
	if _, err := tx.Exec(`INSERT INTO tracking_numbers (number, shown, origin, first_seen, last_seen, calls)
		VALUES (?,?,?,?,?,?) ON CONFLICT(number) DO UPDATE SET last_seen = excluded.last_seen,
		calls = calls + excluded.calls`, key, strings.TrimSpace(number), origin, now, now, inc); err != nil {
		return fmt.Errorf("learn tracking number: %w", err)
	}
	return nil
}

// TrackingNumbers lists the known calltracking numbers, most used first.
func (s *Store) TrackingNumbers(ctx context.Context) ([]TrackingNumber, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT shown, origin, first_seen, last_seen, calls FROM tracking_numbers
		ORDER BY calls DESC, number`)
	if err != nil {
		return nil, fmt.Errorf("list tracking numbers: %w", err)
	}
	defer rows.Close()
	var out []TrackingNumber
	for rows.Next() {
		var t TrackingNumber
		var origin string
		var first, last int64
		if err := rows.Scan(&t.Number, &origin, &first, &last, &t.Calls); err != nil {
			return nil, fmt.Errorf("list tracking numbers: %w", err)
		}
		t.Manual = origin != "webhook"
		t.FirstSeen, t.LastSeen = time.UnixMilli(first), time.UnixMilli(last)
		out = append(out, t)
	}
	return out, rows.Err()
}

// SetTrackingNumbers makes numbers the known calltracking numbers: new ones
// are added as typed by the user, missing ones removed (a webhook on a
// removed number learns it again: it is a tracking number by definition).
func (s *Store) SetTrackingNumbers(ctx context.Context, numbers []string) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		keep := map[string]bool{}
		now := s.nowMS()
		for _, n := range numbers {
			key := calls.NormalizeNumber(n)
			if len(key) < 5 {
				return fmt.Errorf("tracking number %q is not a phone number", n)
			}
			keep[key] = true
			if err := learnTracking(tx, n, "manual", now); err != nil {
				return err
			}
		}
		rows, err := tx.QueryContext(ctx, `SELECT number FROM tracking_numbers`)
		if err != nil {
			return fmt.Errorf("tracking numbers: %w", err)
		}
		var drop []string
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				rows.Close()
				return fmt.Errorf("tracking numbers: %w", err)
			}
			if !keep[k] {
				drop = append(drop, k)
			}
		}
		rows.Close()
		for _, k := range drop {
			if _, err := tx.ExecContext(ctx, `DELETE FROM tracking_numbers WHERE number = ?`, k); err != nil {
				return fmt.Errorf("remove tracking number: %w", err)
			}
		}
		return nil
	})
}
