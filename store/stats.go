package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"mangotqm/app/calls"
)

// DayCount is one local day of the desktop's chart.
type DayCount struct {
	Day       time.Time // local midnight
	Total     int       // calls received that day (duplicates are not calls of their own)
	Delivered int       // of those, delivered to TQM
	Failed    int       // of those, not delivered for a problem: failed, needs attention, invalid
}

// DailyCounts counts the calls received on each of the days local days
// ending with the one that holds now, oldest first. Days are local
// midnights in now's zone (a 23- or 25-hour day stays one day).
func (s *Store) DailyCounts(ctx context.Context, now time.Time, days int) ([]DayCount, error) {
	if days <= 0 {
		return nil, nil
	}
	y, m, d := now.Date()
	out := make([]DayCount, days)
	var values []string
	var args []any
	for i := range out {
		lo := time.Date(y, m, d-(days-1-i), 0, 0, 0, 0, now.Location())
		hi := time.Date(y, m, d-(days-1-i)+1, 0, 0, 0, 0, now.Location())
		out[i].Day = lo
		values = append(values, "(?, ?, ?)")
		args = append(args, i, lo.UnixMilli(), hi.UnixMilli())
	}
	q := `WITH d(i, lo, hi) AS (VALUES ` + strings.Join(values, ", ") + `)
		SELECT d.i, COUNT(c.id), COALESCE(SUM(c.status = ?), 0), COALESCE(SUM(c.status IN (?, ?, ?)), 0)
		FROM d LEFT JOIN calls c ON c.received_at >= d.lo AND c.received_at < d.hi AND c.status <> ?
		GROUP BY d.i ORDER BY d.i`
	args = append(args, calls.StatusDelivered, calls.StatusFailed, calls.StatusAttention, calls.StatusInvalid,
		calls.StatusDuplicate)
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("daily counts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var i, total, delivered, failed int
		if err := rows.Scan(&i, &total, &delivered, &failed); err != nil {
			return nil, fmt.Errorf("daily counts: %w", err)
		}
		if i >= 0 && i < len(out) {
			out[i].Total, out[i].Delivered, out[i].Failed = total, delivered, failed
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("daily counts: %w", err)
	}
	return out, nil
}

// AttemptCounts returns how many tries are stored for each of the rows
// (rows without any are absent).
func (s *Store) AttemptCounts(ctx context.Context, rowIDs []int64) (map[int64]int, error) {
	out := make(map[int64]int, len(rowIDs))
	// SQLite's default limit on host parameters is 32766; the table
	// asks for a few hundred at a time.
	for len(rowIDs) > 0 {
		chunk := rowIDs[:min(len(rowIDs), 500)]
		rowIDs = rowIDs[len(chunk):]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := s.r.QueryContext(ctx, `SELECT call_row, COUNT(*) FROM attempts WHERE call_row IN (?`+
			strings.Repeat(",?", len(chunk)-1)+`) GROUP BY call_row`, args...)
		if err != nil {
			return nil, fmt.Errorf("attempt counts: %w", err)
		}
		for rows.Next() {
			var id int64
			var n int
			if err := rows.Scan(&id, &n); err != nil {
				rows.Close()
				return nil, fmt.Errorf("attempt counts: %w", err)
			}
			out[id] = n
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("attempt counts: %w", err)
		}
	}
	return out, nil
}
