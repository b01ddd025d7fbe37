package store

import (
	"context"
	"fmt"
	"mangotqm/app/calls"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func openTest(t *testing.T, opt Options) *Store {
	t.Helper()
	st, err := Open(context.Background(), t.TempDir(), opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

func TestOpenSetsUpTheFile(t *testing.T) {
	dir := t.TempDir()
	st, err := Open(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fi, err := os.Stat(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("database mode %v, want 0600", fi.Mode().Perm())
	}
	for pragma, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1", "synchronous": "2"} {
		var got string
		if err := st.w.QueryRow("PRAGMA " + pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %s, want %s", pragma, got, want)
		}
	}
	if res, err := st.IntegrityCheck(context.Background()); err != nil || res != "ok" {
		t.Fatalf("integrity %q %v", res, err)
	}
	// Reopening applies no migration twice.
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st2, err := Open(context.Background(), dir, Options{})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	_ = st2.Close()
}

func TestConcurrentIntakeGroupCommit(t *testing.T) {
	for _, noGroup := range []bool{false, true} {
		t.Run(fmt.Sprintf("noGroup=%v", noGroup), func(t *testing.T) {
			st := openTest(t, Options{NoGroupCommit: noGroup})
			const n = 200
			var wg sync.WaitGroup
			errs := make(chan error, n)
			ids := make(chan int64, n)
			for i := 0; i < n; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					// Every third call id is sent twice.
					in, err := st.Intake(context.Background(), NewCall{Source: "calltracking",
						CallID: fmt.Sprintf("c%d", i%(n*2/3)), Raw: "{}"})
					if err != nil {
						errs <- err
						return
					}
					ids <- in.ID
				}(i)
			}
			wg.Wait()
			close(errs)
			close(ids)
			for err := range errs {
				t.Fatal(err)
			}
			seen := map[int64]bool{}
			for id := range ids {
				if seen[id] {
					t.Fatalf("row id %d returned twice", id)
				}
				seen[id] = true
			}
			c, err := st.Counts(context.Background(), time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			unique := n * 2 / 3
			if c.Total != n || c.Waiting != unique {
				t.Fatalf("total %d waiting %d, want %d and %d", c.Total, c.Waiting, n, unique)
			}
		})
	}
}

func TestClaimFinishRecover(t *testing.T) {
	ctx := context.Background()
	st := openTest(t, Options{})
	a, _ := st.Intake(ctx, NewCall{Source: "calltracking", CallID: "A", Raw: "{}"})
	b, _ := st.Intake(ctx, NewCall{Source: "calltracking", CallID: "B", Raw: "{}"})
	if _, err := st.Intake(ctx, NewCall{Source: "calltracking", Raw: "{}", Invalid: calls.NewReason(calls.CodeNoCallID)}); err != nil {
		t.Fatal(err)
	}

	c1, ok, err := st.Claim(ctx)
	if err != nil || !ok || c1.ID != a.ID || c1.Status != calls.StatusSending || c1.Attempts != 1 {
		t.Fatalf("first claim %+v %v %v", c1, ok, err)
	}
	c2, ok, _ := st.Claim(ctx)
	if !ok || c2.ID != b.ID {
		t.Fatalf("second claim got %d, want %d", c2.ID, b.ID)
	}
	if _, ok, _ := st.Claim(ctx); ok {
		t.Fatal("invalid call was claimed")
	}
	// A finishes; B is "in flight" when the app crashes.
	if err := st.Finish(ctx, a.ID, calls.Step{Attempt: calls.Attempt{Started: time.Now(), HTTPStatus: 200, Outcome: calls.OutcomeDelivered,
		CorrelationID: "x1"}, Status: calls.StatusDelivered, Delivered: time.Now(), CorrelationID: "x1", Counted: true}); err != nil {
		t.Fatal(err)
	}
	ids, err := st.RecoverInFlight(ctx)
	if err != nil || len(ids) != 1 || ids[0] != b.ID {
		t.Fatalf("recovered %v %v, want [%d]", ids, err, b.ID)
	}
	gotB, _ := st.Get(ctx, b.ID)
	if gotB.Status != calls.StatusRetrying || !gotB.OutcomeUnknown {
		t.Fatalf("recovered call %+v", gotB)
	}
	atts, _ := st.Attempts(ctx, b.ID)
	if len(atts) != 1 || atts[0].Outcome != calls.OutcomeUnknown {
		t.Fatalf("attempts %+v, want one 'unknown'", atts)
	}
	gotA, _ := st.Get(ctx, a.ID)
	if gotA.Status != calls.StatusDelivered || gotA.CorrelationID != "x1" || gotA.Delivered.IsZero() {
		t.Fatalf("delivered call %+v", gotA)
	}
	c, _ := st.Counts(ctx, time.Now().Add(-time.Hour))
	if c.DeliveredToday != 1 || c.Waiting != 1 || c.Invalid != 1 {
		t.Fatalf("counts %+v", c)
	}
}

func TestResend(t *testing.T) {
	ctx := context.Background()
	st := openTest(t, Options{})
	in, _ := st.Intake(ctx, NewCall{Source: "calltracking", CallID: "F", Raw: "{}"})
	dup, _ := st.Intake(ctx, NewCall{Source: "calltracking", CallID: "F", Raw: "{}"})
	c, _, _ := st.Claim(ctx)
	if err := st.Finish(ctx, c.ID, calls.Step{Attempt: calls.Attempt{Outcome: calls.OutcomeRetry, HTTPStatus: 503},
		Status: calls.StatusFailed, Reason: calls.NewReason(calls.CodeGaveUp, "tries", "9"), Counted: true}); err != nil {
		t.Fatal(err)
	}
	if err := st.Resend(ctx, dup.ID); err == nil {
		t.Error("a duplicate must not be resendable")
	}
	n, err := st.ResendFailedSince(ctx, time.Now().Add(time.Hour))
	if err != nil || n != 0 {
		t.Fatalf("resend since the future: %d %v", n, err)
	}
	n, err = st.ResendFailedSince(ctx, time.Now().Add(-time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("resend failed since an hour ago: %d %v", n, err)
	}
	got, _ := st.Get(ctx, in.ID)
	if got.Status != calls.StatusQueued || got.Attempts != 0 || got.Reason != "" || !got.ReasonCoded.IsZero() {
		t.Fatalf("after resend %+v", got)
	}
	if err := st.Resend(ctx, 999); err == nil {
		t.Error("resend of an unknown call succeeded")
	}
}

func TestListFilters(t *testing.T) {
	ctx := context.Background()
	st := openTest(t, Options{})
	for i, caller := range []string{"74951112233", "79990001122", "74951119999"} {
		if _, err := st.Intake(ctx, NewCall{Source: "calltracking", CallID: fmt.Sprint("L", i), Raw: "{}",
			Caller: caller, Operator: "Продажи"}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		f    calls.Filter
		want int
	}{
		{calls.Filter{}, 3},
		{calls.Filter{Search: "7495111"}, 2},
		{calls.Filter{Search: "продажи"}, 3},
		{calls.Filter{Statuses: []calls.Status{calls.StatusDelivered}}, 0},
		{calls.Filter{Statuses: []calls.Status{calls.StatusQueued, calls.StatusDelivered}}, 3},
		{calls.Filter{Since: time.Now().Add(time.Hour)}, 0},
		{calls.Filter{Limit: 2}, 2},
		{calls.Filter{Statuses: []calls.Status{calls.StatusQueued}, Search: "ПРОДАЖИ", Since: time.Now().Add(-time.Hour)}, 3},
	}
	for _, tt := range tests {
		got, err := st.List(ctx, tt.f)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != tt.want {
			t.Errorf("List(%+v) = %d calls, want %d", tt.f, len(got), tt.want)
		}
	}
}

func TestSettingsAndIncidents(t *testing.T) {
	ctx := context.Background()
	st := openTest(t, Options{})
	var v struct{ A int }
	if found, err := st.GetSetting(ctx, "k", &v); found || err != nil {
		t.Fatalf("unset key: %v %v", found, err)
	}
	if err := st.SetSetting(ctx, "k", struct{ A int }{7}); err != nil {
		t.Fatal(err)
	}
	if found, err := st.GetSetting(ctx, "k", &v); !found || err != nil || v.A != 7 {
		t.Fatalf("read back %+v %v %v", v, found, err)
	}
	opened, err := st.OpenIncident(ctx, "tqm_key_rejected", "first")
	if err != nil || !opened {
		t.Fatalf("open: %v %v", opened, err)
	}
	if opened, _ := st.OpenIncident(ctx, "tqm_key_rejected", "second"); opened {
		t.Fatal("an open incident was raised twice")
	}
	list, _ := st.OpenIncidents(ctx)
	if len(list) != 1 || list[0].Message != "second" {
		t.Fatalf("incidents %+v", list)
	}
	if cleared, _ := st.ClearIncident(ctx, "tqm_key_rejected"); !cleared {
		t.Fatal("not cleared")
	}
	if opened, _ := st.OpenIncident(ctx, "tqm_key_rejected", "again"); !opened {
		t.Fatal("a new incident after clearing must open")
	}
}
