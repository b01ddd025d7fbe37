package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"mangotqm/app/calls"
)

const callCols = `id, source, call_id, duplicate_of, raw, params, caller, operator, started_at, duration_s,
	received_at, status, reason, request, tqm_id, attempts, next_attempt_at, last_error, correlation_id,
	outcome_unknown, delivered_at, updated_at, notes, raw_cut, reason_coded, last_error_coded`

type scanner interface{ Scan(...any) error }

func scanCall(sc scanner) (calls.Call, error) {
	var c calls.Call
	var callID sql.NullString
	var dup, started, received, next, delivered, updated sql.NullInt64
	var unknown int
	var reasonCoded, lastCoded string
	err := sc.Scan(&c.ID, &c.Source, &callID, &dup, &c.Raw, &c.Params, &c.Caller, &c.Operator, &started,
		&c.Duration, &received, &c.Status, &c.Reason, &c.Request, &c.TQMID, &c.Attempts, &next,
		&c.LastError, &c.CorrelationID, &unknown, &delivered, &updated, &c.Notes, &c.RawCut,
		&reasonCoded, &lastCoded)
	if err != nil {
		return calls.Call{}, err
	}
	c.Raw = expandRaw(c.Raw, c.Params)
	c.CallID = callID.String
	c.DuplicateOf = dup.Int64
	c.Started, c.Received, c.NextAttempt = fromMS(started), fromMS(received), fromMS(next)
	c.Delivered, c.Updated = fromMS(delivered), fromMS(updated)
	c.OutcomeUnknown = unknown != 0
	c.ReasonCoded = calls.Stored(reasonCoded, c.Reason)
	c.LastErrorCoded = calls.Stored(lastCoded, c.LastError)
	return c, nil
}

// waitingSQL selects the calls waiting for a try. The statuses are
// literals so that SQLite can use the partial index calls_waiting_due
// (migration 00005), which the queries name (INDEXED BY: the planner would
// otherwise pick calls_due and sort every waiting call at every claim);
// TestHotQueriesUseIndexes checks the plans.
const waitingSQL = `status IN ('` + string(calls.StatusQueued) + `', '` + string(calls.StatusRetrying) + `')`

// claimSQL marks the earliest due call sending and counts the attempt.
const claimSQL = `UPDATE calls SET status = ?, attempts = attempts + 1, updated_at = ?
	WHERE id IN (SELECT id FROM calls INDEXED BY calls_waiting_due WHERE ` + waitingSQL + ` AND next_attempt_at <= ?
	             ORDER BY next_attempt_at, id LIMIT ?)
	RETURNING ` + callCols

// anyDueSQL says whether a call is due.
const anyDueSQL = `SELECT 1 FROM calls INDEXED BY calls_waiting_due WHERE ` + waitingSQL + ` AND next_attempt_at <= ? LIMIT 1`

// nextDueSQL is when the earliest waiting call is due.
const nextDueSQL = `SELECT MIN(next_attempt_at) FROM calls INDEXED BY calls_waiting_due WHERE ` + waitingSQL

// Claim takes the next call that is due for a try, marks it sending and
// counts the attempt, in one committed transaction: after a crash the row
// says a send may have been under way. ok is false when nothing is due.
func (s *Store) Claim(ctx context.Context) (c calls.Call, ok bool, err error) {
	cs, err := s.ClaimN(ctx, 1)
	if err != nil || len(cs) == 0 {
		return calls.Call{}, false, err
	}
	return cs[0], true, nil
}

