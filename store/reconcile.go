package store

// Calls found in Mango's statistics (reconcile and backfill): stored only
// when the bridge does not already have them, with their recording ids and
// the caller's checkpoint in the same transaction, so that a crash loses
// nothing and a rerun never stores a call twice.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"mangotqm/app/calls"
)

// MangoCall is one call of Mango's statistics to import.
type MangoCall struct {
	// NewCall is the row: Source is calls.SourceReconcile or
	// calls.SourceBackfill, CallID the Mango entry id (required).
	NewCall
	// Skip, when not zero, stores the call as skipped with this reason.
	Skip calls.Reason
	// Records are the call's recording ids; they are attached to the entry
	// like announced recordings (AttachRecording), so delivery finds them.
	Records []string
}

// Imported tells what ImportMango did.
type Imported struct {
	New     int     // calls stored
	Skipped int     // of New, stored as skipped
	Known   int     // calls the bridge already had (not stored)
	Rows    []int64 // rows stored, in input order

	// SkippedBy counts the skipped calls by reason code (e.g. "rule.line").
	SkippedBy map[string]int
}

// Checkpoint is a setting written in the same transaction as the calls.
type Checkpoint struct {
	Key   string
	Value any
}

// ImportMango stores every call of cs the bridge does not already have and
// writes the settings checkpoint returns (given what was imported), in one
// transaction. "Already has" (see knownTx) is checked inside that
// transaction, so it holds against webhooks stored at the same moment.
// window is the start-time tolerance (default DefaultJoinWindow);
// checkpoint may be nil.
func (s *Store) ImportMango(ctx context.Context, cs []MangoCall, window time.Duration,
	checkpoint func(Imported) []Checkpoint) (Imported, error) {
	if window <= 0 {
		window = DefaultJoinWindow
	}
	var res Imported
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		res = Imported{}
		now := s.nowMS()
		for _, c := range cs {
			if strings.TrimSpace(c.CallID) == "" {
				return fmt.Errorf("import call: no entry id (%s)", c.Source)
			}
			if c.Source != calls.SourceReconcile && c.Source != calls.SourceBackfill {
				return fmt.Errorf("import call %s: source %q is not reconcile or backfill", c.CallID, c.Source)
			}
			if _, known, err := knownTx(ctx, tx, c.NewCall, window); err != nil {
				return err
			} else if known {
				res.Known++
				continue
			}
			in, err := insertCall(tx, c.NewCall, now)
			if err != nil {
				return err
			}
			if !c.Skip.IsZero() {
				if _, err := tx.ExecContext(ctx, `UPDATE calls SET status = ?, reason = ?, reason_coded = ?, next_attempt_at = NULL,
					updated_at = ? WHERE id = ?`, calls.StatusSkipped, c.Skip.English(), c.Skip.Encode(), now, in.ID); err != nil {
					return fmt.Errorf("skip call: %w", err)
				}
				res.Skipped++
				if res.SkippedBy == nil {
					res.SkippedBy = map[string]int{}
				}
				res.SkippedBy[c.Skip.Code]++
			}
			for _, rec := range c.Records {
				if rec = strings.TrimSpace(rec); rec == "" {
					continue
				}
				if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO recordings (entry_id, recording_id, received_at)
					VALUES (?,?,?)`, c.CallID, rec, now); err != nil {
					return fmt.Errorf("attach recording: %w", err)
				}
			}
			res.New++
			res.Rows = append(res.Rows, in.ID)
		}
		var cps []Checkpoint
		if checkpoint != nil {
			cps = checkpoint(res)
		}
		for _, cp := range cps {
			raw, err := json.Marshal(cp.Value)
			if err != nil {
				return fmt.Errorf("encode setting %q: %w", cp.Key, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?,?,?)
				ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
				cp.Key, string(raw), now); err != nil {
				return fmt.Errorf("write setting %q: %w", cp.Key, err)
			}
		}
		return nil
	})
	if err != nil {
		return Imported{}, fmt.Errorf("store calls from Mango's statistics: %w", err)
	}
	return res, nil
}

// knownTx: the bridge already has c when a row (not invalid, not a
// duplicate) has the same entry id — any source: a VPBX, reconciled or
// backfilled row by its call id, a calltracking row by its entryId
// parameter — or when a calltracking or VPBX-events row has the same caller
// (calls.NormalizeNumber) and a start within window of c's, unless both
// carry different entry ids (two calls).
func knownTx(ctx context.Context, tx *sql.Tx, c NewCall, window time.Duration) (int64, bool, error) {
	entry := strings.TrimSpace(c.CallID)
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM calls WHERE call_id = ? AND source IN (?, ?, ?)
		AND duplicate_of IS NULL AND status NOT IN (?, ?) ORDER BY id LIMIT 1`,
		entry, calls.SourceVPBX, calls.SourceReconcile, calls.SourceBackfill,
		calls.StatusInvalid, calls.StatusDuplicate).Scan(&id)
	switch {
	case err == nil:
		return id, true, nil
	case !errors.Is(err, sql.ErrNoRows):
		return 0, false, fmt.Errorf("look up entry id: %w", err)
	}
	if c.Started.IsZero() {
		return 0, false, nil
	}
	caller := calls.NormalizeNumber(c.Caller)
	start := c.Started.UnixMilli()
	rows, err := tx.QueryContext(ctx, `SELECT id, source, call_id, params, caller FROM calls
		WHERE started_at BETWEEN ? AND ? AND source IN (?, ?)
		AND duplicate_of IS NULL AND status NOT IN (?, ?) ORDER BY id`,
		start-window.Milliseconds(), start+window.Milliseconds(), calls.SourceCalltracking, calls.SourceVPBX,
		calls.StatusInvalid, calls.StatusDuplicate)
	if err != nil {
		return 0, false, fmt.Errorf("look up caller and start: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			rid               int64
			src               calls.Source
			cid               sql.NullString
			params, rowCaller string
		)
		if err := rows.Scan(&rid, &src, &cid, &params, &rowCaller); err != nil {
			return 0, false, fmt.Errorf("look up caller and start: %w", err)
		}
		other := calls.EntryIDOf(src, cid.String, params)
		if other != "" && other == entry {
			return rid, true, nil
		}
		if other != "" && entry != "" && other != entry {
			continue // two different calls
		}
		if caller != "" && calls.NormalizeNumber(rowCaller) == caller {
			return rid, true, nil
		}
	}
	if err := rows.Err(); err != nil {
		return 0, false, fmt.Errorf("look up caller and start: %w", err)
	}
	return 0, false, nil
}

// JoinReconciled turns a webhook or VPBX-events row into a duplicate of an
// earlier reconciled or backfilled copy of the same call (JoinStored's rule:
// the entry id, else the caller and a start within window), in one
// transaction. of is 0 when there is none.
func (s *Store) JoinReconciled(ctx context.Context, row int64, window time.Duration) (of int64, merged bool, err error) {
	if maybe, err := s.mayJoin(ctx, row, JoinRule{Other: calls.SourceReconcile, Window: window},
		JoinRule{Other: calls.SourceBackfill, Window: window}); err != nil || !maybe {
		return 0, false, err
	}
	err = s.writeTx(ctx, func(tx *sql.Tx) error {
		c, ok, err := joinableTx(ctx, tx, row)
		if err != nil || !ok {
			return err
		}
		if c.Source != calls.SourceCalltracking && c.Source != calls.SourceVPBX {
			return nil
		}
		for _, src := range []calls.Source{calls.SourceReconcile, calls.SourceBackfill} {
			of, merged, err = joinRow(ctx, tx, c, JoinRule{Other: src, Window: window, Reason: calls.NewReason(calls.CodeJoinReconciled)}, s.nowMS())
			if err != nil || of != 0 {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, false, fmt.Errorf("join call #%d with Mango's statistics: %w", row, err)
	}
	return of, merged, nil
}

// LastRowID returns the highest call row id (0 when there is none). A
// bridge polls it to notice rows another process stored.
func (s *Store) LastRowID(ctx context.Context) (int64, error) {
	var id sql.NullInt64
	if err := s.r.QueryRowContext(ctx, `SELECT MAX(id) FROM calls`).Scan(&id); err != nil {
		return 0, fmt.Errorf("last row id: %w", err)
	}
	return id.Int64, nil
}
