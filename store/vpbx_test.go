package store

import (
	"context"
	"encoding/json"
	"mangotqm/app/calls"
	"testing"
	"time"
)

func ctCall(id, caller string, start time.Time, params map[string]string) NewCall {
	if params == nil {
		params = map[string]string{}
	}
	params["callId"] = id
	b, _ := json.Marshal(params)
	return NewCall{Source: calls.SourceCalltracking, CallID: id, Raw: "{}", Params: string(b), Caller: caller, Started: start}
}

func vpbxCall(entry, caller string, start time.Time) NewCall {
	b, _ := json.Marshal(map[string]string{"callId": entry, "entryId": entry, "operator": "101", "direction": "outbound"})
	return NewCall{Source: calls.SourceVPBX, CallID: entry, Raw: "{}", Params: string(b), Caller: caller, Operator: "101", Started: start}
}

var joinVPBX = &JoinRule{Other: calls.SourceCalltracking, Reason: calls.NewReason(calls.CodeJoinCalltracking)}

func TestIntakeJoin(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		name    string
		ct      NewCall
		vp      NewCall
		join    *JoinRule
		want    bool
		wantKey string // merged into the calltracking row
	}{
		{"caller and time", ctCall("CT-1", "8 (916) 123-45-67", t0, nil), vpbxCall("E1", "+79161234567", t0.Add(90*time.Second)), joinVPBX, true, "entryId"},
		{"entry id wins over time", ctCall("CT-2", "79160000000", t0, map[string]string{"entry_id": "E2"}), vpbxCall("E2", "79161111111", t0.Add(time.Hour)), joinVPBX, true, "operator"},
		{"other entry id", ctCall("CT-3", "79161234567", t0, map[string]string{"entryId": "E9"}), vpbxCall("E3", "79161234567", t0), joinVPBX, false, ""},
		{"too far apart", ctCall("CT-4", "79161234567", t0, nil), vpbxCall("E4", "79161234567", t0.Add(3*time.Minute)), joinVPBX, false, ""},
		{"other caller", ctCall("CT-5", "79161234567", t0, nil), vpbxCall("E5", "79161234568", t0), joinVPBX, false, ""},
		{"join off", ctCall("CT-6", "79161234567", t0, nil), vpbxCall("E6", "79161234567", t0), nil, false, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			st := openTest(t, Options{})
			ct, err := st.Intake(ctx, tc.ct)
			if err != nil {
				t.Fatal(err)
			}
			j, err := st.IntakeJoin(ctx, tc.vp, IntakeOptions{Join: tc.join})
			if err != nil {
				t.Fatal(err)
			}
			if j.Joined != tc.want {
				t.Fatalf("joined = %v, want %v", j.Joined, tc.want)
			}
			vp, _ := st.Get(ctx, j.ID)
			if !tc.want {
				if vp.Status != calls.StatusQueued || vp.DuplicateOf != 0 {
					t.Fatalf("unjoined VPBX row: %+v", vp)
				}
				return
			}
			if vp.Status != calls.StatusDuplicate || vp.DuplicateOf != ct.ID || vp.Reason != "same call as #1 via calltracking" ||
				vp.ReasonCoded.Code != calls.CodeJoinCalltracking || vp.ReasonCoded.Arg(calls.ArgOf) != "1" {
				t.Fatalf("VPBX row: status %s dup %d reason %q", vp.Status, vp.DuplicateOf, vp.Reason)
			}
			c, _ := st.Get(ctx, ct.ID)
			var p map[string]string
			_ = json.Unmarshal([]byte(c.Params), &p)
			if p[tc.wantKey] == "" || p["callId"] != tc.ct.CallID || !j.Merged || c.Operator != "101" {
				t.Fatalf("merge: merged=%v params %v operator %q", j.Merged, p, c.Operator)
			}
		})
	}
}

func TestIntakeJoinDoesNotMergeIntoDelivered(t *testing.T) {
	ctx := context.Background()
	st := openTest(t, Options{})
	t0 := time.Now().Add(-time.Hour)
	ct, _ := st.Intake(ctx, ctCall("CT-1", "79161234567", t0, nil))
	c, ok, err := st.Claim(ctx)
	if err != nil || !ok || c.ID != ct.ID {
		t.Fatal(ok, err)
	}
	if err := st.Finish(ctx, c.ID, calls.Step{Attempt: calls.Attempt{Started: time.Now(), Outcome: calls.OutcomeDelivered},
		Status: calls.StatusDelivered, Delivered: time.Now(), Counted: true}); err != nil {
		t.Fatal(err)
	}
	j, err := st.IntakeJoin(ctx, vpbxCall("E1", "79161234567", t0), IntakeOptions{Join: joinVPBX})
	if err != nil || !j.Joined || j.Merged {
		t.Fatalf("joined %v merged %v err %v", j.Joined, j.Merged, err)
	}
	got, _ := st.Get(ctx, ct.ID)
	if got.Params != c.Params {
		t.Fatalf("delivered call's params changed: %s", got.Params)
	}
}

