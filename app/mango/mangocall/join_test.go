package mangocall_test

import (
	"context"
	"testing"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/mango/mangocall"
	"mangotqm/app/mango/vpbx"
	"mangotqm/store"
)

// The join step on a real store: which late copies become duplicates of
// which earlier calls, by the rules for each source setting.
func TestJoinRules(t *testing.T) {
	ctx := context.Background()
	t0 := time.Now().Add(-10 * time.Minute).Truncate(time.Second)
	const client = "79161234567"
	webhook := func(t *testing.T, st *store.Store) int64 {
		in, err := st.Intake(ctx, store.NewCall{Source: calls.SourceCalltracking, CallID: "CT-1", Raw: "{}",
			Params: `{"callId":"CT-1","callerNumber":"8 916 123-45-67"}`, Caller: "8 916 123-45-67", Started: t0.Add(3 * time.Second)})
		if err != nil {
			t.Fatal(err)
		}
		return in.ID
	}
	summary := func(t *testing.T, st *store.Store) int64 {
		nc, _, _ := mangocall.Summary(&vpbx.SummaryEvent{EntryID: "E1", CallDirection: vpbx.DirectionInbound,
			From: vpbx.Party{Number: client}, To: vpbx.Party{Extension: "101"}, CreateTime: t0, TalkTime: t0.Add(5 * time.Second),
			EndTime: t0.Add(time.Minute), EntryResult: 1})
		j, err := st.IntakeJoin(ctx, nc, store.IntakeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return j.ID
	}
	stats := func(src calls.Source) func(t *testing.T, st *store.Store) int64 {
		return func(t *testing.T, st *store.Store) int64 {
			mc, ok := mangocall.StatsRow(vpbx.StatsRow{EntryID: "E1", FromNumber: client, ToExtension: "101",
				Start: t0, Answer: t0.Add(5 * time.Second), Finish: t0.Add(time.Minute), Records: []string{"r1"}}, src)
			if !ok {
				t.Fatal("row not taken")
			}
			res, err := st.ImportMango(ctx, []store.MangoCall{mc}, 0, nil)
			if err != nil || len(res.Rows) != 1 {
				t.Fatalf("import: %+v %v", res, err)
			}
			return res.Rows[0]
		}
	}
	for _, tc := range []struct {
		name        string
		early, late func(t *testing.T, st *store.Store) int64
		both        bool
		joined      string // the late row's reason code, "" = sent as it is
	}{
		{"webhook after the reconcile", stats(calls.SourceReconcile), webhook, false, calls.CodeJoinReconciled},
		{"VPBX call after a backfill", stats(calls.SourceBackfill), summary, false, calls.CodeJoinReconciled},
		{"webhook after its VPBX copy, both sources", summary, webhook, true, calls.CodeJoinVPBX},
		{"webhook after its VPBX copy, not both", summary, webhook, false, ""},
		{"VPBX call after a webhook: not for the join step", webhook, summary, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := store.Open(ctx, t.TempDir(), store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = st.Close() })
			early := tc.early(t, st)
			late := tc.late(t, st)
			var told []int64
			j := mangocall.Join{Store: st, OnJoined: func(row int64) { told = append(told, row) },
				Rules: func() []mangocall.JoinRule { return mangocall.JoinRules(tc.both, 0) }}
			sent, err := store.ClaimExcept(ctx, 10, st.ClaimN, j.Joined)
			if err != nil {
				t.Fatal(err)
			}
			got, err := st.Get(ctx, late)
			if err != nil {
				t.Fatal(err)
			}
			if tc.joined == "" {
				if len(told) != 0 || got.Status == calls.StatusDuplicate {
					t.Fatalf("joined: %+v (told %v)", got, told)
				}
				return
			}
			if len(told) != 1 || told[0] != late || got.Status != calls.StatusDuplicate || got.DuplicateOf != early ||
				got.ReasonCoded.Code != tc.joined {
				t.Fatalf("late row %+v (told %v), want a duplicate of #%d for %s", got, told, early, tc.joined)
			}
			for _, c := range sent {
				if c.ID == late {
					t.Fatal("the late copy was handed to delivery")
				}
			}
		})
	}
}
