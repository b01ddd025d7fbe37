package ui

import (
	"context"
	"testing"
	"time"

	"mangotqm/app/calls"
)

// An idle reload leaves what the window shows alone (no redraw); a change,
// a request (filter, selection, action, tour) or the minute's full reload
// shows the data again. "marker" stands for a widget left as it was drawn.
func TestReloadAppliesOnlyWhatChanged(t *testing.T) {
	for _, tc := range []struct {
		name    string
		between func(m *mainWindow) // after the marker is set, before the reload
		applied bool
	}{
		{"nothing changed", func(*mainWindow) {}, false},
		{"a request", func(m *mainWindow) { m.requestRefresh() }, true},
		{"a minute passed", func(m *mainWindow) { m.shown.at = time.Now().Add(-2 * fullEvery) }, true},
		{"the counts changed", func(m *mainWindow) {
			m.b.(interface{ SetCounts(calls.Counts) }).SetCounts(calls.Counts{DeliveredToday: 7, Total: 7})
		}, true},
		{"delivery paused", func(m *mainWindow) {
			if err := m.b.(interface {
				SetPaused(context.Context, bool) error
			}).SetPaused(context.Background(), true); err != nil {
				t.Fatal(err)
			}
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := newFakeWindow(t)
			m.refresh() // the first reload applies everything
			m.refresh()
			m.counts.SetText("marker")
			tc.between(m)
			m.refresh()
			if got := m.counts.Text != "marker"; got != tc.applied {
				t.Fatalf("header applied = %v, want %v (counts line %q)", got, tc.applied, m.counts.Text)
			}
		})
	}
}

// The minute's full reload: due at first, then not within fullEvery.
func TestShownStateStale(t *testing.T) {
	var s shownState
	now := time.Now()
	for i, c := range []struct {
		at   time.Time
		want bool
	}{
		{now, true},
		{now.Add(time.Second), false},
		{now.Add(fullEvery - time.Second), false},
		{now.Add(fullEvery), true},
		{now.Add(fullEvery + time.Second), false},
	} {
		if got := s.stale(c.at); got != c.want {
			t.Fatalf("step %d: stale = %v, want %v", i, got, c.want)
		}
	}
}
