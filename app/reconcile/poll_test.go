package reconcile

import (
	"context"
	"testing"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/mango/vpbxfake"
)

// The poll road's windows: a call that ended seconds ago is taken at once
// (no settle time); a call longer than the overlap is found by the first
// poll's long look; later polls look PollOverlap behind the last one; a
// call is stored once however many polls see it; Mango's spacing holds.
func TestPollWindows(t *testing.T) {
	e := newEnv(t, vpbxfake.WithStatsReady(1, 0))
	ctx := context.Background()
	long := e.t0.Add(-2 * time.Hour)
	e.mango.AddCall("LONG", "79160000001", "101", long, e.t0.Add(-time.Minute), "rec-long")
	just := e.t0.Add(-40 * time.Second)
	e.mango.AddCall("JUST", "79160000002", "101", just, e.t0.Add(-10*time.Second), "rec-just")

	r := e.eng.Poll(ctx)
	if r.Err != nil || r.New != 2 || !r.From.Equal(e.t0.Add(-PollLongLook)) {
		t.Fatalf("first poll %+v, want both calls from %s back", r, PollLongLook)
	}
	for _, step := range []struct {
		name     string
		advance  time.Duration
		add      string
		wantNew  int
		wantFrom time.Duration // behind the poll's now
	}{
		{"a minute later: short window, one new call", time.Minute, "NEXT", 1, PollOverlap + time.Minute},
		{"a minute later: nothing new", time.Minute, "", 0, PollOverlap + time.Minute},
		{"half an hour later: the long look again", PollLongEvery, "", 0, PollLongLook},
	} {
		t.Run(step.name, func(t *testing.T) {
			e.clock.Advance(step.advance)
			now := e.clock.Now()
			if step.add != "" {
				e.mango.AddCall(step.add, "79160000003", "101", now.Add(-30*time.Second), now.Add(-5*time.Second), "rec-"+step.add)
			}
			r := e.eng.Poll(ctx)
			if r.Err != nil || r.New != step.wantNew {
				t.Fatalf("poll %+v, want %d new", r, step.wantNew)
			}
			if got := r.To.Sub(r.From); got < step.wantFrom-10*time.Second || got > step.wantFrom+10*time.Second {
				t.Fatalf("window %s long, want about %s", got, step.wantFrom)
			}
		})
	}
	got := e.rowsBySource(t, calls.SourceReconcile)
	if len(got) != 3 || got["LONG"] != 1 || got["JUST"] != 1 || got["NEXT"] != 1 {
		t.Fatalf("stored rows %v, want each call once", got)
	}
	reqs := e.mango.RequestsTo("stats/request")
	for i := 1; i < len(reqs); i++ {
		if reqs[i].Sub(reqs[i-1]) < 2*time.Second {
			t.Fatalf("stats/request %d only %s after the one before", i, reqs[i].Sub(reqs[i-1]))
		}
	}
}

// A loop switched to the poll road polls at once and then every interval,
// taking calls Reconcile would still leave to settle; switched back, it
// reconciles.
func TestLoopSetPoll(t *testing.T) {
	e := newEnv(t)
	results := make(chan Result, 10)
	l := NewLoop(e.eng, 15*time.Minute, nil, func(r Result) { results <- r })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { l.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	next := func(what string) Result {
		t.Helper()
		select {
		case r := <-results:
			return r
		case <-time.After(10 * time.Second):
			t.Fatalf("no run %s", what)
		}
		return Result{}
	}
	next("at start")
	waitArmed(t, e.clock, 1)
	fresh := e.clock.Now().Add(-20 * time.Second)
	e.mango.AddCall("FRESH", "79160000009", "101", fresh, fresh.Add(15*time.Second), "rec-fresh")
	l.SetPoll(true, time.Minute)
	if r := next("after the switch to poll"); r.Err != nil || r.New != 1 || !l.Polling() {
		t.Fatalf("first poll %+v (polling %v), want the fresh call", r, l.Polling())
	}
	waitArmed(t, e.clock, 3)
	e.clock.Advance(time.Minute)
	if r := next("a minute later"); r.Err != nil || r.To.Sub(r.From) > PollOverlap+2*time.Minute {
		t.Fatalf("second poll %+v", r)
	}
	l.SetPoll(false, 15*time.Minute)
	if r := next("after the switch back"); r.Err != nil || l.Polling() || r.To.Sub(r.From) < time.Hour {
		t.Fatalf("reconcile after the switch %+v (polling %v)", r, l.Polling())
	}
}
