package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"mangotqm/app/calls"
)

// TestHotQueriesUseIndexes: the queries delivery runs for every call (claim,
// next due, joins by entry id) must find their rows through an index, never
// by reading or sorting the whole table; with months of calls a full scan per
// claim caps delivery far below the configured rate.
func TestHotQueriesUseIndexes(t *testing.T) {
	ctx := context.Background()
	st := openTest(t, Options{})
	for i := range 300 {
		src := calls.SourceCalltracking
		if i%3 == 0 {
			src = calls.SourceVPBX
		}
		if _, err := st.Intake(ctx, NewCall{Source: src, CallID: fmt.Sprintf("E%d", i), Caller: "79001234567",
			Started: time.Now(), Params: `{"entryId":"E` + fmt.Sprint(i) + `"}`}); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now().UnixMilli()
	tests := []struct {
		name, query string
		args        []any
		wantIndex   string
		sorts       bool // may sort what it found (a handful of matches)
	}{
		{"claim", claimSQL, []any{calls.StatusSending, now, now, 8}, "calls_waiting_due", false},
		{"next due", nextDueSQL, nil, "calls_waiting_due", false},
		{"any due", anyDueSQL, []any{now}, "calls_waiting_due", false},
		{"join by call id", joinByCallIDSQL, []any{calls.SourceVPBX, "E3", 100, calls.StatusInvalid, calls.StatusDuplicate}, "calls_unique_call", false},
		{"join by start", joinByStartSQL, []any{100, calls.SourceReconcile, calls.StatusInvalid, calls.StatusDuplicate,
			now - 60000, now + 60000}, "calls_source_started", false},
		{"join by parameters", joinByParamsSQL, []any{calls.SourceCalltracking, now - 1000, 100, calls.StatusInvalid,
			calls.StatusDuplicate, "E4"}, "calls_source_received", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := st.r.QueryContext(ctx, "EXPLAIN QUERY PLAN "+tt.query, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var plan []string
			for rows.Next() {
				var id, parent, unused int
				var detail string
				if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			all := strings.Join(plan, "\n")
			for _, bad := range []string{"SCAN calls", "TEMP B-TREE", "PRIMARY KEY (rowid<?)"} {
				if strings.Contains(all, bad) && (bad != "TEMP B-TREE" || !tt.sorts) {
					t.Errorf("plan reads or sorts the whole table (%q):\n%s", bad, all)
				}
			}
			if !strings.Contains(all, tt.wantIndex) {
				t.Errorf("plan does not use %s:\n%s", tt.wantIndex, all)
			}
		})
	}
}

// TestClaimNTakesTheEarliestDue: ClaimN claims at most n calls, earliest due
// first, marks them sending and counts the try; a second ClaimN takes the
// rest, and nothing is claimed twice.
func TestClaimNTakesTheEarliestDue(t *testing.T) {
	ctx := context.Background()
	st := openTest(t, Options{})
	var ids []int64
	for i := range 5 {
		in, err := st.Intake(ctx, NewCall{Source: calls.SourceCalltracking, CallID: fmt.Sprintf("c%d", i)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, in.ID)
	}
	// The last call was due earliest (a retry scheduled in the past).
	if _, err := st.w.Exec(`UPDATE calls SET status = 'retrying', attempts = 2, next_attempt_at = 1 WHERE id = ?`, ids[4]); err != nil {
		t.Fatal(err)
	}
	first, err := st.ClaimN(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	got := []int64{}
	for _, c := range first {
		got = append(got, c.ID)
		want := 1
		if c.ID == ids[4] {
			want = 3
		}
		if c.Status != calls.StatusSending || c.Attempts != want {
			t.Errorf("claimed #%d: status %s attempts %d, want sending %d", c.ID, c.Status, c.Attempts, want)
		}
	}
	if want := []int64{ids[4], ids[0], ids[1]}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("claimed %v, want %v (earliest due first)", got, want)
	}
	rest, err := st.ClaimN(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(rest) != 2 || rest[0].ID != ids[2] || rest[1].ID != ids[3] {
		t.Fatalf("second claim took %d calls, want the remaining 2", len(rest))
	}
	if none, err := st.ClaimN(ctx, 10); err != nil || len(none) != 0 {
		t.Fatalf("third claim: %d calls, %v; want none", len(none), err)
	}
	if _, ok, err := st.NextDue(ctx); err != nil || ok {
		t.Fatalf("NextDue with every call sending: ok=%v err=%v, want none", ok, err)
	}

	// Handing calls back: each waits again as it did, its try uncounted; a
	// call no longer sending is left alone.
	if err := st.Finish(ctx, ids[1], calls.Step{Attempt: calls.Attempt{Outcome: calls.OutcomeDelivered},
		Status: calls.StatusDelivered, Delivered: time.Now(), Counted: true}); err != nil {
		t.Fatal(err)
	}
	if err := st.Unclaim(ctx, []int64{ids[4], ids[0], ids[1]}); err != nil {
		t.Fatal(err)
	}
	for _, w := range []struct {
		id       int64
		status   calls.Status
		attempts int
	}{{ids[4], calls.StatusRetrying, 2}, {ids[0], calls.StatusQueued, 0}, {ids[1], calls.StatusDelivered, 1}, {ids[2], calls.StatusSending, 1}} {
		c, err := st.Get(ctx, w.id)
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != w.status || c.Attempts != w.attempts {
			t.Errorf("#%d after Unclaim: %s with %d tries, want %s with %d", w.id, c.Status, c.Attempts, w.status, w.attempts)
		}
	}
	if next, ok, err := st.NextDue(ctx); err != nil || !ok || next.UnixMilli() != 1 {
		t.Fatalf("NextDue after Unclaim = %v %v %v, want the handed-back retry (due at 1 ms)", next, ok, err)
	}
}
