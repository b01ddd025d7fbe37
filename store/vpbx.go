package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"mangotqm/app/calls"
)

// DefaultJoinWindow is how far apart the start times of the calltracking and
// the VPBX copy of one call may be.
const DefaultJoinWindow = 2 * time.Minute

// joinLookback bounds the search by entry id in the parameters (a scan).
const joinLookback = 7 * 24 * time.Hour

// JoinRule says how to recognise a call that another source brought too.
// Rows are the same call when their Mango entry ids are equal (a VPBX row's
// call id; the entryId parameter of a calltracking row), or, when either has
// none, when the callers' last 10 digits are equal and the starts are at
// most Window apart. A call is only ever joined to an EARLIER row (lower id)
// that is neither invalid nor a duplicate itself.
type JoinRule struct {
	Other  calls.Source  // source of the rows to join with
	Window time.Duration // start-time tolerance; default DefaultJoinWindow
	// Reason is stored on the joined row, with the earlier row's id as its
	// calls.ArgOf parameter (e.g. calls.CodeJoinCalltracking); zero gives
	// calls.CodeJoinOther.
	Reason calls.Reason
}

// Joined tells what IntakeJoin did.
type Joined struct {
	Intaken
	// Joined: the call was stored as a duplicate of the earlier row
	// Intaken.DuplicateOf that another source brought.
	Joined bool
	// Merged: parameters the earlier row lacked were copied into it (it
	// was not delivered yet).
	Merged bool
}

// IntakeOptions extend Intake for sources that need more than a webhook row.
type IntakeOptions struct {
	// Skip, when not zero, stores the call as skipped with this reason
	// (e.g. an internal call between employees).
	Skip calls.Reason
	// Join, when set, joins the call with an earlier row of another source.
	Join *JoinRule
}