func TestJoinStoredClaimedCalltrackingRow(t *testing.T) {
	ctx := context.Background()
	st := openTest(t, Options{})
	t0 := time.Now().Add(-time.Hour)
	vp, err := st.IntakeJoin(ctx, vpbxCall("E1", "79161234567", t0), IntakeOptions{Join: joinVPBX})
	if err != nil || vp.Joined {
		t.Fatal(err, vp.Joined)
	}
	ct, _ := st.Intake(ctx, ctCall("CT-1", "+7 916 123 45 67", t0.Add(20*time.Second), map[string]string{"utm_source": "ya"}))
	rule := JoinRule{Other: calls.SourceVPBX, Reason: calls.NewReason(calls.CodeJoinVPBX)}
	// The VPBX row itself is never joined to the later calltracking row.
	if of, _, err := st.JoinStored(ctx, vp.ID, JoinRule{Other: calls.SourceCalltracking}); err != nil || of != 0 {
		t.Fatalf("VPBX row joined to a later row: %d %v", of, err)
	}
	for {
		c, ok, err := st.Claim(ctx)
		if err != nil || !ok {
			t.Fatal("calltracking row not claimed", err)
		}
		if c.ID == ct.ID {
			break
		}
	}
	of, merged, err := st.JoinStored(ctx, ct.ID, rule)
	if err != nil || of != vp.ID || !merged {
		t.Fatalf("JoinStored = %d %v %v", of, merged, err)
	}
	got, _ := st.Get(ctx, ct.ID)
	if got.Status != calls.StatusDuplicate || got.Attempts != 0 || got.Reason != "same call as #1 via VPBX" {
		t.Fatalf("calltracking row: %+v", got)
	}
	v, _ := st.Get(ctx, vp.ID)
	var p map[string]string
	_ = json.Unmarshal([]byte(v.Params), &p)
	if p["utm_source"] != "ya" || p["callId"] != "E1" {
		t.Fatalf("VPBX params after merge: %v", p)
	}
}

func TestIntakeSkip(t *testing.T) {
	ctx := context.Background()
	st := openTest(t, Options{})
	j, err := st.IntakeJoin(ctx, vpbxCall("E1", "", time.Now()), IntakeOptions{Skip: calls.NewReason(calls.CodeInternal)})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := st.Get(ctx, j.ID)
	if c.Status != calls.StatusSkipped || c.Reason != calls.NewReason(calls.CodeInternal).English() || c.ReasonCoded.Code != calls.CodeInternal || !c.NextAttempt.IsZero() {
		t.Fatalf("%+v", c)
	}
	if _, ok, _ := st.Claim(ctx); ok {
		t.Fatal("a skipped call was claimed")
	}
}

func TestAttachRecordingWakesWaitingCall(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	st := openTest(t, Options{})
	j, _ := st.IntakeJoin(ctx, vpbxCall("E1", "79161234567", now.Add(-time.Minute)), IntakeOptions{})
	c, ok, _ := st.Claim(ctx)
	if !ok {
		t.Fatal("not claimed")
	}
	if err := st.Finish(ctx, c.ID, calls.Step{Attempt: calls.Attempt{Started: now, Outcome: calls.OutcomeWaiting},
		Status: calls.StatusRetrying, NextAttempt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	added, woken, err := st.AttachRecording(ctx, "E1", "rec-2")
	if err != nil || !added || woken != 1 {
		t.Fatalf("attach: %v %d %v", added, woken, err)
	}
	if added, woken, _ := st.AttachRecording(ctx, "E1", "rec-2"); added || woken != 0 {
		t.Fatalf("second attach: %v %d", added, woken)
	}
	_, _, _ = st.AttachRecording(ctx, "E1", "rec-1")
	_, _, _ = st.AttachRecording(ctx, "E2", "rec-3")
	ids, err := st.RecordingIDs(ctx, "E1")
	if err != nil || len(ids) != 2 {
		t.Fatalf("ids %v %v", ids, err)
	}
	got, _ := st.Get(ctx, j.ID)
	if got.NextAttempt.After(time.Now()) {
		t.Fatalf("waiting call not made due: next %v", got.NextAttempt)
	}
}