// ClaimN claims up to n due calls (the earliest first) in one committed
// transaction, as Claim does for one.
func (s *Store) ClaimN(ctx context.Context, n int) ([]calls.Call, error) {
	if n <= 0 {
		return nil, nil
	}
	now := s.nowMS()
	// Nothing due (the common answer when idle): say so without taking the
	// writer from webhooks and delivery results.
	var due int
	switch err := s.r.QueryRowContext(ctx, anyDueSQL, now).Scan(&due); {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("claim calls: %w", err)
	}
	var out []calls.Call
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		rows, err := tx.QueryContext(ctx, claimSQL, calls.StatusSending, now, now, n)
		if err != nil {
			return fmt.Errorf("claim calls: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			c, err := scanCall(rows)
			if err != nil {
				return fmt.Errorf("claim calls: %w", err)
			}
			out = append(out, c)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("claim calls: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// RETURNING gives the rows in no promised order: earliest due first.
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].NextAttempt.Equal(out[j].NextAttempt) {
			return out[i].NextAttempt.Before(out[j].NextAttempt)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// ClaimExcept claims up to n due calls through claim and keeps those that
// drop does not take (drop turns a late copy of a known call into its
// duplicate and says so); while every claimed call was dropped, it claims
// again. None when nothing is due.
func ClaimExcept(ctx context.Context, n int, claim func(ctx context.Context, n int) ([]calls.Call, error),
	drop func(ctx context.Context, c calls.Call) bool) ([]calls.Call, error) {
	for {
		cs, err := claim(ctx, n)
		if err != nil || len(cs) == 0 {
			return cs, err
		}
		keep := cs[:0]
		for _, c := range cs {
			if !drop(ctx, c) {
				keep = append(keep, c)
			}
		}
		if len(keep) > 0 {
			return keep, nil
		}
	}
}

// Unclaim hands claimed calls back untried (delivery claimed them ahead
// and then paused, was told to slow down, or stopped): each goes back to
// waiting with its try uncounted, due when it was. A call that is no longer
// "sending" is left alone.
func (s *Store) Unclaim(ctx context.Context, rows []int64) error {
	if len(rows) == 0 {
		return nil
	}
	now := s.nowMS()
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		for _, id := range rows {
			if _, err := tx.ExecContext(ctx, `UPDATE calls SET attempts = MAX(attempts - 1, 0),
				status = CASE WHEN attempts > 1 THEN ? ELSE ? END, updated_at = ? WHERE id = ? AND status = ?`,
				calls.StatusRetrying, calls.StatusQueued, now, id, calls.StatusSending); err != nil {
				return fmt.Errorf("hand back call #%d: %w", id, err)
			}
		}
		return nil
	})
}

// NextDue returns when the earliest waiting call becomes due (ok=false if none).
func (s *Store) NextDue(ctx context.Context) (time.Time, bool, error) {
	var next sql.NullInt64
	err := s.r.QueryRowContext(ctx, nextDueSQL).Scan(&next)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next due: %w", err)
	}
	return fromMS(next), next.Valid, nil
}

// Finish records a try and its call's new state, as calls.Next computed
// them, in one transaction. The attempt's error text defaults to its coded
// reason's English.
func (s *Store) Finish(ctx context.Context, callRow int64, st calls.Step) error {
	now := s.nowMS()
	a := st.Attempt
	if a.Error == "" {
		a.Error = a.ErrorCoded.English()
	}
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO attempts
			(call_row, started_at, duration_ms, http_status, outcome, response, error, correlation_id, error_coded)
			VALUES (?,?,?,?,?,?,?,?,?)`, callRow, s.ms(a.Started), a.Duration.Milliseconds(), a.HTTPStatus,
			a.Outcome, a.Response, a.Error, a.CorrelationID, a.ErrorCoded.Encode()); err != nil {
			return fmt.Errorf("record attempt: %w", err)
		}
		uncount, unknown := 1, 0
		if st.Counted {
			uncount = 0
		}
		if st.OutcomeUnknown {
			unknown = 1
		}
		res, err := tx.ExecContext(ctx, `UPDATE calls SET status = ?, reason = ?, reason_coded = ?, next_attempt_at = ?,
			request = CASE WHEN ? <> '' THEN ? ELSE request END,
			tqm_id = CASE WHEN ? <> '' THEN ? ELSE tqm_id END,
			last_error = ?, last_error_coded = ?, correlation_id = CASE WHEN ? <> '' THEN ? ELSE correlation_id END,
			delivered_at = ?, attempts = MAX(attempts - ?, 0), outcome_unknown = MAX(outcome_unknown, ?),
			updated_at = ? WHERE id = ?`,
			st.Status, st.Reason.English(), st.Reason.Encode(), nullMS(st.NextAttempt), st.Request, st.Request, st.TQMID, st.TQMID,
			st.LastError.English(), st.LastError.Encode(), st.CorrelationID, st.CorrelationID, nullMS(st.Delivered), uncount, unknown, now, callRow)
		if err != nil {
			return fmt.Errorf("update call: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return calls.ErrNotFound
		}
		return nil
	})
}

// RecoverInFlight re-queues every call left "sending" by a crash, marks it
// "outcome unknown" and logs an attempt saying so. It returns their row ids.
func (s *Store) RecoverInFlight(ctx context.Context) ([]int64, error) {
	now := s.nowMS()
	var ids []int64
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id FROM calls WHERE status = ?`, calls.StatusSending)
		if err != nil {
			return fmt.Errorf("find in-flight calls: %w", err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				_ = rows.Close()
				return fmt.Errorf("find in-flight calls: %w", err)
			}
			ids = append(ids, id)
		}
		_ = rows.Close()
		for _, id := range ids {
			if err := requeueUnknown(ctx, tx, id, now, calls.NewReason(calls.CodeUnknownStopped)); err != nil {
				return err
			}
		}
		return nil
	})
	return ids, err
}