// IntakeJoin stores one call like Intake, and in the same transaction joins
// it with the earlier copy of the same call from another source (o.Join):
// the new row becomes a duplicate of that copy and its parameters are
// merged into it. It does not go through the group committer: VPBX events
// are few. It returns after the commit.
func (s *Store) IntakeJoin(ctx context.Context, c NewCall, o IntakeOptions) (Joined, error) {
	var res Joined
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		now := s.nowMS()
		in, err := insertCall(tx, c, now)
		if err != nil {
			return err
		}
		res.Intaken = in
		if in.DuplicateOf != 0 || !c.Invalid.IsZero() {
			return nil
		}
		if o.Join != nil {
			row, err := getCallTx(ctx, tx, in.ID)
			if err != nil {
				return err
			}
			of, merged, err := joinRow(ctx, tx, row, *o.Join, now)
			if err != nil {
				return err
			}
			if of != 0 {
				res.Joined, res.Merged, res.DuplicateOf = true, merged, of
				return nil
			}
		}
		if !o.Skip.IsZero() {
			if _, err := tx.ExecContext(ctx, `UPDATE calls SET status = ?, reason = ?, reason_coded = ?, next_attempt_at = NULL,
				updated_at = ? WHERE id = ?`, calls.StatusSkipped, o.Skip.English(), o.Skip.Encode(), now, in.ID); err != nil {
				return fmt.Errorf("skip call: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return Joined{}, fmt.Errorf("store call: %w", err)
	}
	return res, nil
}

// joinableTx reads row and says whether it may still be joined: only a
// call not yet delivered nor final (queued, retrying, or sending by the
// caller that claimed it).
func joinableTx(ctx context.Context, tx *sql.Tx, row int64) (calls.Call, bool, error) {
	c, err := getCallTx(ctx, tx, row)
	if err != nil {
		return calls.Call{}, false, err
	}
	return c, c.Status.Waiting() || c.Status == calls.StatusSending, nil
}

// JoinStored joins an already stored row with an earlier copy of the same
// call from another source: the row becomes a duplicate of it (never sent)
// and its parameters are merged into the earlier row unless that one is
// delivered. Only a row that is queued, retrying or sending is joined; a
// sending row must be owned by the caller (it claimed it), its claimed try is
// taken back. of is 0 when nothing was joined.
func (s *Store) JoinStored(ctx context.Context, row int64, rule JoinRule) (of int64, merged bool, err error) {
	if maybe, err := s.mayJoin(ctx, row, rule); err != nil || !maybe {
		return 0, false, err
	}
	err = s.writeTx(ctx, func(tx *sql.Tx) error {
		c, ok, err := joinableTx(ctx, tx, row)
		if err != nil || !ok {
			return err
		}
		of, merged, err = joinRow(ctx, tx, c, rule, s.nowMS())
		return err
	})
	if err != nil {
		return 0, false, fmt.Errorf("join call #%d: %w", row, err)
	}
	return of, merged, nil
}

// querier is what the join lookups read through: a transaction, or the
// reader pool for the look before it.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// mayJoin looks, without taking the writer, whether row has an earlier
// copy under one of rules: most calls have none, and delivery asks for
// every call it claims. Only a copy found here is joined in a write
// transaction (which looks again). A copy stored after this look is not
// missed: whoever stores it checks for the row first (knownTx, IntakeJoin).
func (s *Store) mayJoin(ctx context.Context, row int64, rules ...JoinRule) (bool, error) {
	// Only what findJoin compares: not the raw request (up to 1 MiB).
	var c calls.Call
	var callID sql.NullString
	var started sql.NullInt64
	err := s.r.QueryRowContext(ctx, `SELECT id, source, call_id, params, caller, started_at, status FROM calls WHERE id = ?`, row).
		Scan(&c.ID, &c.Source, &callID, &c.Params, &c.Caller, &started, &c.Status)
	if errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("join call #%d: %w", row, calls.ErrNotFound)
	}
	if err != nil {
		return false, fmt.Errorf("join call #%d: %w", row, err)
	}
	c.CallID, c.Started = callID.String, fromMS(started)
	if !c.Status.Waiting() && c.Status != calls.StatusSending {
		return false, nil
	}
	now := s.nowMS()
	for _, rule := range rules {
		if rule.Other == "" || rule.Other == c.Source {
			continue
		}
		_, ok, err := findJoin(ctx, s.r, c, rule, now)
		if err != nil {
			return false, fmt.Errorf("join call #%d: %w", row, err)
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

func getCallTx(ctx context.Context, tx querier, id int64) (calls.Call, error) {
	c, err := scanCall(tx.QueryRowContext(ctx, `SELECT `+callCols+` FROM calls WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return calls.Call{}, fmt.Errorf("call #%d: %w", id, calls.ErrNotFound)
	}
	if err != nil {
		return calls.Call{}, fmt.Errorf("get call #%d: %w", id, err)
	}
	return c, nil
}

// joinRow finds the earlier copy of c and, if there is one, turns c into its
// duplicate and merges c's parameters into it.
func joinRow(ctx context.Context, tx *sql.Tx, c calls.Call, rule JoinRule, now int64) (of int64, merged bool, err error) {
	if rule.Other == "" || rule.Other == c.Source {
		return 0, false, nil
	}
	earlier, ok, err := findJoin(ctx, tx, c, rule, now)
	if err != nil || !ok {
		return 0, false, err
	}
	reason := rule.Reason
	if reason.IsZero() {
		reason = calls.NewReason(calls.CodeJoinOther, "source", string(earlier.Source))
	}
	reason = calls.NewReason(reason.Code, calls.ArgOf, fmt.Sprint(earlier.ID)).With(reason.Parts...)
	for k, v := range rule.Reason.Args {
		if k != calls.ArgOf {
			reason.Args[k] = v
		}
	}
	uncount := 0
	if c.Status == calls.StatusSending {
		uncount = 1
	}
	if _, err := tx.ExecContext(ctx, `UPDATE calls SET status = ?, duplicate_of = ?, reason = ?, reason_coded = ?,
		next_attempt_at = NULL, attempts = MAX(attempts - ?, 0), updated_at = ? WHERE id = ?`,
		calls.StatusDuplicate, earlier.ID, reason.English(), reason.Encode(), uncount, now, c.ID); err != nil {
		return 0, false, fmt.Errorf("mark duplicate: %w", err)
	}
	if earlier.Status != calls.StatusDelivered {
		merged, err = mergeInto(ctx, tx, earlier, c, now)
		if err != nil {
			return 0, false, err
		}
	}
	return earlier.ID, merged, nil
}

// joinByCallIDSQL finds the earliest copy whose call id is the entry id
// (VPBX, reconcile and backfill rows carry it so): the unique index on
// (source, call_id).
const joinByCallIDSQL = `SELECT ` + callCols + ` FROM calls WHERE source = ? AND call_id = ? AND id < ?
	AND duplicate_of IS NULL AND status NOT IN (?, ?) ORDER BY id LIMIT 1`

// joinByParamsSQL finds the earliest calltracking copy with the entry id
// among its parameters, received within joinLookback: the index on
// (source, received_at), then a look into each row's parameters.
const joinByParamsSQL = `SELECT ` + callCols + ` FROM calls WHERE source = ? AND received_at >= ? AND id < ?
	AND duplicate_of IS NULL AND status NOT IN (?, ?)
	AND EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(calls.params) THEN calls.params ELSE '{}' END) je
		WHERE replace(replace(replace(lower(je.key), '_', ''), '-', ''), '.', '') = 'entryid' AND je.value = ?)
	ORDER BY id LIMIT 1`

// joinByStartSQL finds the rows of one source that started within a
// window: the index on (source, started_at); the caller is compared in Go.
const joinByStartSQL = `SELECT ` + callCols + ` FROM calls WHERE id < ? AND source = ?
	AND duplicate_of IS NULL AND status NOT IN (?, ?) AND started_at BETWEEN ? AND ?`

// findByEntry returns the earliest row of source other (below row) that is
// the call with this Mango entry id.
func findByEntry(ctx context.Context, tx querier, row int64, other calls.Source, entry string, now int64) (calls.Call, bool, error) {
	var found []calls.Call
	e, err := scanCall(tx.QueryRowContext(ctx, joinByCallIDSQL, other, entry, row, calls.StatusInvalid, calls.StatusDuplicate))
	switch {
	case err == nil:
		found = append(found, e)
	case !errors.Is(err, sql.ErrNoRows):
		return calls.Call{}, false, fmt.Errorf("find same call by entry id: %w", err)
	}
	if other == calls.SourceCalltracking { // a calltracking row has it among its parameters
		e, err := scanCall(tx.QueryRowContext(ctx, joinByParamsSQL, other, now-joinLookback.Milliseconds(), row,
			calls.StatusInvalid, calls.StatusDuplicate, entry))
		switch {
		case err == nil:
			found = append(found, e)
		case !errors.Is(err, sql.ErrNoRows):
			return calls.Call{}, false, fmt.Errorf("find same call by entry id: %w", err)
		}
	}
	if len(found) == 0 {
		return calls.Call{}, false, nil
	}
	if len(found) == 2 && found[1].ID < found[0].ID {
		return found[1], true, nil
	}
	return found[0], true, nil
}

// findJoin returns the earliest matching row of rule.Other with an id below c's.
func findJoin(ctx context.Context, tx querier, c calls.Call, rule JoinRule, now int64) (calls.Call, bool, error) {
	entry := calls.EntryIDOf(c.Source, c.CallID, c.Params)
	if entry != "" {
		e, ok, err := findByEntry(ctx, tx, c.ID, rule.Other, entry, now)
		if err != nil || ok {
			return e, ok, err
		}
	}
	caller := calls.NormalizeNumber(c.Caller)
	if caller == "" || c.Started.IsZero() {
		return calls.Call{}, false, nil
	}
	w := rule.Window
	if w <= 0 {
		w = DefaultJoinWindow
	}
	start := c.Started.UnixMilli()
	rows, err := tx.QueryContext(ctx, joinByStartSQL,
		c.ID, rule.Other, calls.StatusInvalid, calls.StatusDuplicate, start-w.Milliseconds(), start+w.Milliseconds())
	if err != nil {
		return calls.Call{}, false, fmt.Errorf("find same call by caller: %w", err)
	}
	defer rows.Close()
	var cands []calls.Call
	for rows.Next() {
		e, err := scanCall(rows)
		if err != nil {
			return calls.Call{}, false, fmt.Errorf("find same call by caller: %w", err)
		}
		if calls.NormalizeNumber(e.Caller) != caller {
			continue
		}
		// Two different entry ids are two different calls.
		if other := calls.EntryIDOf(e.Source, e.CallID, e.Params); entry != "" && other != "" && other != entry {
			continue
		}
		cands = append(cands, e)
	}
	if err := rows.Err(); err != nil {
		return calls.Call{}, false, fmt.Errorf("find same call by caller: %w", err)
	}
	if len(cands) == 0 {
		return calls.Call{}, false, nil
	}
	sort.SliceStable(cands, func(i, j int) bool {
		di, dj := absDur(cands[i].Started.Sub(c.Started)), absDur(cands[j].Started.Sub(c.Started))
		if di != dj {
			return di < dj
		}
		return cands[i].ID < cands[j].ID
	})
	return cands[0], true, nil
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// mergeInto copies the parameters of later that earlier lacks (compared
// tolerantly: case, '_', '-', '.' ignored) into earlier, and fills its empty
// caller and operator columns.
func mergeInto(ctx context.Context, tx *sql.Tx, earlier, later calls.Call, now int64) (bool, error) {
	dst, err := decodeParams(earlier.Params)
	if err != nil {
		return false, nil // unreadable parameters are left alone
	}
	src, err := decodeParams(later.Params)
	if err != nil {
		return false, nil
	}
	have := map[string]bool{}
	for k := range dst {
		have[calls.NormalizeKey(k)] = true
	}
	keys := make([]string, 0, len(src))
	for k := range src {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	changed := false
	for _, k := range keys {
		if v := src[k]; !have[calls.NormalizeKey(k)] && v != nil && v != "" {
			dst[k] = v
			have[calls.NormalizeKey(k)] = true
			changed = true
		}
	}
	caller, operator := earlier.Caller, earlier.Operator
	if caller == "" && later.Caller != "" {
		caller, changed = later.Caller, true
	}
	if operator == "" && later.Operator != "" {
		operator, changed = later.Operator, true
	}
	if !changed {
		return false, nil
	}
	b, err := json.Marshal(dst)
	if err != nil {
		return false, fmt.Errorf("merge parameters: %w", err)
	}
	// The raw request stays as received: a part derived from the old
	// parameters is written out before they change.
	if _, err := tx.ExecContext(ctx, `UPDATE calls SET params = ?, raw = ?, caller = ?, operator = ?, updated_at = ?
		WHERE id = ?`, string(b), materializeRaw(earlier.Raw), caller, operator, now, earlier.ID); err != nil {
		return false, fmt.Errorf("merge parameters: %w", err)
	}
	return true, nil
}

func decodeParams(s string) (map[string]any, error) {
	m := map[string]any{}
	if strings.TrimSpace(s) == "" {
		return m, nil
	}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, err
	}
	if m == nil {
		m = map[string]any{}
	}
	return m, nil
}

// AttachRecording remembers that Mango saved recordingID for the call
// entryID (events/record/added; the call itself may arrive later). Calls of
// that entry that are waiting for their recording become due at once.
// added is false when the pair was known; woken counts the calls made due.
func (s *Store) AttachRecording(ctx context.Context, entryID, recordingID string) (added bool, woken int, err error) {
	entryID, recordingID = strings.TrimSpace(entryID), strings.TrimSpace(recordingID)
	if entryID == "" || recordingID == "" {
		return false, 0, errors.New("attach recording: empty entry id or recording id")
	}
	err = s.writeTx(ctx, func(tx *sql.Tx) error {
		now := s.nowMS()
		res, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO recordings (entry_id, recording_id, received_at)
			VALUES (?,?,?)`, entryID, recordingID, now)
		if err != nil {
			return fmt.Errorf("attach recording: %w", err)
		}
		n, _ := res.RowsAffected()
		added = n > 0
		res, err = tx.ExecContext(ctx, `UPDATE calls SET next_attempt_at = ?, updated_at = ?
			WHERE status = ? AND next_attempt_at > ?
			AND (SELECT outcome FROM attempts WHERE call_row = calls.id ORDER BY id DESC LIMIT 1) = ?
			AND ((source = ? AND call_id = ?) OR (received_at >= ? AND EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(calls.params) THEN calls.params ELSE '{}' END) je
				WHERE replace(replace(replace(lower(je.key), '_', ''), '-', ''), '.', '') = 'entryid' AND je.value = ?)))`,
			now, now, calls.StatusRetrying, now, calls.OutcomeWaiting, calls.SourceVPBX, entryID, now-joinLookback.Milliseconds(), entryID)
		if err != nil {
			return fmt.Errorf("wake waiting calls: %w", err)
		}
		m, _ := res.RowsAffected()
		woken = int(m)
		return nil
	})
	return added, woken, err
}

// RecordingIDs returns the recording ids attached to entryID, oldest first.
func (s *Store) RecordingIDs(ctx context.Context, entryID string) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT recording_id FROM recordings WHERE entry_id = ?
		ORDER BY received_at, recording_id`, entryID)
	if err != nil {
		return nil, fmt.Errorf("list recordings: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("list recordings: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
