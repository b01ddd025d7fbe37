package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"mangotqm/app/calls"
)

// maxBatch bounds how many webhooks share one commit.
const maxBatch = 256

// NewCall is what the receiver stores for one webhook, before answering it.
type NewCall struct {
	Source   calls.Source
	CallID   string // Mango call id; "" when the payload has none
	Raw      string // raw request envelope (JSON)
	Params   string // parsed parameters (JSON object)
	Caller   string
	Operator string
	Started  time.Time
	Duration int64 // seconds
	// Invalid, when not zero, stores the call as invalid with this reason.
	Invalid calls.Reason
	// Notes: what the receiver flagged about a usable call (one per line).
	Notes string
	// Skip, when not zero, stores a usable call as skipped with this reason
	// (an import rule); a duplicate stays a duplicate.
	Skip calls.Reason
	// TrackingNumber: a calltracking number this call proves (the webhook's
	// "number"); it is learned in the same transaction.
	TrackingNumber string
}

// Intaken tells what happened to a stored webhook.
type Intaken struct {
	ID          int64 // row id
	DuplicateOf int64 // non-zero: the call id was already known; this row is only a log entry
}

type intakeReq struct {
	ctx  context.Context
	call NewCall
	res  chan intakeRes
}

type intakeRes struct {
	in  Intaken
	err error
}

// ErrClosed is returned by Intake after Close.
var ErrClosed = errors.New("store is closed")

// Intake durably stores one webhook. It returns only after the row is
// committed (fsync'd), so the caller may then acknowledge the sender. Many
// concurrent callers share one transaction (group commit).
func (s *Store) Intake(ctx context.Context, c NewCall) (Intaken, error) {
	req := intakeReq{ctx: ctx, call: c, res: make(chan intakeRes, 1)}
	select {
	case <-s.stop:
		return Intaken{}, ErrClosed
	default:
	}
	select {
	case s.intake <- req:
	case <-s.stop:
		return Intaken{}, ErrClosed
	case <-ctx.Done():
		return Intaken{}, fmt.Errorf("store intake: %w", ctx.Err())
	}
	// Once queued, the request is always answered (the committer drains the
	// queue before it stops); waiting here keeps "answered ⇒ committed".
	r := <-req.res
	return r.in, r.err
}

func (s *Store) commitLoop() {
	defer close(s.done)
	batch := make([]intakeReq, 0, maxBatch)
	check := s.clock.After(FileCheckEvery)
	for {
		select {
		case req := <-s.intake:
			batch = append(batch[:0], req)
		case <-check:
			_ = s.health.checkFile() // an idle store notices a deleted file too
			check = s.clock.After(FileCheckEvery)
			continue
		case <-s.stop:
			// Drain what was queued before Close.
			for {
				select {
				case req := <-s.intake:
					s.commitBatch([]intakeReq{req})
				default:
					return
				}
			}
		}
		if !s.noGroup {
		fill:
			for len(batch) < maxBatch {
				select {
				case req := <-s.intake:
					batch = append(batch, req)
				default:
					break fill
				}
			}
		}
		s.commitBatch(batch)
	}
}

func (s *Store) commitBatch(batch []intakeReq) {
	results := make([]Intaken, len(batch))
	err := s.writeTx(context.Background(), func(tx *sql.Tx) error {
		for i, req := range batch {
			in, err := insertCall(tx, req.call, s.nowMS())
			if err != nil {
				return err
			}
			results[i] = in
		}
		return nil
	})
	if err != nil && len(batch) > 1 && !errors.Is(err, ErrDatabaseGone) {
		// One bad member (a damaged page, an odd value) must not take the
		// healthy webhooks down with it: each is tried on its own.
		for _, req := range batch {
			s.commitBatch([]intakeReq{req})
		}
		return
	}
	for i, req := range batch {
		if err != nil {
			req.res <- intakeRes{err: fmt.Errorf("store webhook: %w", err)}
			continue
		}
		req.res <- intakeRes{in: results[i]}
	}
}

func insertCall(tx *sql.Tx, c NewCall, now int64) (Intaken, error) {
	status, reason := calls.StatusQueued, calls.Reason{}
	var callID sql.NullString
	if c.CallID != "" {
		callID = sql.NullString{String: c.CallID, Valid: true}
	}
	var dupOf sql.NullInt64
	if !c.Invalid.IsZero() {
		status, reason = calls.StatusInvalid, c.Invalid
	}
	if callID.Valid {
		var existing int64
		err := tx.QueryRow(`SELECT id FROM calls WHERE source = ? AND call_id = ? AND duplicate_of IS NULL`,
			c.Source, c.CallID).Scan(&existing)
		switch {
		case err == nil:
			dupOf = sql.NullInt64{Int64: existing, Valid: true}
			status, reason = calls.StatusDuplicate, calls.NewReason(calls.CodeDuplicate, calls.ArgOf, strconv.FormatInt(existing, 10))
		case errors.Is(err, sql.ErrNoRows):
		default:
			return Intaken{}, fmt.Errorf("look up call id: %w", err)
		}
	}
	if status == calls.StatusQueued && !c.Skip.IsZero() {
		status, reason = calls.StatusSkipped, c.Skip
	}
	if c.TrackingNumber != "" && c.Invalid.IsZero() {
		if err := learnTracking(tx, c.TrackingNumber, "webhook", now); err != nil {
			return Intaken{}, err
		}
	}
	var next sql.NullInt64
	if status == calls.StatusQueued {
		next = sql.NullInt64{Int64: now, Valid: true}
	}
	params := c.Params
	if params == "" {
		params = "{}"
	}
	raw, cut := compactRaw(c.Raw, params)
	res, err := tx.Exec(`INSERT INTO calls
		(source, call_id, duplicate_of, raw, params, caller, operator, started_at, duration_s,
		 received_at, status, reason, next_attempt_at, updated_at, notes, raw_cut, reason_coded)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		c.Source, callID, dupOf, raw, params, c.Caller, c.Operator, nullMS(c.Started), c.Duration,
		now, status, reason.English(), next, now, c.Notes, cut, reason.Encode())
	if err != nil {
		return Intaken{}, fmt.Errorf("insert call: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return Intaken{}, fmt.Errorf("insert call: %w", err)
	}
	return Intaken{ID: id, DuplicateOf: dupOf.Int64}, nil
}

// writeTx runs fn in one immediate transaction on the writer connection.
// The database file must still be the one opened, before and after the
// commit: a commit into a deleted file would be lost at the next start.
func (s *Store) writeTx(ctx context.Context, fn func(*sql.Tx) error) error {
	err := s.tx(ctx, fn)
	switch {
	case err == nil:
		s.health.wrote(nil)
	case isStorageFault(err):
		s.health.wrote(err)
	}
	return err
}

func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	if err := s.health.checkFile(); err != nil {
		return err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return s.health.checkFile()
}
