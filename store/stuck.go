package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"mangotqm/app/calls"
)

// SendingStaleAfter: a call "sending" for longer than this is stuck (its
// outcome could not be recorded); the delivery sweeper re-queues it and
// Resend accepts it. Far above any send's deadline.
const SendingStaleAfter = 10 * time.Minute

// MessageStuck is recorded for a call re-queued by the sweeper.
// (calls.CodeUnknownStuck's English text).
const MessageStuck = "sent, outcome unknown: the result of the try could not be recorded; the call is sent again and TQM may receive it twice"

// RequeueStuck re-queues the calls left "sending" since before `before`
// (not updated since), except those skip reports as still in flight: each
// is marked "outcome unknown" with an attempt saying so, and is due now.
// It returns their row ids.
func (s *Store) RequeueStuck(ctx context.Context, before time.Time, skip func(row int64) bool) ([]int64, error) {
	now := s.nowMS()
	var ids []int64
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id FROM calls WHERE status = ? AND updated_at < ?`,
			calls.StatusSending, before.UnixMilli())
		if err != nil {
			return fmt.Errorf("find stuck calls: %w", err)
		}
		var found []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				_ = rows.Close()
				return fmt.Errorf("find stuck calls: %w", err)
			}
			if skip == nil || !skip(id) {
				found = append(found, id)
			}
		}
		_ = rows.Close()
		for _, id := range found {
			if err := requeueUnknown(ctx, tx, id, now, calls.NewReason(calls.CodeUnknownStuck)); err != nil {
				return err
			}
		}
		ids = found
		return nil
	})
	return ids, err
}

func requeueUnknown(ctx context.Context, tx *sql.Tx, id, now int64, why calls.Reason) error {
	msg, coded := why.English(), why.Encode()
	if _, err := tx.ExecContext(ctx, `INSERT INTO attempts (call_row, started_at, outcome, error, error_coded)
		VALUES (?,?,?,?,?)`, id, now, calls.OutcomeUnknown, msg, coded); err != nil {
		return fmt.Errorf("log unknown outcome: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE calls SET status = ?, outcome_unknown = 1,
		next_attempt_at = ?, last_error = ?, last_error_coded = ?, updated_at = ? WHERE id = ?`,
		calls.StatusRetrying, now, msg, coded, now, id); err != nil {
		return fmt.Errorf("re-queue call #%d: %w", id, err)
	}
	return nil
}