// Get returns one call.
func (s *Store) Get(ctx context.Context, id int64) (calls.Call, error) {
	c, err := scanCall(s.r.QueryRowContext(ctx, `SELECT `+callCols+` FROM calls WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return calls.Call{}, fmt.Errorf("call #%d: %w", id, calls.ErrNotFound)
	}
	if err != nil {
		return calls.Call{}, fmt.Errorf("get call #%d: %w", id, err)
	}
	return c, nil
}

// List returns calls, newest first.
func (s *Store) List(ctx context.Context, f calls.Filter) ([]calls.Call, error) {
	var where []string
	var args []any
	if len(f.Statuses) > 0 {
		where = append(where, "status IN (?"+strings.Repeat(",?", len(f.Statuses)-1)+")")
		for _, st := range f.Statuses {
			args = append(args, st)
		}
	}
	if len(f.Sources) > 0 {
		where = append(where, "source IN (?"+strings.Repeat(",?", len(f.Sources)-1)+")")
		for _, src := range f.Sources {
			args = append(args, src)
		}
	}
	if !f.Since.IsZero() {
		where = append(where, "received_at >= ?")
		args = append(args, f.Since.UnixMilli())
	}
	if !f.Until.IsZero() {
		where = append(where, "received_at < ?")
		args = append(args, f.Until.UnixMilli())
	}
	if f.ByRule {
		where = append(where, "status = ? AND reason_coded LIKE ?")
		args = append(args, calls.StatusSkipped, `{"code":"rule.%`)
	}
	if f.Search != "" {
		where = append(where, "(instr(ulower(caller), ?) > 0 OR instr(ulower(operator), ?) > 0"+
			" OR instr(ulower(coalesce(call_id, '')), ?) > 0 OR instr(ulower(reason), ?) > 0)")
		s := strings.ToLower(f.Search)
		args = append(args, s, s, s, s)
	}
	q := `SELECT ` + callCols + ` FROM calls`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 500
	}
	q += " ORDER BY received_at DESC, id DESC LIMIT ? OFFSET ?"
	args = append(args, limit, f.Offset)
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list calls: %w", err)
	}
	defer rows.Close()
	var out []calls.Call
	for rows.Next() {
		c, err := scanCall(rows)
		if err != nil {
			return nil, fmt.Errorf("list calls: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Attempts returns a call's tries, oldest first.
func (s *Store) Attempts(ctx context.Context, callRow int64) ([]calls.Attempt, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, call_row, started_at, duration_ms, http_status, outcome,
		response, error, correlation_id, error_coded FROM attempts WHERE call_row = ? ORDER BY id`, callRow)
	if err != nil {
		return nil, fmt.Errorf("list attempts: %w", err)
	}
	defer rows.Close()
	var out []calls.Attempt
	for rows.Next() {
		var a calls.Attempt
		var started sql.NullInt64
		var dur int64
		var coded string
		if err := rows.Scan(&a.ID, &a.CallRow, &started, &dur, &a.HTTPStatus, &a.Outcome, &a.Response,
			&a.Error, &a.CorrelationID, &coded); err != nil {
			return nil, fmt.Errorf("list attempts: %w", err)
		}
		a.Started, a.Duration = fromMS(started), time.Duration(dur)*time.Millisecond
		a.ErrorCoded = calls.Stored(coded, a.Error)
		out = append(out, a)
	}
	return out, rows.Err()
}

// Counts returns the current counts; "today" starts at dayStart.
func (s *Store) Counts(ctx context.Context, dayStart time.Time) (calls.Counts, error) {
	var c calls.Counts
	err := s.r.QueryRowContext(ctx, `SELECT
		COALESCE(SUM(status IN (?, ?)), 0), COALESCE(SUM(status = ?), 0), COALESCE(SUM(status = ?), 0),
		COALESCE(SUM(status = ?), 0), COALESCE(SUM(status = ?), 0),
		COALESCE(SUM(status = ? AND delivered_at >= ?), 0), COUNT(*) FROM calls`,
		calls.StatusQueued, calls.StatusRetrying, calls.StatusSending, calls.StatusFailed, calls.StatusAttention, calls.StatusInvalid,
		calls.StatusDelivered, dayStart.UnixMilli()).
		Scan(&c.Waiting, &c.Sending, &c.Failed, &c.Attention, &c.Invalid, &c.DeliveredToday, &c.Total)
	if err != nil {
		return calls.Counts{}, fmt.Errorf("count calls: %w", err)
	}
	return c, nil
}

// Resend puts one call back in the queue for an immediate try. An invalid
// call is accepted too (it is parsed and mapped again on that try, so a
// fixed mapping applies), and so is one stuck "sending" for longer than
// SendingStaleAfter (its last outcome is unknown). A duplicate, or a call
// being sent right now, is refused with calls.ErrNotResendable.
func (s *Store) Resend(ctx context.Context, id int64) error {
	now := s.nowMS()
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		var status calls.Status
		var updated int64
		err := tx.QueryRowContext(ctx, `SELECT status, updated_at FROM calls WHERE id = ?`, id).Scan(&status, &updated)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("call #%d: %w", id, calls.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("resend call #%d: %w", id, err)
		}
		unknown := 0
		switch status {
		case calls.StatusDuplicate:
			return fmt.Errorf("call #%d is a duplicate of another call: %w", id, calls.ErrNotResendable)
		case calls.StatusSending:
			if now-updated < SendingStaleAfter.Milliseconds() {
				return fmt.Errorf("call #%d is being sent right now: %w", id, calls.ErrNotResendable)
			}
			unknown = 1 // TQM may have it already
			stuck := calls.NewReason(calls.CodeUnknownStuck)
			if _, err := tx.ExecContext(ctx, `INSERT INTO attempts (call_row, started_at, outcome, error, error_coded)
				VALUES (?,?,?,?,?)`, id, now, calls.OutcomeUnknown, stuck.English(), stuck.Encode()); err != nil {
				return fmt.Errorf("resend call #%d: %w", id, err)
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE calls SET status = ?, reason = '', reason_coded = '', attempts = 0, next_attempt_at = ?,
			outcome_unknown = MAX(outcome_unknown, ?), updated_at = ? WHERE id = ?`, calls.StatusQueued, now, unknown, now, id)
		if err != nil {
			return fmt.Errorf("resend call #%d: %w", id, err)
		}
		return nil
	})
}

// ResendFailedSince re-queues every failed or needs-attention call received
// at or after since. It returns how many were re-queued.
func (s *Store) ResendFailedSince(ctx context.Context, since time.Time) (int, error) {
	now := s.nowMS()
	var n int64
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE calls SET status = ?, reason = '', reason_coded = '', attempts = 0,
			next_attempt_at = ?, updated_at = ? WHERE status IN (?, ?) AND received_at >= ?`,
			calls.StatusQueued, now, now, calls.StatusFailed, calls.StatusAttention, since.UnixMilli())
		if err != nil {
			return fmt.Errorf("resend failed calls: %w", err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return int(n), err
}
