package vm

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/reconcile"
	"mangotqm/ui/vm/vmtest"
)

func TestReconcileLine(t *testing.T) {
	at := time.Date(2026, 6, 1, 14, 5, 0, 0, time.Local)
	for _, tc := range []struct {
		name   string
		res    reconcile.Result
		key    string
		reason string
	}{
		{"ok", reconcile.Result{At: at, New: 2}, "ui.reconcile.ok", ""},
		{"credentials", reconcile.Result{At: at, Err: fmt.Errorf("x: %w", reconcile.ErrCredentials)}, "ui.reconcile.failed", "reconcile.fail.credentials"},
		{"timeout", reconcile.Result{At: at, Err: fmt.Errorf("x: %w", context.DeadlineExceeded)}, "ui.reconcile.failed", "reconcile.fail.network"},
		{"other", reconcile.Result{At: at, Err: errors.New("boom")}, "ui.reconcile.failed", "reconcile.fail.other"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := ReconcileLineOf(tc.res)
			if l.Key != tc.key || l.ReasonKey != tc.reason || l.Time != "14:05" || l.Failed != (tc.res.Err != nil) {
				t.Fatalf("ReconcileLineOf = %+v", l)
			}
		})
	}
	f := vmtest.New(t.TempDir(), "")
	if l := LoadReconcileLine(f); l.Key != "" {
		t.Fatalf("a backend without reconcile shows %+v", l)
	}
	r := vmtest.NewReconciler(f)
	if l := LoadReconcileLine(r); l.Key != "" {
		t.Fatalf("before the first run: %+v", l)
	}
	r.SetLastReconcile(reconcile.Result{At: at, New: 3})
	h, err := LoadHeader(context.Background(), r)
	if err != nil || h.Reconcile.Key != "ui.reconcile.ok" || h.Reconcile.New != 3 {
		t.Fatalf("header %+v, %v", h.Reconcile, err)
	}
}

func TestParseBackfill(t *testing.T) {
	now := time.Date(2026, 6, 30, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		from, to string
		ok       bool
	}{
		{"2026-03-01", "2026-03-31", true},
		{"2026-03-01", "", true},
		{"2026-03-01 10:00:00", "2026-03-01 11:00:00", true},
		{"2026-03-31", "2026-03-01", false},
		{"2026-07-01", "", false},
		{"1.3.2026", "2026-03-31", true},
		{"1.13.2026", "2026-03-31", false},
	} {
		_, _, err := ParseBackfill(tc.from, tc.to, now)
		if (err == nil) != tc.ok {
			t.Errorf("ParseBackfill(%q, %q) = %v", tc.from, tc.to, err)
		}
	}
	if f, tt := DefaultBackfill(now); f != "2026-05-31" || tt != "2026-06-30" {
		t.Errorf("DefaultBackfill = %s, %s", f, tt)
	}
	if v := ProgressValue(reconcile.Progress{Chunks: 4, ChunksDone: 1}); v != 0.25 {
		t.Errorf("ProgressValue = %v", v)
	}
}

func TestRowSource(t *testing.T) {
	if r := RowOf(calls.Call{Source: calls.SourceBackfill}, nil); r.Source != calls.SourceBackfill || SourceKey(r.Source) != "ui.source.backfill" {
		t.Fatalf("row %+v", r)
	}
	if SourceKey("") != "" {
		t.Fatal("unknown source has a label")
	}
}

func TestEveryText(t *testing.T) {
	for d, want := range map[time.Duration]string{5 * time.Minute: "5m", time.Hour: "1h", 70 * time.Minute: "1h10m", 2 * time.Hour: "2h"} {
		if got := EveryText(d, nil); got != want {
			t.Errorf("EveryText(%s) = %q, want %q", d, got, want)
		}
	}
}
