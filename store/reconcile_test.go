package store

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"mangotqm/app/calls"
)

func mangoCall(src calls.Source, entry, caller string, start time.Time, recs ...string) MangoCall {
	b, _ := json.Marshal(map[string]string{"callId": entry, "entryId": entry})
	return MangoCall{NewCall: NewCall{Source: src, CallID: entry, Raw: "{}", Params: string(b), Caller: caller, Started: start},
		Records: recs}
}

// "Already has": the same entry id (any source), or a calltracking /
// VPBX-events call with the same caller within ±2 min, unless both carry
// different entry ids.
func TestImportMangoKnown(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		name  string
		have  NewCall
		imp   MangoCall
		known bool
	}{
		{"calltracking caller 90 s apart", ctCall("CT-1", "8 (916) 123-45-67", t0, nil),
			mangoCall(calls.SourceReconcile, "E1", "+79161234567", t0.Add(90*time.Second)), true},
		{"calltracking caller 2 min before", ctCall("CT-2", "79161234567", t0, nil),
			mangoCall(calls.SourceReconcile, "E2", "79161234567", t0.Add(-2*time.Minute)), true},
		{"calltracking 3 min apart", ctCall("CT-3", "79161234567", t0, nil),
			mangoCall(calls.SourceReconcile, "E3", "79161234567", t0.Add(3*time.Minute)), false},
		{"calltracking other caller", ctCall("CT-4", "79161234567", t0, nil),
			mangoCall(calls.SourceReconcile, "E4", "79161234568", t0), false},
		{"calltracking with the entry id", ctCall("CT-5", "79160000000", t0, map[string]string{"entry_id": "E5"}),
			mangoCall(calls.SourceBackfill, "E5", "79161111111", t0.Add(time.Minute)), true},
		{"calltracking with another entry id", ctCall("CT-6", "79161234567", t0, map[string]string{"entryId": "E9"}),
			mangoCall(calls.SourceBackfill, "E6", "79161234567", t0), false},
		{"vpbx same entry, days apart", vpbxCall("E7", "79161234567", t0.AddDate(0, 0, -3)),
			mangoCall(calls.SourceBackfill, "E7", "79160000000", t0), true},
		{"vpbx other entry, same caller and time", vpbxCall("E8x", "79161234567", t0),
			mangoCall(calls.SourceReconcile, "E8", "79161234567", t0), false},
		{"reconciled earlier, now backfilled", mangoCall(calls.SourceReconcile, "E10", "79161234567", t0).NewCall,
			mangoCall(calls.SourceBackfill, "E10", "79161234567", t0), true},
		{"reconciled other call, same caller and time", mangoCall(calls.SourceReconcile, "E11x", "79161234567", t0).NewCall,
			mangoCall(calls.SourceBackfill, "E11", "79161234567", t0), false},
		{"invalid calltracking row does not count", NewCall{Source: calls.SourceCalltracking, Raw: "{}", Caller: "79161234567",
			Started: t0, Invalid: calls.NewReason(calls.CodeNoCallID)}, mangoCall(calls.SourceReconcile, "E12", "79161234567", t0), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			st := openTest(t, Options{})
			if _, err := st.Intake(ctx, tc.have); err != nil {
				t.Fatal(err)
			}
			res, err := st.ImportMango(ctx, []MangoCall{tc.imp}, 0, nil)
			if err != nil {
				t.Fatal(err)
			}
			if (res.Known == 1) != tc.known || res.New+res.Known != 1 {
				t.Fatalf("ImportMango = %+v, want known=%v", res, tc.known)
			}
		})
	}
}

// Calls, skips, recordings and the checkpoint are one transaction; a
// rerun stores nothing twice.
func TestImportMangoOnce(t *testing.T) {
	ctx := context.Background()
	st := openTest(t, Options{})
	t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	skipped := mangoCall(calls.SourceBackfill, "E2", "79160000002", t0)
	skipped.Skip = calls.NewReason(calls.CodeMissed)
	batch := []MangoCall{mangoCall(calls.SourceBackfill, "E1", "79160000001", t0, "r1", "r2"), skipped}
	res, err := st.ImportMango(ctx, batch, 0, func(imp Imported) []Checkpoint {
		return []Checkpoint{{Key: "test.ck", Value: imp.New}}
	})
	if err != nil || res.New != 2 || res.Skipped != 1 || len(res.Rows) != 2 {
		t.Fatalf("ImportMango = %+v, %v", res, err)
	}
	var ck int
	if ok, err := st.GetSetting(ctx, "test.ck", &ck); !ok || err != nil || ck != 2 {
		t.Fatalf("checkpoint %d, %v, %v", ck, ok, err)
	}
	if ids, _ := st.RecordingIDs(ctx, "E1"); len(ids) != 2 {
		t.Fatalf("recordings %v", ids)
	}
	c, _ := st.Get(ctx, res.Rows[1])
	if c.Status != calls.StatusSkipped || c.Reason != calls.NewReason(calls.CodeMissed).English() || c.ReasonCoded.Code != calls.CodeMissed {
		t.Fatalf("skipped row %+v", c)
	}
	c, _ = st.Get(ctx, res.Rows[0])
	if c.Status != calls.StatusQueued || c.Source != calls.SourceBackfill {
		t.Fatalf("new row %+v", c)
	}
	res, err = st.ImportMango(ctx, batch, 0, nil)
	if err != nil || res.New != 0 || res.Known != 2 {
		t.Fatalf("rerun = %+v, %v", res, err)
	}
	if _, err := st.ImportMango(ctx, []MangoCall{{NewCall: NewCall{Source: calls.SourceCalltracking, CallID: "x"}}}, 0, nil); err == nil {
		t.Fatal("imported a calltracking row")
	}
	if n, err := st.LastRowID(ctx); err != nil || n != 2 {
		t.Fatalf("LastRowID = %d, %v", n, err)
	}
}

// A webhook or VPBX call that arrives after reconcile brought the call is
// joined to the reconciled row (duplicate, parameters merged).
func TestJoinReconciled(t *testing.T) {
	ctx := context.Background()
	st := openTest(t, Options{})
	t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	imp, err := st.ImportMango(ctx, []MangoCall{mangoCall(calls.SourceReconcile, "E1", "79161234567", t0, "r1")}, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := imp.Rows[0]
	late, err := st.Intake(ctx, ctCall("CT-1", "8 916 123-45-67", t0.Add(40*time.Second), map[string]string{"utm_source": "yandex"}))
	if err != nil {
		t.Fatal(err)
	}
	other, err := st.Intake(ctx, ctCall("CT-2", "79169999999", t0, nil))
	if err != nil {
		t.Fatal(err)
	}
	vp, err := st.IntakeJoin(ctx, vpbxCall("E1", "79161234567", t0), IntakeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		row  int64
		want int64
	}{{late.ID, rec}, {other.ID, 0}, {vp.ID, rec}, {rec, 0}} {
		of, _, err := st.JoinReconciled(ctx, tc.row, 0)
		if err != nil || of != tc.want {
			t.Errorf("JoinReconciled(#%d) = %d, %v; want %d", tc.row, of, err, tc.want)
		}
	}
	c, _ := st.Get(ctx, late.ID)
	if c.Status != calls.StatusDuplicate || c.DuplicateOf != rec {
		t.Fatalf("late webhook %+v", c)
	}
	r, _ := st.Get(ctx, rec)
	if r.Status != calls.StatusQueued || !json.Valid([]byte(r.Params)) || !strings.Contains(r.Params, "utm_source") {
		t.Fatalf("reconciled row %+v", r)
	}
}
